package io.kilowatch.alerts;

import static io.kilowatch.alerts.AlertSites.supply;
import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.CollectorConfig;
import io.kilowatch.config.Shard;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.site.YamlMaps;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules that load but cannot work as written: a window shorter than two write intervals of its
 * series, and series rules on an instance that sees one shard of the site.
 */
class RuleChecksTest {
  @TempDir Path dir;
  private EmbeddedStore store;
  private AlertEngine engine;
  private final Instant t0 = Instant.now().minusSeconds(300).truncatedTo(ChronoUnit.SECONDS);

  @AfterEach
  void close() {
    if (engine != null) {
      engine.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aWindowShorterThanTwoWriteIntervalsOfItsSeriesIsWarnedAbout() throws Exception {
    // The CDUs of AlertSites are polled at the default interval; the risk level is written every
    // analytics.kpiInterval, 5m by default, so a 2m window on it is too short and 10m is enough.
    var site =
        AlertSites.siteWithRules(
            dir,
            """
            - {name: risk-short, measurement: kpi, field: risk_level, reduce: max, window: 2m, op: above, threshold: 2.5}
            - {name: risk-ok, measurement: kpi, field: risk_level, reduce: max, window: 10m, op: above, threshold: 2.5}
            - {name: pue-hourly, measurement: kpi, field: pue, reduce: last, window: 1h, op: above, threshold: 1.6}
            """);

    assertThat(RuleChecks.warnings(site))
        .containsExactly(
            "alerts rule 'risk-short': window 2m is shorter than 2 write intervals of"
                + " kpi.risk_level (5m, analytics.kpiInterval): some evaluations find no reading,"
                + " so the alert resolves and fires again while nothing changed; make the window"
                + " at least 10m",
            "alerts rule 'pue-hourly': window 1h is shorter than 2 write intervals of kpi.pue (1h,"
                + " hourly KPI): some evaluations find no reading, so the alert resolves and fires"
                + " again while nothing changed; make the window at least 2h");
  }

  @Test
  void aDevicesPollIntervalBoundsTheWindowOfARuleOnItsPoints() throws Exception {
    // The CDUs are polled at the config's default 10s, so a window needs at least 20s: the supply
    // rule's 1m is fine, 15s is not.
    var alerts = AlertSites.supplyRule("http://127.0.0.1:9/hook", "0s");
    assertThat(RuleChecks.warnings(AlertSites.site(dir, alerts))).isEmpty();

    AlertSites.rule(alerts).put("window", "15s");

    assertThat(RuleChecks.warnings(AlertSites.site(dir, alerts)))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith(
            "alerts rule 'supply-hot': window 15s is shorter than 2 write intervals of"
                + " cooling_loop.supply_temp_c (10s, poll interval of device cdu-")
        .endsWith("make the window at least 20s");
  }

  @Test
  void anInstancePollingOneShardEvaluatesOnlyDeviceDownRulesAndSaysSo() throws Exception {
    var alerts = AlertSites.supplyRule("http://127.0.0.1:9/hook", "0s");
    @SuppressWarnings("unchecked")
    var rules = (List<Map<String, Object>>) alerts.get("rules");
    rules.add(YamlMaps.of("name", "down", "type", "device-down", "for", "0s"));
    SiteConfig whole = AlertSites.site(dir, alerts);
    SiteConfig partial = whole.withCollector(new CollectorConfig(new Shard(1, 3)));

    assertThat(RuleChecks.warnings(whole)).isEmpty();
    assertThat(RuleChecks.warnings(partial))
        .containsExactly(
            "collector.shard 1/3: this instance polls part of the site, so it does not evaluate"
                + " the series rules supply-hot; the instance that sees the whole site"
                + " (collector.shard: none) does. Device-down rules run here for the devices this"
                + " instance polls");

    store = EmbeddedStore.open(partial.store());
    engine =
        AlertEngine.open(
            partial, store, dir.resolve("alerts"), Clock.systemUTC(), AlertEngineTest.FAST);
    // cdu-1 at 50 °C is above 40 °C for the rule's 30 s, and cdu-2 is down: on the partial
    // instance only the device-down rule fires.
    supply(store, t0, "cdu-1", "c1", 50);
    engine
        .deviceListener()
        .stateChanged(null, RuleTypesTest.status("cdu-2", DeviceStatus.State.DOWN));
    engine.evaluate(t0);
    assertThat(engine.evaluate(t0.plusSeconds(30))).extracting(Alert::rule).containsExactly("down");
    engine.close();

    // The same data seen by the whole-site instance fires both.
    engine =
        AlertEngine.open(
            whole, store, dir.resolve("alerts-whole"), Clock.systemUTC(), AlertEngineTest.FAST);
    engine
        .deviceListener()
        .stateChanged(null, RuleTypesTest.status("cdu-2", DeviceStatus.State.DOWN));
    engine.evaluate(t0);
    assertThat(engine.evaluate(t0.plusSeconds(30)))
        .extracting(Alert::rule)
        .containsExactlyInAnyOrder("supply-hot", "down");
  }
}
