package io.kilowatch.collector.snmp;

import static io.kilowatch.collector.snmp.SnmpFixtures.readings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Quality;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RepoRoot;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.snmp.SnmpdPeer;
import io.kilowatch.testkit.snmp.SnmpdPeer.Value;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The five shipped SNMP profiles, loaded through ConfigLoader and read from one real snmpd that
 * serves each profile's vendor OIDs (three rows per table), with the values checked by hand from
 * the MIBs' units and by net-snmp's snmpget and snmpbulkwalk.
 */
@RequiresPeer(Peer.SNMPD)
class SnmpShippedProfilesTest {
  static final List<String> FILES =
      List.of(
          "snmp-raritan-pdu2.yaml",
          "snmp-apc-rpdu2.yaml",
          "snmp-sentry4.yaml",
          "snmp-geist.yaml",
          "snmp-ups-mib.yaml");
  static final int ROWS = 3;
  static SnmpdPeer agent;
  static SiteConfig site;

  static Path profilesDir() {
    return RepoRoot.resolve("config/profiles");
  }

  static String siteYaml(int port) {
    var y = new StringBuilder("site: {name: lab}\nprofiles:\n");
    FILES.forEach(f -> y.append("  - {file: profiles/").append(f).append("}\n"));
    y.append("devices:\n");
    for (String f : FILES) {
      String id = f.replace(".yaml", "");
      y.append("  - {id: ")
          .append(id)
          .append(", kind: ")
          .append(f.contains("ups") ? "ups" : "pdu")
          .append(", profile: ")
          .append(id)
          .append(", source: {type: snmp, host: 127.0.0.1, port: ")
          .append(port)
          .append(", version: v2c, community: \"${SNMP_COMMUNITY}\", maxRepetitions: 2}}\n");
    }
    return y.toString();
  }

  /**
   * Raw values: scalar i of a profile holds 1000 + i; row r of column c holds 100 × (c + 1) + r;
   * every decimal-digits OID holds 2 (Raritan's: divide by 100).
   */
  static Map<String, Value> values(SiteConfig site) {
    var v = new LinkedHashMap<String, Value>();
    for (String f : FILES) {
      var p = (Profile.Snmp) site.profile(f.replace(".yaml", "")).orElseThrow();
      for (int i = 0; i < p.scalars().size(); i++) {
        var s = p.scalars().get(i);
        v.put(s.oid(), Value.gauge(1000 + i));
        if (s.decimalDigits() != null) {
          v.put(s.decimalDigits(), Value.gauge(2));
        }
      }
      int c = 0;
      for (var t : p.tables()) {
        for (var col : t.columns()) {
          for (int r = 1; r <= ROWS; r++) {
            String row = Integer.toString(r);
            v.put(col.oid().replace("{index}", row), Value.gauge(100L * (c + 1) + r));
            if (col.decimalDigits() != null) {
              v.put(col.decimalDigits().replace("{index}", row), Value.gauge(2));
            }
          }
          c++;
        }
      }
    }
    return v;
  }

  @BeforeAll
  static void start() throws Exception {
    // Load once to learn the OIDs to serve, then again with the agent's port.
    var probe =
        ConfigLoader.parse(siteYaml(1), "site.yaml", profilesDir().getParent(), SnmpFixtures.ENV);
    agent = SnmpdPeer.start(values(probe), "kw-community", List.of(), "kw-profiles");
    site =
        ConfigLoader.parse(
            siteYaml(agent.port()), "site.yaml", profilesDir().getParent(), SnmpFixtures.ENV);
  }

  @AfterAll
  static void stop() {
    agent.close();
  }

  static Map<String, Double> poll(String id) throws Exception {
    try (var c = SnmpFixtures.collector(site, id)) {
      var samples = c.poll();
      assertThat(samples).allMatch(s -> s.quality() == Quality.GOOD);
      assertThat(c.pointErrors()).isEmpty();
      return readings(samples);
    }
  }

  @Test
  void raritanScalesEachSensorByItsDecimalDigits() throws Exception {
    var r = poll("snmp-raritan-pdu2");
    // Inlet 1: power 1000 with 2 digits = 10.00 W; energy 1003 Wh / 100 = 10.03 Wh = 0.01003 kWh.
    assertThat(r.get("pdu.power_w")).isCloseTo(10.00, within(1e-9));
    assertThat(r.get("pdu.current_a")).isCloseTo(10.01, within(1e-9));
    assertThat(r.get("pdu.voltage_v")).isCloseTo(10.02, within(1e-9));
    assertThat(r.get("pdu.energy_kwh")).isCloseTo(0.01003, within(1e-12));
    // Outlet 3: power column 0 → 103 / 100 W; energy column 3 → 403 / 100 Wh in kWh.
    assertThat(r.get("pdu_outlet.power_w{outlet=3}")).isCloseTo(1.03, within(1e-9));
    assertThat(r.get("pdu_outlet.energy_kwh{outlet=3}")).isCloseTo(0.00403, within(1e-12));
    assertThat(r).hasSize(4 + 4 * ROWS);
    assertThat(
            agent.tool(
                "snmpget",
                agent.v2c(),
                ".1.3.6.1.4.1.13742.6.5.4.3.1.4.1.3.5",
                ".1.3.6.1.4.1.13742.6.3.5.4.1.7.1.3.5"))
        .contains(".1.3.6.1.4.1.13742.6.5.4.3.1.4.1.3.5 = Gauge32: 103")
        .contains(".1.3.6.1.4.1.13742.6.3.5.4.1.7.1.3.5 = Gauge32: 2");
  }

