package io.kilowatch.analytics;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.AshraeClass;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Quantity;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.SeriesColumns;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesUnits;
import io.kilowatch.store.Store;
import io.kilowatch.store.TagSet;
import io.kilowatch.store.Vocabulary;
import io.kilowatch.store.Vocabulary.CoolingLoop;
import io.kilowatch.store.Vocabulary.Gpu;
import io.kilowatch.store.Vocabulary.Tag;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.measure.UnitConverter;

/**
 * Thermal-throttle risk per GPU, rack and cluster: a transparent additive score whose factors are
 * reported with it. The model is described in {@code analytics/README.md}; the constants below are
 * its whole definition.
 */
public final class RiskEngine {
  /** Window of the margin trend (least-squares slope) and of violation-counter growth. */
  static final Duration TREND = Duration.ofMinutes(10);

  /** Window whose high flow / ΔP is the loop's recent baseline. */
  static final Duration BASELINE = Duration.ofMinutes(30);

  /** Readings older than this at the assessment time are not "current". */
  static final Duration CURRENT = Duration.ofMinutes(2);

  /** Margin (K) below which margin points start to count, and its weight at zero margin. */
  static final double MARGIN_START_K = 15;

  static final double MARGIN_WEIGHT = 40;
  static final double HBM_WEIGHT = 30;

  /** A predicted time to slowdown counts only once the margin is under this (K). */
  static final double TREND_GATE_K = 20;

  /** Slopes shallower than this (K/min) are noise, not a trend. */
  static final double MIN_SLOPE_K_PER_MIN = 0.05;

  static final long THERMAL_BITS = 0x08 | 0x20 | 0x40;
  static final long POWER_BRAKE = 0x80;

  private final SiteConfig site;
  private final Store store;
  private final AnalyticsConfig settings;
  private final SeriesUnits units;
  private volatile RiskReport last;

  public RiskEngine(SiteConfig site, Store store) {
    this(site, store, new SeriesUnits(site));
  }

  /**
   * @param units each series' unit: temperatures are compared in °C whatever a device reports
   */
  public RiskEngine(SiteConfig site, Store store, SeriesUnits units) {
    this.site = site;
    this.store = store;
    this.settings = site.analytics();
    this.units = units;
  }

  /**
   * The newest report if it was assessed at most {@code maxAge} before {@code now}, else a new one
   * assessed at {@code now} (and kept). At 25,000 GPUs an assessment reads every GPU's last ten
   * minutes (a second or two of CPU): the KPI job's pass and the pages refreshing within the same
   * poll interval share one, and requests that arrive while it is computed wait for it.
   */
  public RiskReport recent(Instant now, Duration maxAge) {
    RiskReport r = last;
    if (fresh(r, now, maxAge)) {
      return r;
    }
    synchronized (this) {
      r = last;
      if (fresh(r, now, maxAge)) {
        return r;
      }
      r = assess(now);
      last = r;
      return r;
    }
  }

  private static boolean fresh(RiskReport r, Instant now, Duration maxAge) {
    return r != null
        && !r.at().isAfter(now)
        && Duration.between(r.at(), now).compareTo(maxAge) <= 0;
  }

