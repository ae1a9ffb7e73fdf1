package io.kilowatch.alerts;

import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.SiteCluster;
import io.kilowatch.testkit.site.SiteDevice;
import io.kilowatch.testkit.site.SiteRack;
import io.kilowatch.testkit.site.SiteSources;
import io.kilowatch.testkit.site.YamlMaps;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** Site configs and samples for alerting tests. */
final class AlertSites {
  static final String SECRET = "whsec-test-0123456789";

  private AlertSites() {}

  /** A site whose alerts section is {@code alerts}. */
  static SiteConfig site(Path dir, Map<String, ?> alerts) throws Exception {
    return base(dir, alerts).toConfig(dir, Map.of("HOOK_SECRET", SECRET));
  }

  /** A site whose only alerting is these rules, given as a YAML list as a reader would write it. */
  static SiteConfig siteWithRules(Path dir, String rulesYaml) throws Exception {
    return site(dir, YamlMaps.of("rules", new Yaml().load(rulesYaml)));
  }

  /** With one GPU node {@code n1} in rack {@code c1-r1} of cluster {@code c1}. */
  static SiteConfig siteWithNode(Path dir, Map<String, ?> alerts) throws Exception {
    var node =
        SiteDevice.of("n1", "gpu-node", null, SiteSources.dcgm("http://127.0.0.1:9400/metrics"));
    return base(dir, alerts)
        .cluster(
            new SiteCluster("c1", null, List.of(), List.of(new SiteRack("c1-r1", List.of(node)))))
        .toConfig(dir, Map.of("HOOK_SECRET", SECRET));
  }

  /**
   * The CDUs {@code cdu-1..3} whose supply temperature the rules watch: rules convert readings from
   * the unit the profile declares (°C) to their own.
   */
  private static SiteBuilder base(Path dir, Map<String, ?> alerts) {
    var b =
        SiteBuilder.named("test-site")
            .store(YamlMaps.of("dataDir", dir.resolve("data").toString()))
            .profile(
                YamlMaps.of(
                    "id", "cdu",
                    "source", "modbus",
                    "addressBase", "zero",
                    "points",
                        List.of(
                            YamlMaps.of(
                                "name", "supply",
                                "registerType", "holding",
                                "address", 0,
                                "dataType", "int16",
                                "scale", 0.1,
                                "unit", "Cel",
                                "measurement", "cooling_loop",
                                "field", "supply_temp_c"))))
            .alerts(alerts);
    for (String id : List.of("cdu-1", "cdu-2", "cdu-3")) {
      b = b.device(SiteDevice.of(id, "cdu", "cdu", SiteSources.modbus("127.0.0.1", 1502, 1)));
    }
    return b;
  }

  /**
   * One supply-temperature rule: above 40 °C for 30 s fires, back at or below 35 °C resolves; a
   * signed webhook to {@code receiverUrl}. Mutable, so a test can change the {@link #rule} or the
   * {@link #receiver}.
   */
  static Map<String, Object> supplyRule(String receiverUrl, String groupWait) {
    Map<String, Object> rule =
        YamlMaps.of(
            "name", "supply-hot",
            "measurement", "cooling_loop",
            "field", "supply_temp_c",
            "reduce", "last",
            "window", "1m",
            "op", "above",
            "threshold", 40,
            "clear", 35,
            "for", "30s",
            "unit", "degC",
            "severity", "critical",
            "annotations",
                YamlMaps.of(
                    "summary",
                    "{{labels.device}} supply {{value}} {{unit}} above {{threshold}} {{unit}}"));
    Map<String, Object> receiver =
        YamlMaps.of(
            "name", "hook",
            "kind", "webhook",
            "url", receiverUrl,
            "secret", "${HOOK_SECRET}",
            "timeout", "2s");
    Map<String, Object> route =
        YamlMaps.of(
            "receiver", "hook",
            "groupBy", List.of("alertname"),
            "groupWait", groupWait,
            "groupInterval", "1s",
            "repeatInterval", "1h");
    return YamlMaps.of(
        "externalUrl", "http://kw.example:8080",
        "rules", new ArrayList<>(List.of(rule)),
        "receivers", new ArrayList<>(List.of(receiver)),
        "routes", new ArrayList<>(List.of(route)));
  }

  /** The first rule of an alerts tree from {@link #supplyRule}. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> rule(Map<String, Object> alerts) {
    return ((List<Map<String, Object>>) alerts.get("rules")).getFirst();
  }

  /** The first receiver of an alerts tree from {@link #supplyRule}. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> receiver(Map<String, Object> alerts) {
    return ((List<Map<String, Object>>) alerts.get("receivers")).getFirst();
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
