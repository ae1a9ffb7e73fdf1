package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.alerts.Alert;
import io.kilowatch.alerts.AlertEngine;
import io.kilowatch.alerts.AlertState;
import io.kilowatch.alerts.DeliveryOptions;
import io.kilowatch.config.AlertsConfig;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.simulator.CduReading;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.GpuReading;
import io.kilowatch.simulator.NodeReading;
import io.kilowatch.simulator.SiteModel;
import io.kilowatch.store.Sample;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.http.WebhookReceiver;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's alert rules against the simulator's physics: c2's pump fault raises a warning (flow)
 * and then a critical alert (GPU temperature) for c2 only, and both reach a webhook.
 */
class DemoAlertsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void coolingFaultInC2RaisesAWarningThenACriticalAlertForC2Only() throws Exception {
    List<String> bodies = new CopyOnWriteArrayList<>();
    var hook = new WebhookReceiver(0);
    hook.onAccepted(r -> bodies.add(r.body()));
    SiteConfig parsed =
        SiteBuilder.named("kilowatch demo hall")
            .store(YamlMaps.of("dataDir", dir.toString()))
            .alerts(DemoYaml.alertsTree(8080, null))
            .toConfig(dir);
    var webhook =
        new AlertsConfig.Receiver(
            "hook",
            AlertsConfig.ReceiverKind.WEBHOOK,
            URI.create(hook.url()),
            "demo-secret",
            Duration.ofSeconds(2));
    var route =
        new AlertsConfig.Route(
            "hook",
            Map.of(),
            List.of("alertname", "cluster"),
            Duration.ZERO,
            Duration.ofMinutes(1),
            Duration.ofHours(4));
    Instant start = Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.SECONDS);
    var model = new SiteModel(DemoOptions.defaults(), start);
    // The demo's CDUs, so the rules know their loop readings' units (°C, L/min).
    var cdus =
        model.advance(Duration.ZERO).cdus().stream()
            .map(
                c ->
                    io.kilowatch.testkit.TestSites.device(
                        c.id(),
                        io.kilowatch.config.DeviceKind.CDU,
                        new io.kilowatch.config.Location(c.clusterId(), null),
                        null,
                        new io.kilowatch.config.Source.Modbus("127.0.0.1", 1502, 1)))
            .toList();
    SiteConfig site =
        io.kilowatch.testkit.TestSites.withMeterProfile(
                new SiteConfig(
                    null,
                    parsed.site(),
                    parsed.store(),
                    parsed.web(),
                    List.of(),
                    List.of(),
                    cdus,
                    null))
            .withAlerts(parsed.alerts().withReceivers(List.of(webhook), List.of(route)));

    Map<String, Instant> firstFiring = new LinkedHashMap<>();
    try (var store = EmbeddedStore.open(site.store());
        var engine =
            AlertEngine.open(
                site, store, dir.resolve("alerts"), Clock.systemUTC(), DeliveryOptions.DEFAULT)) {
      engine.startDelivery();
      for (int s = 0; s <= 300; s += 5) {
        var snap = model.advance(Duration.ofSeconds(s == 0 ? 0 : 5));
        store.write(samples(snap.time(), snap.cdus(), snap.nodes()));
        for (Alert a : engine.evaluate(snap.time())) {
          if (a.state() == AlertState.FIRING) {
            firstFiring.putIfAbsent(a.rule() + "/" + a.labels().get("cluster"), snap.time());
          }
        }
      }
      assertThat(firstFiring.keySet())
          .containsExactlyInAnyOrder("cdu-flow-low/c2", "gpu-near-slowdown/c2");
      assertThat(firstFiring.get("cdu-flow-low/c2"))
          .isBefore(firstFiring.get("gpu-near-slowdown/c2"));
      await("both notifications delivered")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> bodies.size() >= 2 && engine.outbox().counts().delivered() >= 2);
      // What /metrics publishes as kilowatch_alert_notifications_total.
      assertThat(engine.outbox().counts())
          .isEqualTo(new io.kilowatch.alerts.Outbox.Counts(2, 0, 2, 0, 0));
    } finally {
      hook.close();
    }
    List<String> severities = new ArrayList<>();
    for (String b : bodies) {
      JsonNode n = JSON.readTree(b);
      assertThat(n.get("commonLabels").get("cluster").asText()).isEqualTo("c2");
      severities.add(n.get("commonLabels").get("severity").asText());
    }
    assertThat(severities).containsExactly("warning", "critical");
  }

  /**
   * The KPI job writes a cluster's risk level every analytics.kpiInterval (5m in the demo); the
   * demo evaluates rules every 5 s. A cluster critical for 30 minutes is one alert, firing
   * throughout: a window shorter than the write interval would find nothing between two writes and
   * resolve it, then fire it again at the next write.
   */
  @Test
  void clusterRiskCriticalFiresOnceAndStaysFiringWhileTheClusterStaysCritical() throws Exception {
    SiteConfig site =
        SiteBuilder.named("kilowatch demo hall")
            .store(YamlMaps.of("dataDir", dir.toString()))
            .alerts(DemoYaml.alertsTree(8080, null))
            .toConfig(dir);
    Instant start = Instant.now().minus(Duration.ofMinutes(40)).truncatedTo(ChronoUnit.MINUTES);
    try (var store = EmbeddedStore.open(site.store());
        var engine =
            AlertEngine.open(
                site, store, dir.resolve("alerts"), Clock.systemUTC(), DeliveryOptions.DEFAULT)) {
      for (int s = 0; s <= 1800; s += 5) {
        Instant t = start.plusSeconds(s);
        if (s % 300 == 0) {
          // risk_level 3 = critical, above the rule's threshold 2.5.
          store.write(
              List.of(
                  Sample.of(
                      t,
                      "kpi",
                      Map.of("scope", "cluster", "cluster", "c2"),
                      Map.of("risk_level", 3.0))));
        }
        engine.evaluate(t);
      }
      var critical =
          engine.history().stream().filter(e -> e.rule().equals("cluster-risk-critical")).toList();
      assertThat(critical)
          .as("state changes of cluster-risk-critical")
          .filteredOn(e -> e.to() == AlertState.FIRING)
          .hasSize(1);
      assertThat(critical).noneMatch(e -> e.to() == AlertState.RESOLVED);
      assertThat(engine.alerts())
          .filteredOn(a -> a.rule().equals("cluster-risk-critical"))
          .singleElement()
          .extracting(Alert::state)
          .isEqualTo(AlertState.FIRING);
    }
    assertThat(io.kilowatch.alerts.RuleChecks.warnings(site)).as("validate's warnings").isEmpty();
  }

  private static List<Sample> samples(Instant t, List<CduReading> cdus, List<NodeReading> nodes) {
    List<Sample> out = new ArrayList<>();
    for (CduReading c : cdus) {
      out.add(
          Sample.of(
              t,
              "cooling_loop",
              Map.of("device", c.id(), "cluster", c.clusterId()),
              Map.of("flow_lpm", c.secondaryFlowLpm(), "supply_temp_c", c.secondarySupplyC())));
    }
    for (NodeReading n : nodes) {
      for (GpuReading g : n.gpus()) {
        out.add(
            Sample.of(
                t,
                "gpu",
                Map.of(
                    "device", n.id(), "cluster", n.clusterId(), "gpu", String.valueOf(g.index())),
                Map.of("temp_c", g.gpuTempC())));
      }
    }
    return out;
  }
}
