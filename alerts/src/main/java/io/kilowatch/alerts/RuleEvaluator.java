package io.kilowatch.alerts;

import io.kilowatch.config.AlertsConfig;
import io.kilowatch.config.Device;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Units;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.SeriesUnits;
import io.kilowatch.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns one rule into one value per label set, from the store or from device states. */
final class RuleEvaluator {
  private static final Logger log = LoggerFactory.getLogger(RuleEvaluator.class);

  /** A series last seen longer ago than this many {@code after}s is gone, not absent. */
  private static final int ABSENT_LOOKBACK_FACTOR = 10;

  private final SiteConfig site;
  private final Store store;
  private final Map<String, DeviceStatus.State> deviceStates = new ConcurrentHashMap<>();
  private final Set<String> warnedNoRating = ConcurrentHashMap.newKeySet();
  private final Set<String> warnedUnit = ConcurrentHashMap.newKeySet();
  private final SeriesUnits units;

  /** The unit each rule's values are shown in: its own, else its series'. */
  private final Map<String, String> shownUnits = new ConcurrentHashMap<>();

  RuleEvaluator(SiteConfig site, Store store, SeriesUnits units) {
    this.site = site;
    this.store = store;
    this.units = units;
  }

  /** The unit a rule's values and thresholds are in, as {@code {{unit}}} shows it. */
  String unitOf(AlertsConfig.Rule rule) {
    if (rule.type() == AlertsConfig.Type.LOAD) {
      return "%";
    }
    String unit = valueUnit(rule);
    // A rate is a change per period: "°C per 1m".
    return rule.type() == AlertsConfig.Type.RATE && !unit.isEmpty()
        ? unit + " per " + io.kilowatch.config.Durations.format(rule.per())
        : unit;
  }

  private String valueUnit(AlertsConfig.Rule rule) {
    if (!rule.unit().isBlank()) {
      try {
        return Units.parse(rule.unit()).shown();
      } catch (IllegalArgumentException e) {
        return rule.unit();
      }
    }
    return shownUnits.getOrDefault(rule.name(), "");
  }

