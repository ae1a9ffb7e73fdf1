package io.kilowatch.app;

import java.nio.file.Path;

/** Completes the simulator's site YAML with the store, web server and alerting of a demo run. */
public final class DemoYaml {
  private DemoYaml() {}

  public static String of(String siteYaml, Path dataDir, int port) {
    return of(siteYaml, dataDir, port, null);
  }

  /**
   * @param alertWebhook where the demo's alerts are also delivered (Alertmanager v4 JSON), or null
   */
  public static String of(String siteYaml, Path dataDir, int port, java.net.URI alertWebhook) {
    return of(
        siteYaml, dataDir, port, alertWebhook, io.kilowatch.config.WebConfig.DEFAULT_RATE_LIMIT);
  }

  /**
   * @param rateLimitPerMinute API requests per minute per client; 0 turns the limit off
   */
  public static String of(
      String siteYaml, Path dataDir, int port, java.net.URI alertWebhook, int rateLimitPerMinute) {
    return siteYaml
        + "\nstore:\n  kind: embedded\n  dataDir: \""
        + dataDir.toAbsolutePath().toString().replace("\\", "/").replace("\"", "\\\"")
        + "\"\nweb:\n  bind: 0.0.0.0\n  port: "
        + port
        + "\n  rateLimitPerMinute: "
        + rateLimitPerMinute
        + "\n"
        + ANALYTICS
        + alerts(port, alertWebhook);
  }

  /**
   * The demo's analytics: its CDUs run W32 loops, and its carbon intensity is a declared static
   * factor (the French grid's yearly average, about 56 gCO2e/kWh), shown as source "static".
   */
  static final String ANALYTICS =
      """
      analytics:
        loops: {c1-cdu: w32, c2-cdu: w32}
        carbon:
          source: {type: static, gPerKwh: 56}
      """;

  /**
   * Demo alert rules: cluster c2's pump fault first starves the loop of flow (warning), then heats
   * its GPUs towards their slowdown temperature (critical). Notifications go to the log; add a
   * webhook receiver and route to see them elsewhere.
   */
  static String alerts(int port) {
    return alerts(port, null);
  }

  static String alerts(int port, java.net.URI webhook) {
    String group = "groupBy: [alertname, cluster], groupWait: 5s, groupInterval: 1m";
    StringBuilder delivery = new StringBuilder("  receivers:\n    - {name: demo-log, kind: log}\n");
    if (webhook != null) {
      delivery
          .append("    - {name: webhook, kind: webhook, url: \"")
          .append(webhook)
          .append("\"}\n");
    }
    delivery.append("  routes:\n    - {receiver: demo-log, ").append(group).append("}\n");
    if (webhook != null) {
      delivery.append("    - {receiver: webhook, ").append(group).append("}\n");
    }
    return rules(port) + delivery;
  }

  private static String rules(int port) {
    return """
        alerts:
          externalUrl: http://localhost:%d
          evaluationInterval: 5s
          rules:
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
              window: 2m
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
              window: 2m
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
        """
        .formatted(port);
  }
}
