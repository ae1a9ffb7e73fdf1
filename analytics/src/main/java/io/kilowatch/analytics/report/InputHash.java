package io.kilowatch.analytics.report;

import io.kilowatch.analytics.ChannelResolver;
import io.kilowatch.analytics.EnergyEngine;
import io.kilowatch.analytics.carbon.IntensityCache;
import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Point;
import io.kilowatch.store.Run;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * SHA-256 over everything a report's figures are computed from, serialized canonically, in this
 * order:
 *
 * <ol>
 *   <li>the raw readings of every series the report's meters select, in [from − gapLimit, to +
 *       gapLimit): series sorted by key, each as {@code S <key>\n} then one {@code <epoch
 *       ms>,<IEEE-754 bits hex>,<quality>\n} per reading in time order;
 *   <li>each run the engine read (a raw reading, or a rollup bin where the store keeps bins instead
 *       of raw readings), per series in the order read: {@code R <measurement> <field> <key> <from
 *       ms> <to ms>\n}, then one {@code <first ms>,<last ms>,<count>,<first bits>,<last bits>,<rise
 *       bits>,<area bits>,<drops>\n} per bin;
 *   <li>the bytes of a CSV intensity profile ({@code F intensity\n} first);
 *   <li>the hourly grid intensities the emissions were computed with, whatever their source (an
 *       API's answers are hashed as the values used, not as HTTP bytes): {@code I <source>\n} then
 *       {@code <hour start ms>,<g/kWh bits hex>,<origin>\n} per hour.
 * </ol>
 *
 * Any changed, added or removed reading, rollup row or intensity used changes the hash.
 */
final class InputHash implements EnergyEngine.RunListener {
  private static final HexFormat HEX = HexFormat.of();

  /** The finished hash and what went into it. */
  record Result(String sha256, long points, long series, long runs, long intensityHours) {}

  private final MessageDigest md = ReportBuilder.digest();
  private final Set<String> seenReads = new HashSet<>();
  private long points;
  private long series;
  private long runCount;

  /** Starts with the raw readings of the report's meters. */
  static InputHash start(Store store, SiteConfig site, Instant from, Instant to) {
    var h = new InputHash();
    h.raw(store, site, from, to);
    return h;
  }

  private void raw(Store store, SiteConfig site, Instant from, Instant to) {
    var resolver = new ChannelResolver(site);
    var queries = new ArrayList<SeriesQuery>();
    EnergyModel m = site.energy();
    for (var list : List.of(m.facility(), m.it(), m.cooling(), m.losses(), m.other())) {
      for (var c : list) {
        for (String f : new String[] {c.energyField(), c.powerField()}) {
          if (f != null) {
            resolver.queries(c, f).forEach(ds -> queries.add(ds.query()));
          }
        }
      }
    }
    var a = site.analytics();
    for (var meter :
        new AnalyticsConfig.Meter[] {a.water(), a.reuse(), a.carbon().onsiteGeneration()}) {
      if (meter != null) {
        var c = new EnergyModel.Channel(meter.device(), null, null, meter.field(), null);
        resolver.queries(c, meter.field()).forEach(ds -> queries.add(ds.query()));
      }
    }
    Instant lo = from.minus(a.powerGapLimit());
    Instant hi = to.plus(a.powerGapLimit());
    var bySeries = new TreeMap<String, List<Point>>();
    for (var q : queries) {
      List<SeriesPoints> read = store.read(q, lo, hi);
      for (var sp : read) {
        bySeries.putIfAbsent(sp.key().toString(), sp.points());
      }
    }
    for (var e : bySeries.entrySet()) {
      line("S " + e.getKey());
      var pts = new ArrayList<>(e.getValue());
      pts.sort(Comparator.comparing(Point::time));
      for (Point p : pts) {
        line(
            p.time().toEpochMilli()
                + ","
                + HEX.toHexDigits(Double.doubleToLongBits(p.value()))
                + ","
                + p.quality().name());
        points++;
      }
    }
    series = bySeries.size();
    if (a.carbon().source() instanceof AnalyticsConfig.IntensitySource.CsvProfile csv) {
      // Kept in the raw part so the order of the sections stays as documented.
      csvBytes = readOrNull(csv.file());
    }
  }

  private byte[] csvBytes;

  private static byte[] readOrNull(java.nio.file.Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  @Override
  public synchronized void read(
      SeriesQuery query, Instant from, Instant to, SeriesKey key, List<Run> runs) {
    // Every run the engine read: raw readings (also hashed above) and rollup bins alike, so a
    // report made after the raw readings are gone still hashes what it was computed from.
    String head =
        "R "
            + query.measurement()
            + " "
            + query.field()
            + " "
            + key
            + " "
            + from.toEpochMilli()
            + " "
            + to.toEpochMilli();
    // The same read within one report (a month, then the whole period) is the same input.
    if (!seenReads.add(head)) {
      return;
    }
    line(head);
    for (Run r : runs) {
      line(
          r.firstMs()
              + ","
              + r.lastMs()
              + ","
              + r.count()
              + ","
              + HEX.toHexDigits(Double.doubleToLongBits(r.first()))
              + ","
              + HEX.toHexDigits(Double.doubleToLongBits(r.last()))
              + ","
              + HEX.toHexDigits(Double.doubleToLongBits(r.rise()))
              + ","
              + HEX.toHexDigits(Double.doubleToLongBits(r.area()))
              + ","
              + r.drops());
      runCount++;
    }
  }

  /**
   * Ends the hash with the CSV profile's bytes and the intensities used.
   *
   * @param intensity the hourly intensities of the whole period, or null when none were asked for
   * @param firstHour the start of the first of them
   */
  synchronized Result finish(IntensityCache.Hourly intensity, Instant firstHour) {
    if (csvBytes != null) {
      line("F intensity");
      md.update(csvBytes);
    }
    long hours = 0;
    if (intensity != null) {
      line("I " + intensity.source());
      for (int i = 0; i < intensity.g().length; i++) {
        line(
            firstHour.plus(Duration.ofHours(i)).toEpochMilli()
                + ","
                + HEX.toHexDigits(Double.doubleToLongBits(intensity.g()[i]))
                + ","
                + intensity.origin()[i].name());
        hours++;
      }
    }
    return new Result(HEX.formatHex(md.digest()), points, series, runCount, hours);
  }

  private void line(String s) {
    md.update((s + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