  /** Risk of every GPU, rack and cluster at {@code at}, from the readings just before it. */
  public RiskReport assess(Instant at) {
    Instant end = at.plusMillis(1);
    Instant trendFrom = at.minus(TREND);
    // Only the latest reading of these counts, and only if it is current: of the five fields
    // dcgm-exporter gives the model, ten minutes of these two were two fifths of what was read.
    Instant currentFrom = at.minus(CURRENT);
    var temp = read(Gpu.TEMP_C, trendFrom, end);
    var slowdown = read(Gpu.SLOWDOWN_TEMP_C, trendFrom, end);
    var marginField = read(Gpu.MARGIN_C, trendFrom, end);
    var mem = read(Gpu.MEM_TEMP_C, currentFrom, end);
    var bits = read(Gpu.CLOCKS_EVENT_REASONS, currentFrom, end);
    var violation = read(Gpu.THERMAL_VIOLATION_NS, trendFrom, end);

    Map<String, List<Risk.Factor>> clusterFactors = loopFactors(at);
    Map<String, List<Risk.Factor>> rackFactors = inletFactors(at);

    // GPUs in the order of their tags' text, each text made once (not once per comparison).
    var ids = new LinkedHashSet<GpuTags>(temp.keySet());
    ids.addAll(marginField.keySet());
    var ordered = new ArrayList<Map.Entry<String, GpuTags>>(ids.size());
    for (GpuTags g : ids) {
      ordered.add(Map.entry(g.tags().toString(), g));
    }
    ordered.sort(Map.Entry.comparingByKey());
    var gpus = new ArrayList<Risk>(ordered.size());
    for (var e : ordered) {
      GpuTags g = e.getValue();
      Map<String, String> tags = g.tags();
      gpus.add(
          gpu(
              at,
              tags,
              temp.get(g),
              slowdown.get(g),
              marginField.get(g),
              mem.get(g),
              bits.get(g),
              violation.get(g),
              clusterFactors.getOrDefault(tags.get(Tag.CLUSTER), List.of()),
              rackFactors.getOrDefault(tags.get(Tag.RACK), List.of())));
    }
    var racks = group("rack", gpus, r -> r.rack(), Map.of());
    var clusters = group("cluster", gpus, r -> r.cluster(), clusterFactors);
    return new RiskReport(at, clusters, racks, gpus);
  }

  /**
   * A GPU's tags as a table key. Hashed in key order: {@link Map#hashCode()} (the sum of key XOR
   * value) collides for most GPUs of a site whose names differ only in their numbers.
   */
  private record GpuTags(TagSet tags) {
    @Override
    public int hashCode() {
      return tags.orderedHash();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof GpuTags g
          && g.tags.orderedHash() == tags.orderedHash()
          && g.tags.equals(tags);
    }
  }

  /**
   * Good readings of one {@code gpu} field in its canonical unit, by the GPU's tags; a series whose
   * unit nothing states is left out (an unknown unit is no reading, never a guess). As columns: the
   * 1.5 million temperatures of 25,000 GPUs as objects, all alive until the assessment ends, made
   * the young collections cost more than the assessment.
   */
  private Map<GpuTags, SeriesColumns> read(Vocabulary.Field field, Instant from, Instant to) {
    var out = new HashMap<GpuTags, SeriesColumns>();
    var converters = new HashMap<PointUnit, UnitConverter>();
    for (SeriesColumns sc : store.readGood(field.query(), from, to)) {
      var unit = units.of(sc.key()).orElse(null);
      if (unit == null) {
        continue;
      }
      var c = converters.computeIfAbsent(unit, u -> u.to(u.quantity().canonical()));
      double[] v = sc.values();
      for (int i = 0; i < v.length; i++) {
        v[i] = c.convert(v[i]);
      }
      out.put(new GpuTags(TagSet.of(sc.key().tags())), sc);
    }
    return out;
  }

  /**
   * The good readings of a series in its quantity's canonical unit (°C, L/min, kPa), oldest first,
   * or null when nothing says what unit the series is in: an unknown unit is no reading, never a
   * guess.
   */
  private List<Point> canonical(SeriesPoints sp) {
    var unit = units.of(sp.key()).orElse(null);
    if (unit == null) {
      return null;
    }
    var c = unit.to(unit.quantity().canonical());
    var out = new ArrayList<Point>(sp.points().size());
    for (Point p : sp.points()) {
      if (good(p)) {
        out.add(new Point(p.time(), c.convert(p.value()), p.quality()));
      }
    }
    return out;
  }

