package io.kilowatch.analytics;

import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Series keys grouped by their {@code device} tag, so that finding one device's series among a
 * whole kind's costs its own share, not a scan of all of them: with thousands of PDUs, scanning
 * every key for every device made each energy computation quadratic in the site's size.
 */
final class DeviceKeys {
  private final Collection<SeriesKey> all;
  private final Map<String, List<SeriesKey>> byDevice = new HashMap<>();

  DeviceKeys(Collection<SeriesKey> keys) {
    this.all = keys;
    for (SeriesKey k : keys) {
      String device = k.tags().get("device");
      if (device != null) {
        byDevice.computeIfAbsent(device, d -> new ArrayList<>()).add(k);
      }
    }
  }

  /** The keys that can match {@code q}: its device's, or all of them when it names no device. */
  Collection<SeriesKey> candidates(SeriesQuery q) {
    String device = q.tags().get("device");
    return device == null ? all : byDevice.getOrDefault(device, List.of());
  }

  /** The keys that match {@code q}, in the order they were given. */
  List<SeriesKey> matching(SeriesQuery q) {
    List<SeriesKey> out = new ArrayList<>();
    for (SeriesKey k : candidates(q)) {
      if (q.matches(k)) {
        out.add(k);
      }
    }
    return out;
  }
}
