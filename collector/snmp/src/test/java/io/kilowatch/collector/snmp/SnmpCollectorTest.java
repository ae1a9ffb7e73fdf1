package io.kilowatch.collector.snmp;

import static io.kilowatch.collector.snmp.SnmpFixtures.readings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.Profile;
import io.kilowatch.store.Quality;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.snmp.SnmpdPeer;
import io.kilowatch.testkit.snmp.SnmpdPeer.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * v2c against a real net-snmp snmpd: scalars of every numeric type, a DisplayString number, and a
 * table walked with GETBULK in steps smaller than the table; net-snmp's own snmpget and
 * snmpbulkwalk read the same agent as the independent check.
 */
@RequiresPeer(Peer.SNMPD)
class SnmpCollectorTest {
  static final String E = "1.3.6.1.4.1.99999";
  private SnmpdPeer agent;

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  static Map<String, Value> values() {
    var v = new LinkedHashMap<String, Value>();
    v.put(E + ".1.1.0", Value.integer(2304)); // tenths of a volt
    v.put(E + ".1.2.0", Value.gauge(4100)); // W
    v.put(E + ".1.3.0", Value.string(" 12.75 ")); // DisplayString, A
    v.put(E + ".1.4.0", Value.counter32(4_294_967_290L)); // Wh, 6 below the wrap
    v.put(E + ".1.5.0", Value.counter64(10_000_000_000_123L)); // Wh, beyond 32 bits
    for (int i = 1; i <= 5; i++) {
      v.put(E + ".2.1.3." + i, Value.gauge(100L * i)); // outlet power, W
    }
    for (int i = 1; i <= 5; i++) {
      v.put(E + ".2.1.4." + i, Value.integer(10L * i + 3)); // outlet current, tenths of A
    }
    for (int i = 1; i <= 5; i++) {
      v.put(E + ".2.1.5." + i, Value.counter32(1000L * i)); // outlet energy, Wh
    }
    return v;
  }

  static String yaml(int port, int maxRepetitions) {
    return """
        site: {name: lab}
        profiles:
          - id: test-pdu
            source: snmp
            points:
              - {name: voltage, oid: "%1$s.1.1.0", scale: 0.1, unit: V, field: voltage_v}
              - {name: power, oid: "%1$s.1.2.0", unit: W, field: power_w}
              - {name: current, oid: "%1$s.1.3.0", unit: A, field: current_a}
              - {name: energy, oid: "%1$s.1.4.0", scale: 0.001, unit: kWh, kind: counter, field: energy_kwh}
              - {name: energy64, oid: "%1$s.1.5.0", scale: 0.001, unit: kWh, kind: counter, counterBits: 64, field: energy64_kwh}
            tables:
              - name: outlets
                indexTag: outlet
                columns:
                  - {name: outlet-power, oid: "%1$s.2.1.3", unit: W, measurement: pdu_outlet, field: power_w}
                  - {name: outlet-current, oid: "%1$s.2.1.4", scale: 0.1, unit: A, measurement: pdu_outlet, field: current_a}
                  - {name: outlet-energy, oid: "%1$s.2.1.5.{index}", scale: 0.001, unit: kWh, kind: counter, measurement: pdu_outlet, field: energy_kwh}
        devices:
          - id: pdu-1
            kind: pdu
            profile: test-pdu
            timeout: 2s
            source: {type: snmp, host: 127.0.0.1, port: %2$d, version: v2c, community: "${SNMP_COMMUNITY}", maxRepetitions: %3$d, retries: 1}
        """
        .formatted(E, port, maxRepetitions);
  }

