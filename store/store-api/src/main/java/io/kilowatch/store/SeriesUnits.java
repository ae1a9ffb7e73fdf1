package io.kilowatch.store;

import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.units.PointUnit;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The unit of every series: from the profile point, push declaration or OPC UA server that feeds
 * it, or for the readings kilowatch names itself (GPU fields, KPIs) from {@link Vocabulary}. Stored
 * values keep the unit the device reports; every consumer converts with what this catalog says, so
 * no code reads a unit from a field name.
 */
public final class SeriesUnits {
  private static final Map<List<String>, PointUnit> VOCABULARY = vocabulary();

  private final SiteConfig site;
  private final Map<String, Device> devices = new HashMap<>();
  private final Map<List<String>, PointUnit> learned = new ConcurrentHashMap<>();
  private final Map<List<String>, Optional<PointUnit>> resolved = new ConcurrentHashMap<>();

  public SeriesUnits(SiteConfig site) {
    this.site = site;
    site.allDevices().forEach(d -> devices.putIfAbsent(d.id(), d));
  }

  public SiteConfig site() {
    return site;
  }

  /** The unit of one stored series, or empty when nothing says it. */
  public Optional<PointUnit> of(SeriesKey key) {
    return of(key.tags().get(Vocabulary.Tag.DEVICE), key.measurement(), key.field(), key.tags());
  }

  /**
   * The unit of a device's field in a measurement; the device may be {@code null} for series
   * kilowatch writes itself (KPIs).
   */
  public Optional<PointUnit> of(String deviceId, String measurement, String field) {
    return of(deviceId, measurement, field, Map.of());
  }

  /**
   * As above for a series with these tags: of several points writing one field (the total in kW,
   * each phase in W), the one whose tags the series carries.
   */
  private Optional<PointUnit> of(
      String deviceId, String measurement, String field, Map<String, String> tags) {
    PointUnit fixed = VOCABULARY.get(List.of(measurement, field));
    if (fixed != null) {
      return Optional.of(fixed);
    }
    if (deviceId == null) {
      return Optional.empty();
    }
    List<String> k = List.of(deviceId, measurement, field);
    PointUnit l = learned.get(k);
    if (l != null) {
      return Optional.of(l);
    }
    var pointTags = pointTags(deviceId, tags);
    List<String> ck =
        pointTags.isEmpty()
            ? k
            : List.of(deviceId, measurement, field, new java.util.TreeMap<>(pointTags).toString());
    return resolved.computeIfAbsent(ck, x -> configured(deviceId, measurement, field, pointTags));
  }

  /** A series' tags less those every sample of the device carries (identity, device tags). */
  private Map<String, String> pointTags(String deviceId, Map<String, String> tags) {
    if (tags.isEmpty()) {
      return Map.of();
    }
    Device d = devices.get(deviceId);
    var out = new HashMap<String, String>(tags);
    Vocabulary.Tag.IDENTITY.forEach(out::remove);
    if (d != null) {
      d.tags().keySet().forEach(out::remove);
    }
    return out;
  }

  /** The unit of a device's field, in whichever measurement the collectors write it. */
  public Optional<PointUnit> of(Device device, String field) {
    return of(device.id(), Vocabulary.measurementOf(site, device, field), field);
  }

  /**
   * Records the unit an OPC UA server declares for a point configured without one, so that the
   * point's series carry the server's unit.
   */
  public void learn(String deviceId, String measurement, String field, PointUnit unit) {
    learned.put(List.of(deviceId, measurement, field), unit);
  }

  private final Map<String, Map<String, Boolean>> warnings = new ConcurrentHashMap<>();

  /**
   * Records that a device's own declaration contradicts its configuration (an OPC UA server's
   * EngineeringUnits against a point's unit), for the device's page and {@code /api/devices}.
   */
  public void warn(String deviceId, String message) {
    var w =
        warnings.computeIfAbsent(deviceId, k -> new java.util.concurrent.ConcurrentSkipListMap<>());
    if (w.size() < 100) {
      w.put(message, true);
    }
  }

  /** The unit warnings of a device, oldest message first in text order. */
  public List<String> warnings(String deviceId) {
    var w = warnings.get(deviceId);
    return w == null ? List.of() : List.copyOf(w.keySet());
  }

  private Optional<PointUnit> configured(
      String deviceId, String measurement, String field, Map<String, String> seriesTags) {
    Device d = devices.get(deviceId);
    if (d == null) {
      return Optional.empty();
    }
    if (d.source() instanceof Source.Push push) {
      String u = push.units().get(field);
      if (u != null && (push.measurement() == null || push.measurement().equals(measurement))) {
        return Optional.of(PointUnit.of(u));
      }
      return Optional.empty();
    }
    if (d.profile() == null) {
      return Optional.empty();
    }
    var profile = site.profile(d.profile());
    if (profile.isEmpty()) {
      return Optional.empty();
    }
    // The point whose own tags the series carries; the untagged point (the total) otherwise.
    Profile.Point best = null;
    for (Profile.Point p : profile.get().points()) {
      if (p.field().equals(field)
          && Vocabulary.measurementOf(p, d).equals(measurement)
          && p.unit() != null
          && seriesTags.entrySet().containsAll(p.tags().entrySet())
          && (best == null || p.tags().size() > best.tags().size())) {
        best = p;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(best.pointUnit());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Map<List<String>, PointUnit> vocabulary() {
    Map<List<String>, PointUnit> out = new HashMap<>();
    for (Class<?> c : Vocabulary.class.getDeclaredClasses()) {
      for (var f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == Vocabulary.Field.class) {
          try {
            var field = (Vocabulary.Field) f.get(null);
            if (field.unit() != null) {
              out.put(
                  List.of(field.measurement(), field.name()),
                  PointUnit.of(field.unit(), field.quantity(), Map.of()));
            }
          } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    return Map.copyOf(out);
  }
}
