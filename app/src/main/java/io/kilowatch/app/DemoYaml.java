package io.kilowatch.app;

import io.kilowatch.config.YamlTree;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** Completes the simulator's site YAML with the store, web server and alerting of a demo run. */
public final class DemoYaml {
  private DemoYaml() {}

  /**
   * The environment to load a demo's config with: the process's, plus what the demo keeps out of
   * the file (its SNMP community, drawn at each start), which wins on a clash.
   */
  public static Map<String, String> environment(io.kilowatch.simulator.DemoSite demo) {
    Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.putAll(demo.environment());
    return Map.copyOf(env);
  }

  public static String of(String siteYaml, Path dataDir, int port) {
    return of(siteYaml, dataDir, port, null);
  }

  /**
   * @param alertWebhook where the demo's alerts are also delivered (Alertmanager v4 JSON), or null
   */
  public static String of(String siteYaml, Path dataDir, int port, URI alertWebhook) {
    return of(
        siteYaml, dataDir, port, alertWebhook, io.kilowatch.config.WebConfig.DEFAULT_RATE_LIMIT);
  }

  /**
   * @param rateLimitPerMinute API requests per minute per client; 0 turns the limit off
   */
  public static String of(
      String siteYaml, Path dataDir, int port, URI alertWebhook, int rateLimitPerMinute) {
    Map<String, Object> root = new Yaml().load(siteYaml);
    root.put(
        "store", YamlTree.map("kind", "embedded", "dataDir", dataDir.toAbsolutePath().toString()));
    root.put(
        "web",
        YamlTree.map("bind", "0.0.0.0", "port", port, "rateLimitPerMinute", rateLimitPerMinute));
    root.put("analytics", analytics());
    root.put("alerts", alertsTree(port, alertWebhook));
    return YamlTree.emit(root);
  }

  /**
   * The demo's analytics: its CDUs run W32 loops, and its carbon intensity is a declared static
   * factor (the French grid's yearly average, about 56 gCO2e/kWh), shown as source "static".
   */
  static Map<String, Object> analytics() {
    return YamlTree.map(
        "loops", YamlTree.map("c1-cdu", "w32", "c2-cdu", "w32"),
        "carbon", YamlTree.map("source", YamlTree.map("type", "static", "gPerKwh", 56)));
  }

  /**
   * Demo alert rules: cluster c2's pump fault first starves the loop of flow (warning), then heats
   * its GPUs towards their slowdown temperature (critical). Notifications go to the log; add a
   * webhook receiver and route to see them elsewhere. The {@code alerts:} section; {@code webhook}
   * null for none.
   */
  static Map<String, Object> alertsTree(int port, URI webhook) {
    List<Object> receivers = new ArrayList<>();
    List<Object> routes = new ArrayList<>();
    receivers.add(YamlTree.map("name", "demo-log", "kind", "log"));
    routes.add(route("demo-log"));
    if (webhook != null) {
      receivers.add(YamlTree.map("name", "webhook", "kind", "webhook", "url", webhook.toString()));
      routes.add(route("webhook"));
    }
    return YamlTree.map(
        "externalUrl",
        "http://localhost:" + port,
        "evaluationInterval",
        "5s",
        "rules",
        new Yaml().load(RULES),
        "receivers",
        receivers,
        "routes",
        routes);
  }

  private static Map<String, Object> route(String receiver) {
    return YamlTree.map(
        "receiver",
        receiver,
        "groupBy",
        List.of("alertname", "cluster"),
        "groupWait",
        "5s",
        "groupInterval",
        "1m");
  }

  /**
   * The rules as an operator would write them; nothing in them depends on the run. The risk level
   * is written every {@code analytics.kpiInterval} (5m): a rule on it looks back two of those
   * (10m), or an evaluation between two writes finds nothing and resolves an alert whose cluster is
   * still at risk (what {@code kilowatch validate} warns about).
   */
  private static final String RULES =
      """
      - name: cdu-flow-low
        measurement: cooling_loop
        field: flow_lpm
        by: [cluster]
        reduce: mean
        window: 30s
        op: below
        threshold: 300
        clear: 400
        for: 15s
        unit: L/min
        severity: warning
        annotations:
          summary: "cluster {{labels.cluster}}: coolant flow {{value}} {{unit}}, below {{threshold}} {{unit}}"
      - name: gpu-near-slowdown
        measurement: gpu
        field: temp_c
        by: [cluster]
        reduce: max
        window: 30s
        op: above
        threshold: 80
        clear: 75
        for: 15s
        unit: degC
        severity: critical
        annotations:
          summary: "cluster {{labels.cluster}}: hottest GPU at {{value}} {{unit}}, above {{threshold}} {{unit}}"
      - name: cluster-risk-warning
        measurement: kpi
        field: risk_level
        tags: {scope: cluster}
        by: [cluster]
        reduce: last
        window: 10m
        threshold: 1.5
        clear: 0.5
        for: 0s
        severity: warning
        annotations:
          summary: "cluster {{labels.cluster}}: thermal risk level {{value}} (2 warning, 3 critical)"
      - name: cluster-risk-critical
        measurement: kpi
        field: risk_level
        tags: {scope: cluster}
        by: [cluster]
        reduce: last
        window: 10m
        threshold: 2.5
        clear: 1.5
        for: 0s
        severity: critical
        annotations:
          summary: "cluster {{labels.cluster}}: thermal risk critical"
      - name: pue-above-target
        measurement: kpi
        field: pue
        tags: {scope: site}
        reduce: last
        window: 2h
        threshold: 1.5
        clear: 1.45
        severity: info
      - name: device-down
        type: device-down
        for: 30s
        severity: warning
      """;
}
