package io.kilowatch.store;

import java.util.Map;

/**
 * Selects series: one measurement, optionally one field, and tags that must all match.
 *
 * @param field {@code null} selects every field of the measurement
 */
public record SeriesQuery(String measurement, String field, Map<String, String> tags) {
  public SeriesQuery {
    tags = Map.copyOf(tags);
  }

  public static SeriesQuery of(String measurement, String field) {
    return new SeriesQuery(measurement, field, Map.of());
  }

  public SeriesQuery withTag(String key, String value) {
    var t = new java.util.HashMap<>(tags);
    t.put(key, value);
    return new SeriesQuery(measurement, field, t);
  }

  public boolean matches(SeriesKey key) {
    return key.measurement().equals(measurement)
        && (field == null || key.field().equals(field))
        && key.matches(tags);
  }
}