  @Test
  void scalarsAndATableWalkedInStepsSmallerThanTheTable() throws Exception {
    agent = SnmpdPeer.start(values(), "kw-community", List.of(), "kw-v2c");
    var site = SnmpFixtures.site(yaml(agent.port(), 2));
    try (var c = SnmpFixtures.collector(site, "pdu-1")) {
      var samples = c.poll();
      var r = readings(samples);
      // By hand from the values above and each point's scale.
      assertThat(r.get("pdu.voltage_v")).isCloseTo(230.4, within(1e-9));
      assertThat(r.get("pdu.power_w")).isEqualTo(4100.0);
      assertThat(r.get("pdu.current_a")).isEqualTo(12.75);
      assertThat(r.get("pdu.energy_kwh")).isCloseTo(4_294_967.290, within(1e-6));
      assertThat(r.get("pdu.energy64_kwh")).isCloseTo(10_000_000_000.123, within(1e-3));
      for (int i = 1; i <= 5; i++) {
        String tag = "{outlet=" + i + "}";
        assertThat(r.get("pdu_outlet.power_w" + tag)).isEqualTo(100.0 * i);
        assertThat(r.get("pdu_outlet.current_a" + tag)).isCloseTo(i + 0.3, within(1e-9));
        assertThat(r.get("pdu_outlet.energy_kwh" + tag)).isCloseTo(i * 1.0, within(1e-9));
      }
      assertThat(r).hasSize(5 + 15);
      assertThat(samples).allMatch(s -> s.quality() == Quality.GOOD);
      assertThat(c.pointErrors()).isEmpty();
      // One GET for the scalars; the three columns side by side, 2 rows a request: rows 1-2, 3-4,
      // then row 5 and the first OID past each column, which ends the walk: 3 GETBULKs.
      assertThat(c.requests()).isEqualTo(1 + 3);

      // The independent reader: net-snmp's tools see the raw values the readings came from.
      String get =
          agent.tool(
              "snmpget",
              agent.v2c(),
              "." + E + ".1.1.0",
              "." + E + ".1.3.0",
              "." + E + ".1.4.0",
              "." + E + ".1.5.0");
      assertThat(get)
          .contains("." + E + ".1.1.0 = INTEGER: 2304")
          .contains("." + E + ".1.3.0 = STRING: \" 12.75 \"")
          .contains("." + E + ".1.4.0 = Counter32: 4294967290")
          .contains("." + E + ".1.5.0 = Counter64: 10000000000123");
      String walk =
          agent.tool(
              "snmpbulkwalk", List.of("-v2c", "-c", "kw-community", "-Cr2"), "." + E + ".2.1.4");
      var lines = walk.strip().lines().toList();
      assertThat(lines).hasSize(5);
      for (int i = 1; i <= 5; i++) {
        String line = lines.get(i - 1);
        assertThat(line).startsWith("." + E + ".2.1.4." + i + " = INTEGER: ");
        long raw = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
        assertThat(r.get("pdu_outlet.current_a{outlet=" + i + "}"))
            .isCloseTo(raw * 0.1, within(1e-9));
      }
    }
  }

  @Test
  void aCounter32ThatWrapsIsStoredAsReadAndItsIncreaseCrossesTheWrap() throws Exception {
    var v = values();
    agent = SnmpdPeer.start(v, "kw-community", List.of(), "kw-wrap");
    var site = SnmpFixtures.site(yaml(agent.port(), 10));
    var profile = (Profile.Snmp) site.profile("test-pdu").orElseThrow();
    var energy =
        profile.points().stream().filter(p -> p.name().equals("energy")).findFirst().orElseThrow();
    try (var c = SnmpFixtures.collector(site, "pdu-1")) {
      double before = readings(c.poll()).get("pdu.energy_kwh");
      v.put(E + ".1.4.0", Value.counter32(300)); // 6 Wh to the wrap, then 300 Wh more
      agent.values(v);
      double after = readings(c.poll()).get("pdu.energy_kwh");
      assertThat(after).isCloseTo(0.3, within(1e-12));
      // A Counter32 of Wh read as kWh wraps at 2^32 x 0.001 kWh; the increase is 306 Wh.
      assertThat(energy.counter()).isEqualTo(new Profile.CounterSpec(32, 0.001));
      assertThat(energy.counter().increase(before, after)).isCloseTo(0.306, within(1e-6));
    }
  }
}
