package io.kilowatch.analytics.carbon;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hourly intensity from a provider, remembering every good value it has returned so an outage
 * leaves the last known values (with their age) in place instead of blocking or zeroing emissions.
 *
 * <p>Hours the provider has no value for are filled, in order, by: the last good value before them
 * when the provider has nothing newer (an outage: carried forward, marked stale), then the
 * configured fallback factor, else left empty (no emissions figure for that hour, lowering
 * coverage). A hole between two known values is never carried over.
 */
public final class IntensityCache {
  private static final Logger log = LoggerFactory.getLogger(IntensityCache.class);
  private static final int MAX_POINTS = 200_000;

  private final IntensityProvider provider;
  private final Double fallback;
  private final Clock clock;
  private final Duration refetchAfter;
  private final TreeMap<Instant, IntensityPoint> points = new TreeMap<>();
  private Instant lastAttempt;

  /** When each requested range was last fetched (the most recent ranges only). */
  private final Map<List<Instant>, Instant> attempts =
      new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Instant>, Instant> eldest) {
          return size() > 64;
        }
      };

  private Instant lastSuccess;
  private String lastError;

  public IntensityCache(
      IntensityProvider provider, Double fallback, Clock clock, Duration refetchAfter) {
    this.provider = provider;
    this.fallback = fallback;
    this.clock = clock;
    this.refetchAfter = refetchAfter;
  }

  /** Where each hour's value came from. */
  public enum Origin {
    SOURCE,
    CARRIED_FORWARD,
    FALLBACK,
    NONE
  }

  /**
   * Intensity for {@code n} hours from {@code start}.
   *
   * @param g gCO2e/kWh per hour, NaN where none
   * @param lastGoodAt when the provider last answered, or null
   * @param lastError the provider's last failure, or null after a success
   */
  public record Hourly(
      String source,
      double[] g,
      Origin[] origin,
      Instant lastGoodAt,
      Duration age,
      String lastError) {

    public double coverage() {
      if (g.length == 0) {
        return 0;
      }
      int ok = 0;
      for (double v : g) {
        if (!Double.isNaN(v)) {
          ok++;
        }
      }
      return (double) ok / g.length;
    }

    public long count(Origin o) {
      return java.util.Arrays.stream(origin).filter(x -> x == o).count();
    }
  }

  public synchronized Hourly hourly(Instant start, int n) {
    Instant end = start.plus(Duration.ofHours(n));
    refresh(start, end);
    double[] g = new double[n];
    Origin[] origin = new Origin[n];
    for (int i = 0; i < n; i++) {
      Instant hs = start.plus(Duration.ofHours(i));
      Instant he = hs.plus(Duration.ofHours(1));
      double v = mean(hs, he);
      if (!Double.isNaN(v)) {
        g[i] = v;
        origin[i] = Origin.SOURCE;
        continue;
      }
      Map.Entry<Instant, IntensityPoint> before = points.lowerEntry(hs);
      // Only an outage's tail is carried forward (the source has nothing newer yet); a hole
      // between two known values is a hole in the record, not a value to be guessed.
      if (before != null && points.ceilingEntry(he) == null) {
        g[i] = before.getValue().gPerKwh();
        origin[i] = Origin.CARRIED_FORWARD;
      } else if (fallback != null) {
        g[i] = fallback;
        origin[i] = Origin.FALLBACK;
      } else {
        g[i] = Double.NaN;
        origin[i] = Origin.NONE;
      }
    }
    Duration age = lastSuccess == null ? null : Duration.between(lastSuccess, clock.instant());
    return new Hourly(provider.name(), g, origin, lastSuccess, age, lastError);
  }

  /** Time-weighted mean of the points overlapping {@code [hs, he)}, NaN when none does. */
  private double mean(Instant hs, Instant he) {
    double sum = 0;
    double weight = 0;
    Instant from = points.floorKey(hs);
    var view = from == null ? points.headMap(he, false) : points.subMap(from, true, he, false);
    for (IntensityPoint p : view.values()) {
      long s = Math.max(p.start().toEpochMilli(), hs.toEpochMilli());
      long e = Math.min(p.end().toEpochMilli(), he.toEpochMilli());
      if (e > s) {
        sum += p.gPerKwh() * (e - s);
        weight += e - s;
      }
    }
    return weight == 0 ? Double.NaN : sum / weight;
  }

  private void refresh(Instant from, Instant to) {
    Instant now = clock.instant();
    // The wait between attempts is per range: the KPI job asking for the last hours must not keep
    // a report for last month from loading its hours; a failing source is still asked at most
    // once per refetchAfter for the same range.
    var range = List.of(from, to);
    Instant before = attempts.get(range);
    boolean failing =
        lastError != null
            && lastAttempt != null
            && Duration.between(lastAttempt, now).compareTo(refetchAfter) < 0;
    if (covered(from, to)
        || before != null && Duration.between(before, now).compareTo(refetchAfter) < 0
        || failing) {
      return;
    }
    lastAttempt = now;
    attempts.put(range, now);
    try {
      List<IntensityPoint> fetched = provider.fetch(from, to.isAfter(now) ? now : to);
      for (IntensityPoint p : fetched) {
        points.put(p.start(), p);
      }
      while (points.size() > MAX_POINTS) {
        points.pollFirstEntry();
      }
      // An empty answer is no news: the age stays that of the last real value.
      if (!fetched.isEmpty()) {
        lastSuccess = now;
      }
      lastError = null;
    } catch (java.io.IOException | RuntimeException e) {
      lastError = e.toString();
      log.warn("carbon intensity from {} failed: {}", provider.name(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lastError = "interrupted";
    }
  }

  /** Whether cached points reach the whole range (then nothing is fetched). */
  private boolean covered(Instant from, Instant to) {
    if (points.isEmpty()) {
      return false;
    }
    Map.Entry<Instant, IntensityPoint> first = points.floorEntry(from);
    IntensityPoint last = points.lastEntry().getValue();
    return first != null && !last.end().isBefore(to);
  }
}