  /** Every series of a loop reading, under either of its names. */
  private List<Map.Entry<SeriesKey, List<Point>>> loopReadings(
      List<Vocabulary.Field> names, Quantity quantity, Instant from, Instant to) {
    var out = new ArrayList<Map.Entry<SeriesKey, List<Point>>>();
    for (Vocabulary.Field f : names) {
      for (SeriesPoints sp : store.read(f.query(), from, to)) {
        var unit = units.of(sp.key());
        if (unit.isPresent() && unit.get().quantity() == quantity) {
          out.add(Map.entry(sp.key(), canonical(sp)));
        }
      }
    }
    return out;
  }

  private static boolean good(Point p) {
    return (p.quality() == Quality.GOOD || p.quality() == Quality.UNCERTAIN)
        && Double.isFinite(p.value());
  }

  private static Point latest(List<Point> pts, Instant at) {
    if (pts == null || pts.isEmpty()) {
      return null;
    }
    Point p = pts.getLast();
    return Duration.between(p.time(), at).compareTo(CURRENT) > 0 ? null : p;
  }

  /** Index of the newest reading if it is current at {@code at}, else -1. */
  private static int latest(SeriesColumns c, Instant at) {
    if (c == null || c.size() == 0) {
      return -1;
    }
    int i = c.size() - 1;
    return Duration.between(Instant.ofEpochMilli(c.times()[i]), at).compareTo(CURRENT) > 0 ? -1 : i;
  }

  private Risk gpu(
      Instant at,
      Map<String, String> tags,
      SeriesColumns temp,
      SeriesColumns slowdown,
      SeriesColumns marginField,
      SeriesColumns mem,
      SeriesColumns bits,
      SeriesColumns violation,
      List<Risk.Factor> loop,
      List<Risk.Factor> inlet) {
    var factors = new ArrayList<Risk.Factor>();
    boolean critical = false;

    // Margin series: the device's own slowdown threshold minus its temperature, else the margin
    // the device reports itself. No threshold, no margin: one SKU's numbers are never assumed.
    Trend margin = marginSeries(temp, slowdown, marginField);
    int last = margin.times().length - 1;
    Double minutes = null;
    Risk.NoMargin noMargin = last < 0 ? Risk.NoMargin.NO_THRESHOLD : null;
    if (noMargin == null
        && Duration.between(Instant.ofEpochMilli(margin.times()[last]), at).compareTo(CURRENT)
            > 0) {
      noMargin = Risk.NoMargin.STALE;
    }
    if (noMargin == null) {
      double m = margin.margins()[last];
      double c = MARGIN_WEIGHT * clamp((MARGIN_START_K - m) / MARGIN_START_K);
      factors.add(new Risk.Factor("gpu_margin", m, "K", c));
      critical |= m <= 0;
      double slope = slopePerMinute(margin.times(), margin.margins());
      if (slope < -MIN_SLOPE_K_PER_MIN) {
        double predicted = Math.max(0, m) / -slope;
        // Far from the limit a steep slope is a job ramping up, not a cooling problem: shown as
        // a factor, but neither scored nor reported as a prediction.
        boolean near = m < TREND_GATE_K;
        factors.add(
            new Risk.Factor(
                "minutes_to_slowdown", predicted, "min", near ? trendPoints(predicted) : 0));
        minutes = near ? predicted : null;
      }
    }
    int memNow = latest(mem, at);
    if (memNow >= 0) {
      double hm = settings.hbmLimitC() - mem.values()[memNow];
      factors.add(
          new Risk.Factor(
              "hbm_margin", hm, "K", HBM_WEIGHT * clamp((MARGIN_START_K - hm) / MARGIN_START_K)));
      critical |= hm <= 0;
    }
    int bitsNow = latest(bits, at);
    if (bitsNow >= 0) {
      long b = (long) bits.values()[bitsNow];
      if ((b & THERMAL_BITS) != 0) {
        factors.add(new Risk.Factor("thermal_clock_events", b, "bitmask", 75));
        critical = true;
      }
      if ((b & POWER_BRAKE) != 0) {
        factors.add(new Risk.Factor("power_brake", b, "bitmask", 50));
      }
    }
    if (violation != null && violation.size() >= 2) {
      // Read in seconds: the counter's ns were converted with the rest of the GPU readings.
      double growth = violation.values()[violation.size() - 1] - violation.values()[0];
      if (growth > 0) {
        factors.add(new Risk.Factor("thermal_violation_growth", growth, "s", 30));
      }
    }
    factors.addAll(loop);
    factors.addAll(inlet);
    factors.sort(Comparator.comparingDouble(Risk.Factor::contribution).reversed());
    double score = Math.min(100, factors.stream().mapToDouble(Risk.Factor::contribution).sum());
    RiskLevel level = critical ? RiskLevel.CRITICAL : RiskLevel.of(score);
    String id = tags.getOrDefault(Tag.DEVICE, "?") + "/gpu" + tags.getOrDefault(Tag.GPU, "?");
    return new Risk(
        "gpu",
        id,
        tags.get(Tag.CLUSTER),
        tags.get(Tag.RACK),
        level,
        score,
        factors,
        minutes,
        null,
        noMargin);
  }

