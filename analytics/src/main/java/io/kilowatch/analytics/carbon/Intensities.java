package io.kilowatch.analytics.carbon;

import io.kilowatch.config.AnalyticsConfig.CarbonConfig;
import io.kilowatch.config.AnalyticsConfig.IntensitySource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;

/** Builds the configured intensity provider and its cache. */
public final class Intensities {
  private Intensities() {}

  /** The provider, or {@code null} when none is configured. */
  public static IntensityProvider provider(CarbonConfig c, ZoneId zone) {
    return provider(c, zone, null);
  }

  /**
   * The provider, or {@code null} when none is configured.
   *
   * @param gridZone the site's grid zone, used where an Electricity Maps source names none
   */
  public static IntensityProvider provider(CarbonConfig c, ZoneId zone, String gridZone) {
    Duration t = c.timeout();
    return switch (c.source()) {
      case null -> null;
      case IntensitySource.Static s -> new StaticIntensity(s.gPerKwh());
      case IntensitySource.CsvProfile csv -> {
        try {
          yield CsvIntensity.load(csv.file(), zone);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read carbon profile " + csv.file(), e);
        }
      }
      case IntensitySource.ElectricityMaps em ->
          new ElectricityMaps(
              em.baseUrl(), em.zone() != null ? em.zone() : requireZone(gridZone), em.token(), t);
      case IntensitySource.UkCarbonIntensity uk -> new UkCarbonIntensity(uk.baseUrl(), t);
      case IntensitySource.WattTime wt ->
          new WattTime(wt.baseUrl(), wt.region(), wt.signal(), wt.token(), t);
    };
  }

  /**
   * The cache over the configured provider. A provider that cannot be built (an unreadable CSV
   * file) is logged and replaced by none, so emissions show as unknown rather than the whole
   * application failing to start.
   */
  public static IntensityCache cache(CarbonConfig c, ZoneId zone, Clock clock) {
    return cache(c, zone, null, clock);
  }

  /** As {@link #cache(CarbonConfig, ZoneId, Clock)}, with the site's grid zone as default zone. */
  public static IntensityCache cache(CarbonConfig c, ZoneId zone, String gridZone, Clock clock) {
    IntensityProvider p;
    try {
      p = provider(c, zone, gridZone);
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(Intensities.class)
          .error("carbon intensity source unusable: {}", e.toString());
      p = null;
    }
    if (p == null) {
      p =
          c.fallbackGPerKwh() == null
              ? new NoIntensity()
              : new StaticIntensity(c.fallbackGPerKwh());
    }
    return new IntensityCache(p, c.fallbackGPerKwh(), clock, Duration.ofMinutes(5));
  }

  private static String requireZone(String gridZone) {
    if (gridZone == null) {
      throw new IllegalArgumentException(
          "Electricity Maps needs a zone: set carbon.source.zone or site.gridZone");
    }
    return gridZone;
  }

  /** No source configured: every hour is empty, so emissions are reported as unknown. */
  static final class NoIntensity implements IntensityProvider {
    @Override
    public String name() {
      return "none";
    }

    @Override
    public java.util.List<IntensityPoint> fetch(java.time.Instant from, java.time.Instant to) {
      return java.util.List.of();
    }
  }
}
