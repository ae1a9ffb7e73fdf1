package io.kilowatch.bench;

import io.kilowatch.testkit.http.CarbonIntensityApi;
import java.net.URI;
import java.time.Duration;

/** The parts of the soak's site config around the scale site: store, alerting, carbon. */
final class SoakYaml {
  /** The webhook secret reaches the config through the environment, never through the file. */
  static final String SECRET_VARIABLE = "KW_SOAK_WEBHOOK_SECRET";

  static final String INFLUX_DATABASE = "kilowatch_soak";

  private SoakYaml() {}

  /** The scale site's config with its embedded store swapped for a real influxd. */
  static String withInfluxStore(String siteYaml, URI influx) {
    String embedded = "store:\n  kind: embedded\n";
    if (!siteYaml.contains(embedded)) {
      throw new IllegalStateException("the scale site's config has no embedded store section");
    }
    return siteYaml.replace(
        embedded,
        "store:\n  kind: influxdb\n  influxdb: {url: \""
            + influx
            + "\", database: "
            + INFLUX_DATABASE
            + "}\n  buffer: {maxBytes: 2GiB}\n");
  }

  /**
   * Alert rules that fire for every device a fault takes down (one notification per device: the
   * burst) to a signed webhook, and a grid-intensity API for the carbon figures. Rule timing
   * follows the poll interval so that a short CI soak sees the alerts too.
   */
  static String alertsAndCarbon(SoakOptions o, URI webhook, URI carbon) {
    Duration every = o.interval();
    return "analytics:\n"
        + "  carbon:\n"
        + "    source: {type: electricity-maps, baseUrl: \""
        + carbon
        + "\", zone: "
        + CarbonIntensityApi.ZONE
        + "}\n"
        + "    fallbackGPerKwh: 56\n"
        + "alerts:\n"
        + "  evaluationInterval: "
        + SiteYamlWriter.duration(every)
        + "\n"
        + "  rules:\n"
        + "    - {name: device-down, type: device-down, for: "
        + SiteYamlWriter.duration(every.multipliedBy(2))
        + ", severity: warning}\n"
        + "  receivers:\n"
        + "    - {name: soak, kind: webhook, url: \""
        + webhook
        + "\", secret: \"${"
        + SECRET_VARIABLE
        + "}\"}\n"
        + "  routes:\n"
        + "    - {receiver: soak, groupBy: [alertname, device], groupWait: 1s}\n";
  }
}
