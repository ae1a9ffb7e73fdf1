package io.kilowatch.testkit.site;

import java.time.Duration;

/** Durations as the config reads them: 500ms, 5s, 2m, 1h. */
public final class ConfigDurations {
  private ConfigDurations() {}

  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
