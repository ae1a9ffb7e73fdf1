package io.kilowatch.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Readings taken at one instant from one source: the unit of exchange between collectors and
 * stores. Field names carry their unit ({@code power_w}, {@code energy_kwh}).
 *
 * @param tags sorted, so that equal tag sets give equal series keys
 */
public record Sample(
    Instant time,
    String measurement,
    SortedMap<String, String> tags,
    SortedMap<String, Double> fields,
    Quality quality) {

  public Sample {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(measurement, "measurement");
    Objects.requireNonNull(quality, "quality");
    // A tag set is kept as it is (it is immutable): the collector's own instance reaches the store.
    tags = TagSet.of(tags);
    // Likewise a field map: the readings of a poll reach the store without another copy.
    fields = FieldMap.of(fields);
  }

  public static Sample of(
      Instant time, String measurement, Map<String, String> tags, Map<String, Double> fields) {
    return new Sample(time, measurement, new TreeMap<>(tags), FieldMap.of(fields), Quality.GOOD);
  }

  /** The series each field of this sample belongs to. */
  public SeriesKey key(String field) {
    return new SeriesKey(measurement, tags, field);
  }
}
