package io.kilowatch.alerts;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Site files and samples for alerting tests. */
final class AlertSites {
  static final String SECRET = "whsec-test-0123456789";

  private AlertSites() {}

  /** A site whose alerts section is {@code alertsYaml} (indented by two spaces under alerts:). */
  static SiteConfig site(Path dir, String alertsYaml) throws Exception {
    return site(dir, alertsYaml, "");
  }

  /** With one GPU node {@code n1} in rack {@code c1-r1} of cluster {@code c1}. */
  static SiteConfig siteWithNode(Path dir, String alertsYaml) throws Exception {
    return site(
        dir,
        alertsYaml,
        """
        clusters:
          - id: c1
            racks:
              - id: c1-r1
                devices:
                  - {id: n1, kind: gpu-node, source: {type: dcgm, url: "http://127.0.0.1:9400/metrics"}}
        """);
  }

  private static SiteConfig site(Path dir, String alertsYaml, String more) throws Exception {
    String yaml =
        more
            + "site: {name: test-site}\n"
            + "store: {dataDir: \""
            + dir.resolve("data").toString().replace("\\", "/")
            + "\"}\n"
            + "alerts:\n"
            + alertsYaml.indent(2);
    return ConfigLoader.parse(yaml, "test-site.yaml", dir, Map.of("HOOK_SECRET", SECRET));
  }

  /** One supply-temperature rule: above 40 °C for 30 s fires, back at or below 35 °C resolves. */
  static String supplyRule(String receiverUrl, String groupWait) {
    return """
        externalUrl: http://kw.example:8080
        rules:
          - name: supply-hot
            measurement: cooling_loop
            field: supply_temp_c
            reduce: last
            window: 1m
            op: above
            threshold: 40
            clear: 35
            for: 30s
            unit: degC
            severity: critical
            annotations:
              summary: "{{labels.device}} supply {{value}} {{unit}} above {{threshold}} {{unit}}"
        receivers:
          - {name: hook, kind: webhook, url: "%s", secret: "${HOOK_SECRET}", timeout: 2s}
        routes:
          - {receiver: hook, groupBy: [alertname], groupWait: %s, groupInterval: 1s, repeatInterval: 1h}
        """
        .formatted(receiverUrl, groupWait);
  }

  static void supply(Store store, Instant t, String device, String cluster, double celsius) {
    store.write(
        List.of(
            Sample.of(
                t,
                "cooling_loop",
                Map.of("site", "test-site", "device", device, "cluster", cluster),
                Map.of("supply_temp_c", celsius))));
  }
}
