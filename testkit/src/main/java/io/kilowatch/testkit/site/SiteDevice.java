package io.kilowatch.testkit.site;

import java.time.Duration;
import java.util.Map;

/**
 * One device of a {@link SiteBuilder} site.
 *
 * @param profile null for sources without one (dcgm)
 * @param interval null for the config's default, as is {@code timeout}
 */
public record SiteDevice(
    String id,
    String kind,
    String profile,
    Map<String, ?> source,
    Duration interval,
    Duration timeout) {

  public static SiteDevice of(String id, String kind, String profile, Map<String, ?> source) {
    return new SiteDevice(id, kind, profile, source, null, null);
  }

  public SiteDevice every(Duration interval, Duration timeout) {
    return new SiteDevice(id, kind, profile, source, interval, timeout);
  }

  Map<String, Object> tree() {
    return YamlMaps.of(
        "id",
        id,
        "kind",
        kind,
        "profile",
        profile,
        "source",
        source,
        "interval",
        interval == null ? null : ConfigDurations.format(interval),
        "timeout",
        timeout == null ? null : ConfigDurations.format(timeout));
  }
}
