package io.kilowatch.collector;

import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.FieldMap;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.TagSet;
import io.kilowatch.store.Vocabulary;
import io.kilowatch.store.Vocabulary.Tag;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Collects the readings of one poll and groups them into samples: fields that share measurement,
 * tags and quality travel in one {@link Sample}.
 *
 * <p>Tags of every sample: the device's own {@code tags}, then the point's tags, then the identity
 * tags {@code site}, {@code device}, {@code cluster} and {@code rack} (where the device has them),
 * which win over both so that a stray tag can never move a reading to another device.
 */
public final class Readings {

  private final Device device;
  private final Instant time;
  private final Map<String, String> identityTags;
  private final Map<GroupKey, SortedMap<String, Double>> groups = new LinkedHashMap<>();
  private final Map<String, String> errors = new LinkedHashMap<>();
  private final TagCache cache;

  private record GroupKey(String measurement, TagSet tags, Quality quality) {}

  public Readings(SiteConfig site, Device device, Instant time) {
    this(site, device, time, null);
  }

  /**
   * As above, with the device's merged tag sets kept in {@code cache} from poll to poll: the
   * collector passes the same point-tag map for the same GPU or point each time, and its samples
   * then carry the same {@link TagSet}, which the store looks up by a cached hash and identity.
   */
  public Readings(SiteConfig site, Device device, Instant time, TagCache cache) {
    this.device = Objects.requireNonNull(device, "device");
    this.time = Objects.requireNonNull(time, "time");
    this.identityTags = identityTags(site, device);
    this.cache = cache;
  }

  /**
   * One collector's merged tag sets (device tags, then point tags, then identity tags), by the
   * identity of the point-tag map they were made from. Only for point tags that the collector keeps
   * (profile points, one map per GPU): a fresh map per poll would never be found again. Bounded: it
   * starts over when a device's tags keep changing.
   */
  public static final class TagCache {
    private static final int MAX = 4_096;
    private final Map<Map<String, String>, TagSet> byPointTags = new IdentityHashMap<>();

    synchronized TagSet merged(Map<String, String> pointTags, Readings r) {
      TagSet t = byPointTags.get(pointTags);
      if (t == null) {
        if (byPointTags.size() >= MAX) {
          byPointTags.clear();
        }
        t = r.merge(pointTags);
        byPointTags.put(pointTags, t);
      }
      return t;
    }
  }

  private TagSet allTags(Map<String, String> pointTags) {
    return cache == null ? merge(pointTags) : cache.merged(pointTags, this);
  }

  private TagSet merge(Map<String, String> pointTags) {
    var allTags = new TreeMap<String, String>(device.tags());
    allTags.putAll(pointTags);
    allTags.putAll(identityTags);
    return TagSet.of(allTags);
  }

  /** The tags that say where a reading comes from: site, device, and cluster/rack if any. */
  public static Map<String, String> identityTags(SiteConfig site, Device device) {
    var tags = new LinkedHashMap<String, String>();
    if (site != null && site.site() != null && site.site().name() != null) {
      tags.put(Tag.SITE, site.site().name());
    }
    tags.put(Tag.DEVICE, device.id());
    if (device.location() != null) {
      if (device.location().cluster() != null) {
        tags.put(Tag.CLUSTER, device.location().cluster());
      }
      if (device.location().rack() != null) {
        tags.put(Tag.RACK, device.location().rack());
      }
    }
    return Collections.unmodifiableMap(tags);
  }

  public Instant time() {
    return time;
  }

  /** A profile point's reading: measurement, field and tags come from the point. */
  public void add(Profile.Point point, double value, Quality quality) {
    add(Vocabulary.measurementOf(point, device), point.tags(), point.field(), value, quality);
  }

  /** A profile point that could not be read; {@code why} is kept for {@link #errors()}. */
  public void bad(Profile.Point point, String why) {
    errors.put(point.name(), why);
    add(point, Double.NaN, Quality.BAD);
  }

  /**
   * A reading. A non-finite value is never stored as good: it turns the field BAD. A BAD field is
   * always NaN, whatever value came with it, so nothing downstream mistakes it for a number.
   */
  public void add(
      String measurement, Map<String, String> tags, String field, double value, Quality quality) {
    Objects.requireNonNull(field, "field");
    Quality q = Double.isFinite(value) ? quality : Quality.BAD;
    double v = q == Quality.BAD ? Double.NaN : value;
    TagSet allTags = allTags(tags);
    group(new GroupKey(measurement, allTags, q)).put(field, v);
  }

  /**
   * Several fields of one measurement and tag set, as {@link #add(String, Map, String, double,
   * Quality)} would take them one by one; the tags are merged and looked up once, not per field (a
   * GPU has 13 fields, a 25,000-GPU site 2,500 GPUs a second).
   */
  public void addAll(
      String measurement, Map<String, String> tags, Map<String, Double> fields, Quality quality) {
    TagSet allTags = allTags(tags);
    boolean inOrder =
        fields instanceof FieldMap
            || (fields instanceof SortedMap<String, Double> sorted && sorted.comparator() == null);
    if (quality != Quality.BAD && inOrder && !fields.isEmpty() && allFinite(fields)) {
      var key = new GroupKey(measurement, allTags, quality);
      if (!groups.containsKey(key)) {
        // A whole GPU at once, the usual case: its field map is kept as it came (a collector's
        // own, made per scrape) or copied in one pass from a sorted map, with the same boxes,
        // where putting field by field compares names and boxes again.
        groups.put(key, FieldMap.of(fields));
        return;
      }
    }
    SortedMap<String, Double> given = null;
    SortedMap<String, Double> bad = null;
    for (var f : fields.entrySet()) {
      String field = Objects.requireNonNull(f.getKey(), "field");
      double value = f.getValue() == null ? Double.NaN : f.getValue();
      Quality q = Double.isFinite(value) ? quality : Quality.BAD;
      if (q == Quality.BAD) {
        if (bad == null) {
          bad = group(new GroupKey(measurement, allTags, q));
        }
        bad.put(field, Double.NaN);
      } else {
        if (given == null) {
          given = group(new GroupKey(measurement, allTags, q));
        }
        given.put(field, value);
      }
    }
  }

  /** The fields of {@code key} so far, as a map that takes more (a kept field map is copied). */
  private SortedMap<String, Double> group(GroupKey key) {
    SortedMap<String, Double> fields = groups.get(key);
    if (fields instanceof TreeMap<String, Double> open) {
      return open;
    }
    var open = fields == null ? new TreeMap<String, Double>() : new TreeMap<>(fields);
    groups.put(key, open); // a replaced group keeps its place in the order
    return open;
  }

  private static boolean allFinite(Map<String, Double> fields) {
    if (fields instanceof FieldMap f) {
      return f.allFinite();
    }
    for (var f : fields.entrySet()) {
      if (f.getKey() == null || f.getValue() == null || !Double.isFinite(f.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Why points were bad, by point name. */
  public Map<String, String> errors() {
    return Collections.unmodifiableMap(errors);
  }

  public List<Sample> samples() {
    var out = new ArrayList<Sample>(groups.size());
    groups.forEach(
        (k, fields) -> out.add(new Sample(time, k.measurement(), k.tags(), fields, k.quality())));
    return out;
  }
}