  /** Points of the time to slowdown: the sooner, the more. */
  static double trendPoints(double minutes) {
    if (minutes <= 5) {
      return 35;
    }
    if (minutes <= 15) {
      return 25;
    }
    if (minutes <= 30) {
      return 15;
    }
    return minutes <= 60 ? 5 : 0;
  }

  private static double clamp(double v) {
    return Math.max(0, Math.min(1, v));
  }

  /** A GPU's margin (K) over time (epoch ms), oldest first. */
  private record Trend(long[] times, double[] margins) {}

  /** The margin series; the store reads both columns oldest first. */
  private static Trend marginSeries(
      SeriesColumns temp, SeriesColumns slowdown, SeriesColumns marginField) {
    if (temp != null && slowdown != null && slowdown.size() > 0) {
      // Each temperature against the threshold in force then: the latest at or before it, else
      // the first one (of several at one instant, the last). One pass over both columns.
      long[] st = slowdown.times();
      double[] sv = slowdown.values();
      int first = 0;
      while (first + 1 < st.length && st[first + 1] == st[0]) {
        first++;
      }
      long[] tt = temp.times();
      double[] tv = temp.values();
      var margins = new double[tt.length];
      int th = -1;
      for (int i = 0; i < tt.length; i++) {
        while (th + 1 < st.length && st[th + 1] <= tt[i]) {
          th++;
        }
        margins[i] = sv[th >= 0 ? th : first] - tv[i];
      }
      return new Trend(tt, margins);
    }
    if (marginField != null) {
      return new Trend(marginField.times(), marginField.values());
    }
    return new Trend(new long[0], new double[0]);
  }

  /**
   * Least-squares slope of the margin in K per minute: the smoothed trend. Needs three readings
   * over at least a minute, else 0 (no trend claimed).
   */
  static double slopePerMinute(List<double[]> pts) {
    var times = new long[pts.size()];
    var margins = new double[pts.size()];
    for (int i = 0; i < times.length; i++) {
      times[i] = (long) pts.get(i)[0];
      margins[i] = pts.get(i)[1];
    }
    return slopePerMinute(times, margins);
  }

  /** As above, over (epoch ms, margin K) columns. */
  static double slopePerMinute(long[] times, double[] margins) {
    int n = times.length;
    if (n < 3 || times[n - 1] - times[0] < 60_000) {
      return 0;
    }
    long t0 = times[0];
    double st = 0;
    double sm = 0;
    for (int i = 0; i < n; i++) {
      st += (times[i] - t0) / 60_000.0;
      sm += margins[i];
    }
    double mt = st / n;
    double mm = sm / n;
    double num = 0;
    double den = 0;
    for (int i = 0; i < n; i++) {
      double x = (times[i] - t0) / 60_000.0 - mt;
      num += x * (margins[i] - mm);
      den += x * x;
    }
    return den == 0 ? 0 : num / den;
  }

