package io.kilowatch.collector.modbus;

import io.kilowatch.collector.Readings;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.Vocabulary;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which stored series are cumulative counters, and how they wrap: what analytics needs to turn
 * counter readings into energy across resets and 32-bit wraps. Counters are stored as read (the raw
 * register × scale + offset, never rebased), so this is known from the configuration alone: a point
 * of {@code kind: counter} in a device's profile, its width from the data type.
 */
public final class ModbusCounters {
  private ModbusCounters() {}

  /** Every counter series of the site's Modbus devices, with its {@link Profile.CounterSpec}. */
  public static Map<SeriesKey, Profile.CounterSpec> of(SiteConfig site) {
    var out = new LinkedHashMap<SeriesKey, Profile.CounterSpec>();
    site.allDevices()
        .filter(d -> d.source() instanceof Source.Modbus && d.profile() != null)
        .forEach(
            d ->
                site.profile(d.profile())
                    .filter(Profile.Modbus.class::isInstance)
                    .map(Profile.Modbus.class::cast)
                    .ifPresent(p -> add(site, d, p, out)));
    return out;
  }

  private static void add(
      SiteConfig site, Device d, Profile.Modbus p, Map<SeriesKey, Profile.CounterSpec> out) {
    for (Profile.ModbusPoint point : p.points()) {
      Profile.CounterSpec spec = point.counter();
      if (spec != null && point.dataType() != Profile.DataType.STRING) {
        out.put(key(site, d, point), spec);
      }
    }
  }

  /** The series a point of a device is stored in (same tags as {@link Readings} gives). */
  public static SeriesKey key(SiteConfig site, Device d, Profile.Point point) {
    var tags = new TreeMap<String, String>(d.tags());
    tags.putAll(point.tags());
    tags.putAll(Readings.identityTags(site, d));
    return new SeriesKey(Vocabulary.measurementOf(point, d), tags, point.field());
  }
}