  /**
   * The series' readings in the rule's unit: a rule written in kW compares a meter in W and one in
   * MW alike. Null (the series is skipped, once logged) when the series' unit is unknown or
   * measures something else than the rule's.
   */
  private List<Point> inRuleUnit(AlertsConfig.Rule rule, SeriesPoints s, List<Point> good) {
    var seriesUnit = units.of(s.key());
    if (rule.unit().isBlank()) {
      seriesUnit.ifPresent(u -> shownUnits.putIfAbsent(rule.name(), u.shown()));
      return good;
    }
    Units.Parsed target;
    try {
      target = Units.parse(rule.unit());
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (seriesUnit.isEmpty() || !seriesUnit.get().convertibleTo(target)) {
      if (warnedUnit.add(rule.name() + s.key())) {
        log.warn(
            "rule {}: series {} is in {}, which cannot be compared with the rule's {}; skipped",
            rule.name(),
            s.key(),
            seriesUnit.map(PointUnit::shown).orElse("an unknown unit"),
            target.shown());
      }
      return null;
    }
    var c = seriesUnit.get().to(target);
    return good.stream().map(p -> new Point(p.time(), c.convert(p.value()), p.quality())).toList();
  }

  void deviceState(String deviceId, DeviceStatus.State state) {
    deviceStates.put(deviceId, state);
  }

  List<Observation> observe(AlertsConfig.Rule rule, Instant now) {
    Condition condition = Condition.of(rule);
    List<Observation> perSeries =
        switch (rule.type()) {
          case DEVICE_DOWN -> devices(rule);
          case ABSENT -> absent(rule, now);
          default -> values(rule, now);
        };
    if (rule.by().isEmpty()) {
      return perSeries;
    }
    Map<SortedMap<String, String>, Double> combined = new LinkedHashMap<>();
    for (Observation o : perSeries) {
      SortedMap<String, String> key = new TreeMap<>();
      for (String tag : rule.by()) {
        if (o.labels().containsKey(tag)) {
          key.put(tag, o.labels().get(tag));
        }
      }
      combined.merge(key, o.value(), condition::worse);
    }
    List<Observation> out = new ArrayList<>();
    combined.forEach((k, v) -> out.add(new Observation(k, v)));
    return out;
  }

  private SeriesQuery query(AlertsConfig.Rule rule) {
    return new SeriesQuery(rule.measurement(), rule.field(), rule.tags());
  }

  private static boolean usable(Point p) {
    return (p.quality() == Quality.GOOD || p.quality() == Quality.UNCERTAIN)
        && Double.isFinite(p.value());
  }

  private List<Observation> values(AlertsConfig.Rule rule, Instant now) {
    List<Observation> out = new ArrayList<>();
    // The window ends at now inclusive: the store's ranges are half-open.
    for (SeriesPoints s : store.read(query(rule), now.minus(rule.window()), now.plusMillis(1))) {
      List<Point> good =
          inRuleUnit(rule, s, s.points().stream().filter(RuleEvaluator::usable).toList());
      if (good == null || good.isEmpty()) {
        continue;
      }
      SortedMap<String, String> labels = new TreeMap<>(s.key().tags());
      Double value =
          switch (rule.type()) {
            case RATE -> rate(good, rule.per());
            case LOAD -> load(rule, labels, reduce(rule.reduce(), good));
            default -> reduce(rule.reduce(), good);
          };
      if (value != null) {
        out.add(new Observation(labels, value));
      }
    }
    return out;
  }

  static double reduce(AlertsConfig.Reduce reduce, List<Point> points) {
    return switch (reduce) {
      case MEAN -> points.stream().mapToDouble(Point::value).average().orElseThrow();
      case MIN -> points.stream().mapToDouble(Point::value).min().orElseThrow();
      case MAX -> points.stream().mapToDouble(Point::value).max().orElseThrow();
      case LAST -> points.getLast().value();
    };
  }

  /** Change between the first and last reading of the window, scaled to {@code per}. */
  private static Double rate(List<Point> points, Duration per) {
    if (points.size() < 2) {
      return null;
    }
    Point first = points.getFirst();
    Point last = points.getLast();
    double seconds = Duration.between(first.time(), last.time()).toMillis() / 1000.0;
    if (seconds <= 0) {
      return null;
    }
    return (last.value() - first.value()) / seconds * (per.toMillis() / 1000.0);
  }

  private Double load(AlertsConfig.Rule rule, Map<String, String> tags, double value) {
    Double rating = rule.rating();
    if (rating == null && rule.ratingTag() != null && tags.containsKey(rule.ratingTag())) {
      try {
        rating = Double.parseDouble(tags.get(rule.ratingTag()));
      } catch (NumberFormatException e) {
        rating = null;
      }
    }
    if (rating == null || rating <= 0) {
      if (warnedNoRating.add(rule.name() + tags)) {
        log.warn(
            "rule {}: series {} has no usable rating (tag {}); skipped",
            rule.name(),
            tags,
            rule.ratingTag());
      }
      return null;
    }
    return value / rating * 100;
  }

  /** 1 for a series seen recently but not within {@code after}, 0 for a live one. */
  private List<Observation> absent(AlertsConfig.Rule rule, Instant now) {
    Duration after = rule.after();
    Instant cutoff = now.minus(after);
    List<Observation> out = new ArrayList<>();
    Set<SortedMap<String, String>> seen = new HashSet<>();
    for (SeriesPoints s :
        store.read(
            query(rule),
            now.minus(after.multipliedBy(ABSENT_LOOKBACK_FACTOR)),
            now.plusMillis(1))) {
      SortedMap<String, String> labels = new TreeMap<>(s.key().tags());
      if (!seen.add(labels)) {
        continue;
      }
      boolean fresh = s.points().stream().anyMatch(p -> usable(p) && !p.time().isBefore(cutoff));
      out.add(new Observation(labels, fresh ? 0 : 1));
    }
    return out;
  }

  private List<Observation> devices(AlertsConfig.Rule rule) {
    List<Observation> out = new ArrayList<>();
    for (Device d : site.allDevices().toList()) {
      DeviceStatus.State state = deviceStates.get(d.id());
      if (state == null || state == DeviceStatus.State.UNKNOWN) {
        continue;
      }
      SortedMap<String, String> labels = new TreeMap<>();
      labels.put("site", site.site().name());
      labels.put("device", d.id());
      if (d.location() != null && d.location().cluster() != null) {
        labels.put("cluster", d.location().cluster());
      }
      if (d.location() != null && d.location().rack() != null) {
        labels.put("rack", d.location().rack());
      }
      if (!rule.tags().entrySet().stream()
          .allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
        continue;
      }
      out.add(new Observation(labels, state == DeviceStatus.State.DOWN ? 1 : 0));
    }
    return out;
  }
}