  /**
   * Per cluster: coolant supply against the loop's W-class limit, and flow and ΔP against their
   * recent baseline (the 90th percentile over {@link #BASELINE}), worst loop of the cluster.
   */
  private Map<String, List<Risk.Factor>> loopFactors(Instant at) {
    Instant from = at.minus(BASELINE);
    Instant end = at.plusMillis(1);
    var byCluster = new HashMap<String, Map<String, Risk.Factor>>();
    for (var sp : loopReadings(CoolingLoop.READINGS.get(0), Quantity.TEMPERATURE, from, end)) {
      Point now = latest(sp.getValue(), at);
      String cluster = sp.getKey().tags().get(Tag.CLUSTER);
      AnalyticsConfig.WaterClass w = waterClass(sp.getKey());
      if (now == null || cluster == null || w == null) {
        continue;
      }
      double headroom = w.maxSupplyC() - now.value();
      double c = headroom < 0 ? 30 : headroom < 1 ? 15 : headroom < 2 ? 5 : 0;
      worst(byCluster, cluster, new Risk.Factor("coolant_supply_headroom_" + w, headroom, "K", c));
    }
    for (var sp : loopReadings(CoolingLoop.READINGS.get(1), Quantity.FLOW, from, end)) {
      Double drop = drop(sp.getValue(), at);
      String cluster = sp.getKey().tags().get(Tag.CLUSTER);
      if (drop != null && cluster != null) {
        double c = drop >= 50 ? 30 : drop >= 25 ? 20 : drop >= 10 ? 8 : 0;
        worst(byCluster, cluster, new Risk.Factor("coolant_flow_drop", drop, "%", c));
      }
    }
    for (var sp : loopReadings(CoolingLoop.READINGS.get(2), Quantity.PRESSURE, from, end)) {
      Double drop = drop(sp.getValue(), at);
      String cluster = sp.getKey().tags().get(Tag.CLUSTER);
      if (drop != null && cluster != null) {
        double c = drop >= 25 ? 10 : 0;
        worst(byCluster, cluster, new Risk.Factor("loop_dp_drop", drop, "%", c));
      }
    }
    var out = new HashMap<String, List<Risk.Factor>>();
    byCluster.forEach((k, v) -> out.put(k, List.copyOf(v.values())));
    return out;
  }

  private static void worst(
      Map<String, Map<String, Risk.Factor>> by, String cluster, Risk.Factor f) {
    String name = f.name().startsWith("coolant_supply") ? "coolant_supply" : f.name();
    by.computeIfAbsent(cluster, k -> new LinkedHashMap<>())
        .merge(name, f, (a, b) -> a.contribution() >= b.contribution() ? a : b);
  }

  private AnalyticsConfig.WaterClass waterClass(SeriesKey key) {
    var loops = settings.loops();
    var w = loops.get(key.tags().getOrDefault(Tag.DEVICE, ""));
    return w != null ? w : loops.get(key.tags().getOrDefault(Tag.CLUSTER, ""));
  }

  /**
   * Percent below the window's 90th percentile of the current value (the mean of the last 30 s,
   * short enough to catch a pump ramping down within a minute).
   */
  static Double drop(List<Point> pts, Instant at) {
    if (pts.size() < 3 || latest(pts, at) == null) {
      return null;
    }
    double[] v = pts.stream().mapToDouble(Point::value).sorted().toArray();
    double base = v[(int) Math.min(v.length - 1, Math.floor(v.length * 0.9))];
    Instant recent = at.minus(Duration.ofSeconds(30));
    double now =
        pts.stream()
            .filter(p -> !p.time().isBefore(recent))
            .mapToDouble(Point::value)
            .average()
            .orElse(pts.getLast().value());
    return base <= 0 ? null : Math.max(0, 100 * (base - now) / base);
  }

