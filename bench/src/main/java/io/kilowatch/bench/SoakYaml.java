package io.kilowatch.bench;

import io.kilowatch.testkit.http.CarbonIntensityApi;
import io.kilowatch.testkit.site.ConfigDurations;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** The parts of the soak's site config around the scale site: store, alerting, carbon. */
final class SoakYaml {
  /** The webhook secret reaches the config through the environment, never through the file. */
  static final String SECRET_VARIABLE = "KW_SOAK_WEBHOOK_SECRET";

  static final String INFLUX_DATABASE = "kilowatch_soak";

  private SoakYaml() {}

  /** The scale site's embedded store swapped for a real influxd. */
  static SiteBuilder withInfluxStore(SiteBuilder site, URI influx, java.nio.file.Path dataDir) {
    // The disk buffer lives under dataDir: each collector process needs its own.
    return site.store(
        YamlMaps.of(
            "kind", "influxdb",
            "dataDir", dataDir.toAbsolutePath().toString(),
            "influxdb", YamlMaps.of("url", influx.toString(), "database", INFLUX_DATABASE),
            "buffer", YamlMaps.of("maxBytes", "2GiB")));
  }

  /**
   * Alert rules that fire for every device a fault takes down (one notification per device: the
   * burst) to a signed webhook, and a grid-intensity API for the carbon figures. Rule timing
   * follows the poll interval so that a short CI soak sees the alerts too.
   */
  static SiteBuilder withAlertsAndCarbon(SiteBuilder site, SoakOptions o, URI webhook, URI carbon) {
    Duration every = o.interval();
    return site.section(
            "analytics",
            YamlMaps.of(
                "carbon",
                YamlMaps.of(
                    "source",
                    YamlMaps.of(
                        "type",
                        "electricity-maps",
                        "baseUrl",
                        carbon.toString(),
                        "zone",
                        CarbonIntensityApi.ZONE),
                    "fallbackGPerKwh",
                    56)))
        .alerts(
            YamlMaps.of(
                "evaluationInterval", ConfigDurations.format(every),
                "rules",
                    List.of(
                        YamlMaps.of(
                            "name", "device-down",
                            "type", "device-down",
                            "for", ConfigDurations.format(every.multipliedBy(2)),
                            "severity", "warning")),
                "receivers",
                    List.of(
                        YamlMaps.of(
                            "name",
                            "soak",
                            "kind",
                            "webhook",
                            "url",
                            webhook.toString(),
                            "secret",
                            "${" + SECRET_VARIABLE + "}")),
                "routes",
                    List.of(
                        YamlMaps.of(
                            "receiver", "soak",
                            "groupBy", List.of("alertname", "device"),
                            "groupWait", "1s"))));
  }
}
