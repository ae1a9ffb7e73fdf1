package io.kilowatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.collector.snmp.SnmpCollector;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kilowatch's SNMP collector reads a demo SNMP PDU through the profile and community the demo's
 * site config gives it: the config loads (the community from the environment, not the file) and the
 * readings are the model's, scaled by the sensors' decimal digits.
 */
class SnmpPduProfileTest {
  private static DemoSite site;
  private static SiteConfig config;

  @BeforeAll
  static void start() throws Exception {
    site = DemoSite.start(DemoOptions.defaults());
    config = ConfigLoader.parse(site.siteYaml(), "demo-site.yaml", null, site.environment());
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
  }

  private static SnmpCollector collector(String id) {
    Device d = config.device(id).orElseThrow();
    return new SnmpCollector(
        d,
        (Source.Snmp) d.source(),
        (Profile.Snmp) config.profile(d.profile()).orElseThrow(),
        config,
        Clock.systemUTC());
  }

  /** "measurement.field" or "measurement.field{outlet=N}" to value. */
  private static Map<String, Double> readings(List<Sample> samples) {
    Map<String, Double> out = new HashMap<>();
    for (Sample s : samples) {
      assertThat(s.quality()).isEqualTo(Quality.GOOD);
      String tag = s.tags().containsKey("outlet") ? "{outlet=" + s.tags().get("outlet") + "}" : "";
      s.fields().forEach((f, v) -> out.put(s.measurement() + "." + f + tag, v));
    }
    return out;
  }

  @Test
  void theDemoConfigNamesTheCommunityOnlyAsAVariable() {
    String community = site.environment().get(DemoSite.SNMP_COMMUNITY_VARIABLE);
    assertThat(community).hasSize(32);
    assertThat(site.siteYaml())
        .contains("${" + DemoSite.SNMP_COMMUNITY_VARIABLE + "}")
        .doesNotContain(community);
    assertThat(config.device("c2-r4-pdu-c").orElseThrow().kind().toString())
        .isEqualToIgnoringCase("pdu");
  }

  @Test
  void theDemoProfileIsTheShippedRaritanProfile() throws Exception {
    // The demo inlines its profiles; the SNMP one must stay the shipped one, point for point.
    SiteConfig shipped =
        ConfigLoader.parse(
            "site: {name: x}\nprofiles:\n  - file: snmp-raritan-pdu2.yaml\n",
            "shipped.yaml",
            java.nio.file.Path.of("../config/profiles"),
            Map.of());
    Profile.Snmp raritan = (Profile.Snmp) shipped.profile("snmp-raritan-pdu2").orElseThrow();
    Profile.Snmp demo = (Profile.Snmp) config.profile("demo-snmp-pdu").orElseThrow();
    assertThat(demo.scalars()).isEqualTo(raritan.scalars());
    assertThat(demo.tables()).isEqualTo(raritan.tables());
  }

  @Test
  void theCollectorReadsInletAndOutletsAsTheModelHasThem() throws Exception {
    try (SnmpCollector c = collector("c1-r2-pdu-c")) {
      Map<String, Double> r = readings(c.poll());
      PduReading truth = site.model().snapshot().pdu("c1-r2-pdu-c");
      double power = r.get("pdu.power_w");
      double volts = r.get("pdu.voltage_v");
      // Whole watts and volts, current in mA (3 decimal digits), energy in Wh stored as kWh.
      assertThat(volts).isBetween(220.0, 240.0);
      assertThat(r.get("pdu.current_a") * volts)
          .isCloseTo(power, within(volts * 0.001 + power * 0.01));
      // The model steps each second: the read and the snapshot are at most a step apart.
      assertThat(power).isCloseTo(truth.powerW(), within(0.05 * truth.powerW()));
      assertThat(r.get("pdu.energy_kwh")).isCloseTo(truth.energyWh() / 1000, within(0.1));
      double outlets = 0;
      double outletsKwh = 0;
      for (int o = 1; o <= 4; o++) {
        outlets += r.get("pdu_outlet.power_w{outlet=" + o + "}");
        outletsKwh += r.get("pdu_outlet.energy_kwh{outlet=" + o + "}");
        assertThat(r.get("pdu_outlet.current_a{outlet=" + o + "}")).isPositive();
        assertThat(r.get("pdu_outlet.voltage_v{outlet=" + o + "}")).isEqualTo(volts);
      }
      // Four outlets rounded to the watt each against the inlet rounded to the watt.
      assertThat(outlets).isCloseTo(power, within(3.0));
      // The outlets' registers add up to the inlet's: whole Wh each, so 4 Wh apart at most.
      assertThat(outletsKwh).isCloseTo(r.get("pdu.energy_kwh"), within(0.004 + 1e-9));
      assertThat(r).hasSize(4 + 4 * 4);
    }
  }
}
