package io.kilowatch.analytics;

import static io.kilowatch.analytics.AuditMonth.FROM;
import static io.kilowatch.analytics.AuditMonth.TO;
import static io.kilowatch.analytics.AuditMonth.close;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * kilowatch against the independent audit month (see {@link AuditMonth}): energy, PUE (site and
 * clusters), coverage, location- and market-based emissions and CUE, for the whole month, each day
 * (Europe/Paris, with the DST change) and each hour, at 1e-9 relative — first from raw readings,
 * then from the store's rollups once the raw readings are gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class AuditMonthTest {
  @TempDir static Path dir;
  AuditMonth month;
  SiteConfig site;
  EmbeddedStore store;
  Analytics analytics;

  @BeforeAll
  void load() throws Exception {
    month = AuditMonth.generate(dir.resolve("audit"), 1);
    site = month.site(dir.resolve("store"));
    // Maintenance is driven by the test: first raw readings, later only rollups.
    store =
        EmbeddedStore.open(
            dir.resolve("store"),
            Duration.ofDays(7),
            Duration.ofDays(90),
            Duration.ofDays(3650),
            false);
    assertThat(month.load(store)).isGreaterThan(250_000);
    analytics =
        new Analytics(
            site, store, Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
  }

  @AfterAll
  void closeStore() {
    store.close();
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void fromRawReadingsEveryFigureMatchesTheIndependentComputation() {
    compareAll();
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void fromRollupsOnceTheRawReadingsAreGoneEveryFigureIsTheSame() {
    // On 1 December the month is past the 7-day raw retention: maintenance rolls it up and
    // deletes its raw readings (one-minute bins stay for 90 days).
    store.maintain(Instant.parse("2026-12-01T00:00:00Z"));
    var raw =
        store.read(
            new io.kilowatch.store.SeriesQuery("pdu", "power_w", Map.of()),
            FROM.plus(Duration.ofDays(1)),
            TO.minus(Duration.ofDays(1)));
    assertThat(raw).as("raw readings left").allSatisfy(sp -> assertThat(sp.points()).isEmpty());
    analytics =
        new Analytics(
            site, store, Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
    compareAll();
  }

  private void compareAll() {
    compare("whole", new StepPlan.Step.Whole());
    compare("day", new StepPlan.Step.Day());
    compare("hour", new StepPlan.Step.Fixed(Duration.ofHours(1)));
    meters();
  }

  private void compare(String set, StepPlan.Step step) {
    JsonNode steps = month.steps(set);
    PueReport pue = analytics.pue().compute(FROM, TO, step);
    EnergySeries cooling =
        analytics.energy().channels("cooling", site.energy().cooling(), FROM, TO, step);
    CarbonReport carbon = analytics.carbon().compute(FROM, TO, step);
    assertThat(pue.steps()).as(set).hasSize(steps.size());
    var clusters = Map.of("c1", cluster(pue, "c1"), "c2", cluster(pue, "c2"));
    for (int i = 0; i < steps.size(); i++) {
      JsonNode e = steps.get(i);
      var s = pue.steps().get(i);
      String at = set + " " + e.get("start").asText();
      assertThat(s.start()).as(at).isEqualTo(Instant.parse(e.get("start").asText()));
      assertThat(s.end()).as(at).isEqualTo(Instant.parse(e.get("end").asText()));
      close(at + " facility kWh", s.facilityKwh(), e.at("/energy_kwh/facility"));
      close(at + " IT kWh", s.itKwh(), e.at("/energy_kwh/it"));
      close(at + " cooling kWh", cooling.kwh(i), e.at("/energy_kwh/cooling"));
      close(at + " facility coverage", s.facilityCoverage(), e.at("/coverage/facility"));
      close(at + " IT coverage", s.itCoverage(), e.at("/coverage/it"));
      close(at + " cooling coverage", cooling.steps().get(i).coverage(), e.at("/coverage/cooling"));
      close(at + " T coverage", s.coverage(), e.at("/coverage/T"));
      assertThat(s.status().name()).as(at + " PUE status").isEqualTo(e.at("/pue/status").asText());
      close(at + " PUE", s.pue(), e.at("/pue/value"));
      close(at + " E_facility(T)", s.pueFacilityKwh(), e.at("/pue/e_facility_T_kwh"));
      close(at + " E_IT(T)", s.pueItKwh(), e.at("/pue/e_it_T_kwh"));
      for (var c : clusters.entrySet()) {
        close(
            at + " " + c.getKey() + " share",
            c.getValue().stepFacilityShareKwh().get(i),
            e.at("/clusters/" + c.getKey() + "/share_kwh"));
      }
      var cs = carbon.steps().get(i);
      if (e.at("/carbon/hours_with_intensity").asInt() == 0) {
        // An hour without an intensity has no emissions figure (the script writes 0 for it).
        assertThat(cs.locationKg()).as(at + " location kg").isNull();
        assertThat(cs.marketKg()).as(at + " market kg").isNull();
      } else {
        close(at + " location kg", cs.locationKg(), e.at("/carbon/location_kg"));
        close(at + " market kg", cs.marketKg(), e.at("/carbon/market_kg"));
      }
    }
    if (set.equals("whole")) {
      JsonNode e = steps.get(0);
      var w = pue.window();
      close("window PUE", w.pue(), e.at("/pue/value"));
      close("window facility", w.facilityKwh(), e.at("/energy_kwh/facility"));
      close("window IT", w.itKwh(), e.at("/energy_kwh/it"));
      close("window cooling", w.coolingKwh(), e.at("/energy_kwh/cooling"));
      for (var c : clusters.entrySet()) {
        String p = "/clusters/" + c.getKey();
        close(c.getKey() + " share", c.getValue().facilityShareKwh(), e.at(p + "/share_kwh"));
        close(c.getKey() + " IT(T)", c.getValue().itKwh(), e.at(p + "/e_it_T_kwh"));
        close(c.getKey() + " cooling(T)", c.getValue().coolingKwh(), e.at(p + "/e_cool_T_kwh"));
        close(c.getKey() + " PUE", c.getValue().pue(), e.at(p + "/pue"));
      }
      var t = carbon.totals();
      close("location kg", t.locationKg(), e.at("/carbon/location_kg"));
      close("market kg", t.marketKg(), e.at("/carbon/market_kg"));
      close("emissions coverage", t.coverage(), e.at("/carbon/emissions_coverage"));
      close(
          "E_DC in hours with intensity",
          t.facilityKwh(),
          e.at("/carbon/facility_kwh_in_hours_with_intensity"));
      close("CUE location", t.cueLocation(), e.at("/cue/location"));
      close("CUE market", t.cueMarket(), e.at("/cue/market"));
      close("CUE facility kWh", t.cue().facilityKwh(), e.at("/cue/facility_kwh"));
      close("CUE IT kWh", t.cue().itKwh(), e.at("/cue/it_kwh"));
      close("CUE location kg", t.cue().locationKg(), e.at("/cue/location_kg"));
      close("CUE market kg", t.cue().marketKg(), e.at("/cue/market_kg"));
      // Renewable supply counts in every hour, also the two without an intensity (the script
      // reports it over hours with one): by hand, the PPA's 0.5 MWh in each of the 720 hours, and
      // October's 300 MWh pro rata for the 720 of its 745 hours inside the period (never capped:
      // each hour's facility energy exceeds both).
      assertThat(t.renewables().ppaKwh())
          .isCloseTo(360_000, org.assertj.core.api.Assertions.within(1e-6));
      assertThat(t.renewables().certificatesKwh())
          .isCloseTo(300_000.0 * 720 / 745, org.assertj.core.api.Assertions.within(1e-6));
    }
  }

  private static PueReport.ClusterPue cluster(PueReport r, String id) {
    return r.clusters().stream().filter(c -> c.cluster().equals(id)).findFirst().orElseThrow();
  }

  private void meters() {
    var per =
        analytics
            .energy()
            .perDevice(
                List.of(
                    new io.kilowatch.config.EnergyModel.Channel(
                        "fac", null, null, "energy_kwh", "power_w")),
                FROM,
                TO,
                new StepPlan.Step.Whole());
    JsonNode fac = month.expected.at("/meters/fac");
    var f = per.get("fac");
    close("fac kWh", f.totalKwh(), fac.get("energy_kwh"));
    assertThat(f.wraps()).isEqualTo(fac.get("wraps").size());
    var resets = f.applied().resets();
    assertThat(resets).hasSize(fac.get("resets").size());
    for (int i = 0; i < resets.size(); i++) {
      JsonNode r = fac.get("resets").get(i);
      close("reset " + i + " fill", resets.get(i).kwh(), r.get("fill_kwh"));
      assertThat(resets.get(i).rule())
          .isEqualTo(r.get("rule").asText().equals("c1") ? "new-register" : "power-trapezoid");
    }
    assertThat(f.applied().gapsBridged()).isEqualTo(fac.get("bridged_longer_than_1.5_poll").size());
  }
}
