package io.kilowatch.analytics;

import static io.kilowatch.analytics.TestSites.device;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The KPI job writes hourly PUE back as measurement kpi, flagged hours as BAD. */
class KpiJobTest {
  static final Instant T0 = Instant.parse("2026-07-01T00:00:00Z");

  @TempDir Path dir;

  @Test
  void hourlyPueIsWrittenBackAndAFlaggedHourIsBadNotAGoodNumber() {
    var site =
        TestSites.site(
            dir,
            ZoneOffset.UTC,
            List.of(),
            List.of(),
            List.of(
                device("main", DeviceKind.METER, Location.FACILITY, null, 60),
                device("pdu", DeviceKind.PDU, Location.FACILITY, null, 60)),
            new EnergyModel(
                EnergyModel.ItLevel.PDU_OUTPUT,
                List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                List.of(new Channel("pdu", null, null, "energy_kwh", "power_w")),
                List.of(),
                List.of(),
                List.of()),
            AnalyticsConfig.DEFAULT);
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir))) {
      // Two hours: main +125 kWh/h, pdu +100 kWh/h → PUE 1.25 each hour.
      var batch = new ArrayList<Sample>();
      for (int t = 0; t <= 7200; t += 60) {
        batch.add(
            TestSites.sample(
                "meter", "main", T0.getEpochSecond() + t, "energy_kwh", 125 * t / 3600.0));
        batch.add(
            TestSites.sample(
                "pdu", "pdu", T0.getEpochSecond() + t, "energy_kwh", 100 * t / 3600.0));
      }
      store.write(batch);
      var job = new KpiJob(new Analytics(site, store, Clock.systemUTC()), store, Clock.systemUTC());
      job.runOnce(T0.plus(Duration.ofHours(2)).plus(Duration.ofMinutes(5)));
      var pue =
          store.read(
              SeriesQuery.of("kpi", "pue").withTag("scope", "site"),
              T0.minus(Duration.ofHours(6)),
              T0.plus(Duration.ofHours(3)));
      assertThat(pue).hasSize(1);
      var points = pue.getFirst().points();
      // Six hours of backfill: four before the data (NO_DATA → BAD), then two at 1.25.
      assertThat(points).hasSize(6);
      assertThat(points.subList(0, 4)).allMatch(p -> p.quality() == Quality.BAD);
      assertThat(points.subList(4, 6))
          .allSatisfy(
              p -> {
                assertThat(p.quality()).isEqualTo(Quality.GOOD);
                assertThat(p.value()).isCloseTo(1.25, within(1e-9));
              });
      assertThat(points.get(4).time()).isEqualTo(T0);
      // A second run in the same hour adds nothing hourly.
      var again = job.runOnce(T0.plus(Duration.ofHours(2)).plus(Duration.ofMinutes(10)));
      assertThat(again).noneMatch(s -> s.fields().containsKey("pue"));
      var after =
          store.read(
              SeriesQuery.of("kpi", "pue").withTag("scope", "site"),
              T0.minus(Duration.ofHours(6)),
              T0.plus(Duration.ofHours(3)));
      assertThat(after.getFirst().points())
          .extracting(Point::time)
          .doesNotHaveDuplicates()
          .containsExactlyElementsOf(points.stream().map(Point::time).toList());
    }
  }
}
