package io.kilowatch.store;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Identity of one time series: a measurement, its tags and one field. */
public record SeriesKey(String measurement, SortedMap<String, String> tags, String field) {

  public SeriesKey {
    tags = TagSet.of(tags);
  }

  public static SeriesKey of(String measurement, Map<String, String> tags, String field) {
    return new SeriesKey(measurement, new TreeMap<>(tags), field);
  }

  /** Whether every tag in {@code filter} is present here with the same value. */
  public boolean matches(Map<String, String> filter) {
    for (var e : filter.entrySet()) {
      if (!e.getValue().equals(tags.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** Line-protocol-like text, stable and unique: {@code pdu,device=r1-a,rack=r1 power_w}. */
  @Override
  public String toString() {
    String t =
        tags.entrySet().stream()
            .map(e -> "," + e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining());
    return measurement + t + " " + field;
  }
}