  @Test
  void apcPowerInHundredthsOfKwIsStoredInWatts() throws Exception {
    var r = poll("snmp-apc-rpdu2");
    assertThat(r.get("pdu.power_w")).isCloseTo(10_000, within(1e-9)); // 1000 hundredths of kW
    assertThat(r.get("pdu.energy_kwh")).isCloseTo(100.1, within(1e-9)); // 1001 tenths of kWh
    assertThat(r.get("pdu.current_a{phase=2}")).isCloseTo(10.2, within(1e-9)); // 102 tenths
    assertThat(r.get("pdu.voltage_v{phase=2}")).isEqualTo(202.0);
    assertThat(r.get("pdu.power_w{phase=2}")).isCloseTo(3020, within(1e-9)); // 302 x 10 W
    assertThat(r.get("pdu_outlet.power_w{outlet=1}")).isEqualTo(501.0);
    assertThat(r.get("pdu_outlet.energy_kwh{outlet=1}")).isCloseTo(60.1, within(1e-9));
    assertThat(r).hasSize(2 + 6 * ROWS);
    String walk = agent.tool("snmpbulkwalk", agent.v2c(), ".1.3.6.1.4.1.318.1.1.26.9.4.3.1.7");
    assertThat(walk.strip().lines())
        .containsExactly(
            ".1.3.6.1.4.1.318.1.1.26.9.4.3.1.7.1 = Gauge32: 501",
            ".1.3.6.1.4.1.318.1.1.26.9.4.3.1.7.2 = Gauge32: 502",
            ".1.3.6.1.4.1.318.1.1.26.9.4.3.1.7.3 = Gauge32: 503");
  }

  @Test
  void sentry4UnitOneCordOne() throws Exception {
    var r = poll("snmp-sentry4");
    assertThat(r.get("pdu.power_w")).isEqualTo(1000.0);
    assertThat(r.get("pdu.energy_kwh")).isCloseTo(100.1, within(1e-9));
    assertThat(r.get("pdu.voltage_v{phase=1}")).isCloseTo(10.1, within(1e-9)); // tenth V
    assertThat(r.get("pdu.current_a{phase=1}")).isCloseTo(2.01, within(1e-9)); // hundredth A
    assertThat(r.get("pdu_outlet.energy_kwh{outlet=2}")).isCloseTo(0.802, within(1e-12)); // Wh
    assertThat(r).hasSize(2 + 8 * ROWS);
  }

  @Test
  void geistV5() throws Exception {
    var r = poll("snmp-geist");
    assertThat(r.get("pdu.power_w")).isEqualTo(1000.0);
    assertThat(r.get("pdu.energy_kwh")).isCloseTo(1.001, within(1e-12)); // Wh
    assertThat(r.get("pdu.voltage_v{phase=3}")).isCloseTo(10.3, within(1e-9)); // decivolts
    assertThat(r.get("pdu_outlet.current_a{outlet=1}")).isCloseTo(6.01, within(1e-9)); // centiamps
    assertThat(r).hasSize(2 + 8 * ROWS);
  }

  @Test
  void upsMibOutputLinesArePhases() throws Exception {
    var r = poll("snmp-ups-mib");
    assertThat(r.get("ups.battery_status")).isEqualTo(1000.0);
    assertThat(r.get("ups.battery_voltage_v")).isCloseTo(100.4, within(1e-9)); // 0.1 V DC
    assertThat(r.get("ups.output_frequency_hz")).isCloseTo(100.6, within(1e-9)); // 0.1 Hz
    assertThat(r.get("ups.output_current_a{phase=2}")).isCloseTo(20.2, within(1e-9)); // 0.1 A
    assertThat(r.get("ups.output_power_w{phase=2}")).isEqualTo(302.0); // W as given
    assertThat(r.get("ups.load_pct{phase=3}")).isEqualTo(403.0);
    assertThat(r.get("ups.input_voltage_v{phase=1}")).isEqualTo(501.0);
    assertThat(r).hasSize(7 + 5 * ROWS);
  }

  @Test
  void energyCountersAreKnownAsCountersOfTheirWidth() {
    for (String f : FILES) {
      var p = (Profile.Snmp) site.profile(f.replace(".yaml", "")).orElseThrow();
      p.points().stream()
          .filter(x -> x.kind() == Profile.PointKind.COUNTER)
          .forEach(
              x -> {
                assertThat(x.unit()).isEqualTo("kWh");
                assertThat(x.counter().bits()).isEqualTo(32);
              });
    }
  }
}
