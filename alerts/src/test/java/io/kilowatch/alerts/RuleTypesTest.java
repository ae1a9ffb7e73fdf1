package io.kilowatch.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.DeviceKind;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Sample;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each rule type computes the value it promises, from real series in the embedded store. */
class RuleTypesTest {
  @TempDir Path dir;
  private EmbeddedStore store;
  private AlertEngine engine;
  private final Instant t0 = Instant.now().minusSeconds(600).truncatedTo(ChronoUnit.SECONDS);

  @AfterEach
  void close() {
    if (engine != null) {
      engine.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private void open(String rules) throws Exception {
    var site = AlertSites.siteWithRules(dir, rules);
    store = EmbeddedStore.open(site.store());
    engine =
        AlertEngine.open(
            site, store, dir.resolve("alerts"), Clock.systemUTC(), AlertEngineTest.FAST);
  }

  private void write(
      Instant t, String measurement, Map<String, String> tags, String field, double v) {
    store.write(List.of(Sample.of(t, measurement, tags, Map.of(field, v))));
  }

  @Test
  void rateIsTheChangeOverTheWindowPerPeriod() throws Exception {
    open(
        """
        - {name: heating, type: rate, measurement: gpu, field: temp_c, window: 1m, per: 1m, threshold: 5}
        """);
    var tags = Map.of("device", "n1", "gpu", "0");
    write(t0, "gpu", tags, "temp_c", 60);
    write(t0.plusSeconds(30), "gpu", tags, "temp_c", 64);
    assertThat(engine.evaluate(t0.plusSeconds(30)))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.value()).isEqualTo(8.0); // 4 K in 30 s = 8 K/min
              assertThat(a.state()).isEqualTo(AlertState.FIRING);
            });
  }

  @Test
  void loadIsAPercentageOfTheRatingTagAndSeriesWithoutOneAreSkipped() throws Exception {
    open(
        """
        - {name: breaker, type: load, measurement: pdu, field: current_a, ratingTag: breaker_a, reduce: max, threshold: 80, clear: 70}
        """);
    write(t0, "pdu", Map.of("device", "p1", "phase", "l1", "breaker_a", "32"), "current_a", 27.2);
    write(t0, "pdu", Map.of("device", "p2", "phase", "l1", "breaker_a", "32"), "current_a", 16);
    write(t0, "pdu", Map.of("device", "p3", "phase", "l1"), "current_a", 31);
    List<Alert> alerts = engine.evaluate(t0);
    assertThat(alerts)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.labels()).containsEntry("device", "p1").containsEntry("phase", "l1");
              assertThat(a.value()).isCloseTo(85.0, org.assertj.core.data.Offset.offset(1e-9));
            });
  }

  @Test
  void absentFiresForASeriesThatStoppedAndResolvesWhenItReturns() throws Exception {
    open(
        """
        - {name: silent, type: absent, measurement: pdu, field: power_w, after: 1m}
        """);
    var tags = Map.of("device", "p1");
    write(t0, "pdu", tags, "power_w", 1000);
    assertThat(engine.evaluate(t0.plusSeconds(30))).isEmpty();
    assertThat(engine.evaluate(t0.plusSeconds(90)))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.state()).isEqualTo(AlertState.FIRING);
              assertThat(a.annotations().get("summary")).isEqualTo("no data from p1 for 1 min");
            });
    write(t0.plusSeconds(100), "pdu", tags, "power_w", 1000);
    assertThat(engine.evaluate(t0.plusSeconds(100))).isEmpty();
    assertThat(engine.history()).first().extracting(AlertEvent::to).isEqualTo(AlertState.RESOLVED);
  }

  @Test
  void deviceDownFiresAfterForWithTheDevicesLocationAndResolvesWhenItIsBack() throws Exception {
    var site =
        AlertSites.siteWithNode(
            dir,
            Map.of(
                "rules",
                List.of(Map.of("name", "device-down", "type", "device-down", "for", "30s"))));
    store = EmbeddedStore.open(site.store());
    engine =
        AlertEngine.open(
            site, store, dir.resolve("alerts"), Clock.systemUTC(), AlertEngineTest.FAST);
    var listener = engine.deviceListener();
    listener.stateChanged(null, status("n1", DeviceStatus.State.DOWN));
    listener.stateChanged(null, status("ghost", DeviceStatus.State.DOWN));
    assertThat(engine.evaluate(t0))
        .singleElement()
        .extracting(Alert::state)
        .isEqualTo(AlertState.PENDING);
    assertThat(engine.evaluate(t0.plusSeconds(30)))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.state()).isEqualTo(AlertState.FIRING);
              assertThat(a.labels())
                  .containsEntry("device", "n1")
                  .containsEntry("cluster", "c1")
                  .containsEntry("rack", "c1-r1")
                  .containsEntry("severity", "warning");
              assertThat(a.annotations().get("summary")).isEqualTo("n1 is down");
            });
    listener.stateChanged(null, status("n1", DeviceStatus.State.UP));
    assertThat(engine.evaluate(t0.plusSeconds(40))).isEmpty();
  }

  static DeviceStatus status(String id, DeviceStatus.State state) {
    return new DeviceStatus(id, DeviceKind.PDU, state, null, null, null, 0, null, null);
  }

  @Test
  void aRuleComparesInItsOwnUnitWhateverUnitTheDeviceReports() throws Exception {
    // cdu-1's supply point is declared in °C; the rule is written in kelvin and in °F.
    open(
        """
        - {name: hot-k, measurement: cooling_loop, field: supply_temp_c, unit: K, threshold: 313.15, reduce: last}
        - {name: hot-f, measurement: cooling_loop, field: supply_temp_c, unit: degF, threshold: 110, reduce: last}
        - {name: hot-kw, measurement: cooling_loop, field: supply_temp_c, unit: kW, threshold: 1, reduce: last}
        """);
    write(t0, "cooling_loop", Map.of("device", "cdu-1", "cluster", "c1"), "supply_temp_c", 45);
    List<Alert> alerts = engine.evaluate(t0);
    // 45 °C = 318.15 K > 313.15 K, and 45 × 9/5 + 32 = 113 °F > 110 °F; kW measures no
    // temperature, so that rule sees no series at all.
    assertThat(alerts).extracting(Alert::rule).containsExactlyInAnyOrder("hot-k", "hot-f");
    var k = alerts.stream().filter(a -> a.rule().equals("hot-k")).findFirst().orElseThrow();
    assertThat(k.value()).isCloseTo(318.15, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(k.annotations().get("summary")).isEqualTo("hot-k: 318.15 K (threshold 313.15 K)");
    var f = alerts.stream().filter(a -> a.rule().equals("hot-f")).findFirst().orElseThrow();
    assertThat(f.value()).isCloseTo(113, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(f.annotations().get("summary")).isEqualTo("hot-f: 113 °F (threshold 110 °F)");
  }
}