  /** Per rack: inlet air against the site's ASHRAE class, where inlet sensors exist. */
  private Map<String, List<Risk.Factor>> inletFactors(Instant at) {
    var out = new HashMap<String, List<Risk.Factor>>();
    AshraeClass cls = site.site() == null ? null : site.site().ashraeClass();
    if (cls == null) {
      return out;
    }
    double recommended = cls == AshraeClass.H1 ? 22 : 27;
    double allowable =
        switch (cls) {
          case A1 -> 32;
          case A2 -> 35;
          case A3 -> 40;
          case A4 -> 45;
          case H1 -> 25;
        };
    for (String m : List.of("sensor", "rack")) {
      var readings = new ArrayList<Map.Entry<SeriesKey, List<Point>>>();
      for (String field : List.of("inlet_temp_c", "inlet_temp")) {
        readings.addAll(
            loopReadings(
                List.of(new Vocabulary.Field(m, field)),
                Quantity.TEMPERATURE,
                at.minus(CURRENT),
                at.plusMillis(1)));
      }
      for (var sp : readings) {
        String rack = sp.getKey().tags().get("rack");
        Point now = latest(sp.getValue(), at);
        if (rack == null || now == null) {
          continue;
        }
        double c = now.value() > allowable ? 30 : now.value() > recommended ? 10 : 0;
        var f = new Risk.Factor("inlet_air_" + cls, now.value(), "°C", c);
        out.merge(
            rack,
            List.of(f),
            (a, b) -> a.getFirst().contribution() >= b.getFirst().contribution() ? a : b);
      }
    }
    return out;
  }

  /**
   * A rack's or cluster's risk: its worst GPU's (score, level, factors), the soonest predicted
   * slowdown and the count of GPUs per level; a cluster's loop factors count even without GPUs.
   */
  private static List<Risk> group(
      String scope,
      List<Risk> gpus,
      java.util.function.Function<Risk, String> key,
      Map<String, List<Risk.Factor>> ownFactors) {
    var by = new TreeMap<String, List<Risk>>();
    for (Risk g : gpus) {
      String k = key.apply(g);
      if (k != null) {
        by.computeIfAbsent(k, x -> new ArrayList<>()).add(g);
      }
    }
    for (String k : ownFactors.keySet()) {
      by.computeIfAbsent(k, x -> new ArrayList<>());
    }
    var out = new ArrayList<Risk>();
    by.forEach(
        (id, members) -> {
          var counts = new EnumMap<RiskLevel, Integer>(RiskLevel.class);
          for (RiskLevel l : RiskLevel.values()) {
            counts.put(l, 0);
          }
          Risk worst = null;
          Double minutes = null;
          for (Risk g : members) {
            counts.merge(g.level(), 1, Integer::sum);
            if (worst == null
                || g.level().compareTo(worst.level()) > 0
                || g.level() == worst.level() && g.score() > worst.score()) {
              worst = g;
            }
            if (g.minutesToSlowdown() != null
                && (minutes == null || g.minutesToSlowdown() < minutes)) {
              minutes = g.minutesToSlowdown();
            }
          }
          List<Risk.Factor> factors;
          double score;
          RiskLevel level;
          if (worst != null) {
            factors = worst.factors();
            score = worst.score();
            level = worst.level();
          } else {
            factors = new ArrayList<>(ownFactors.get(id));
            factors.sort(Comparator.comparingDouble(Risk.Factor::contribution).reversed());
            score = Math.min(100, factors.stream().mapToDouble(Risk.Factor::contribution).sum());
            level = RiskLevel.of(score);
          }
          String cluster = members.isEmpty() ? id : members.getFirst().cluster();
          out.add(
              new Risk(
                  scope,
                  id,
                  cluster,
                  scope.equals("rack") ? id : null,
                  level,
                  score,
                  factors,
                  minutes,
                  counts,
                  null));
        });
    return out;
  }
}
