package io.kilowatch.web.ingest;

import io.kilowatch.config.IngestLimits;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesKey;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which series exist and how many more writes may create: in all ({@code maxSeries}), per
 * measurement ({@code maxSeriesPerMeasurement}) and per minute ({@code maxNewSeriesPerMinute}).
 *
 * <p>A series is remembered by a 64-bit hash of its key, not the key: with tag values of up to
 * {@code maxTagValueLength} characters, keeping keys would let the bookkeeping itself grow with
 * what it is meant to bound. Two series with the same hash count as one, which only ever lets a new
 * series through uncounted; at two million series the chance of that is about 10⁻⁷.
 *
 * <p>Not thread-safe: {@link IngestRoutes} holds it under a lock from the check to the store's
 * queue, so two writes cannot both take the last of a budget.
 */
final class SeriesBudget {
  private final IngestLimits limits;
  private final Clock clock;
  private final LongSet known = new LongSet();
  private final Map<String, Integer> perMeasurement = new HashMap<>();
  private long minute = Long.MIN_VALUE;
  private int createdThisMinute;

  SeriesBudget(IngestLimits limits, Clock clock, Collection<SeriesKey> existing) {
    this.limits = limits;
    this.clock = clock;
    for (SeriesKey k : existing) {
      if (known.add(hash(k.measurement(), k.tags(), k.field()))) {
        perMeasurement.merge(k.measurement(), 1, Integer::sum);
      }
    }
  }

  /** Series known now. */
  int size() {
    return known.size();
  }

  /** The series a line's samples would add, for {@link #admit} and then {@link #commit}. */
  final class Batch {
    private final LongSet added = new LongSet();
    private final Map<String, Integer> addedPer = new HashMap<>();

    /**
     * Takes the line's new series into the batch, or returns why it cannot: the limit it would go
     * past. A line is taken whole or not at all.
     */
    String admit(List<Sample> line) {
      var fresh = new LongSet();
      var freshPer = new HashMap<String, Integer>();
      for (Sample s : line) {
        for (String field : s.fields().keySet()) {
          long h = hash(s.measurement(), s.tags(), field);
          if (!known.contains(h) && !added.contains(h) && fresh.add(h)) {
            freshPer.merge(s.measurement(), 1, Integer::sum);
          }
        }
      }
      if (known.size() + added.size() + fresh.size() > limits.maxSeries()) {
        return "would create "
            + fresh.size()
            + " new series beyond the limit maxSeries = "
            + limits.maxSeries()
            + " (it holds "
            + (known.size() + added.size())
            + ")";
      }
      for (var e : freshPer.entrySet()) {
        int now = perMeasurement.getOrDefault(e.getKey(), 0) + addedPer.getOrDefault(e.getKey(), 0);
        if (now + e.getValue() > limits.maxSeriesPerMeasurement()) {
          return "would create "
              + e.getValue()
              + " new series of measurement '"
              + e.getKey()
              + "' beyond the limit maxSeriesPerMeasurement = "
              + limits.maxSeriesPerMeasurement()
              + " (it holds "
              + now
              + ")";
        }
      }
      added.addAll(fresh);
      freshPer.forEach((m, n) -> addedPer.merge(m, n, Integer::sum));
      return null;
    }

    /** New series the batch would create. */
    int newSeries() {
      return added.size();
    }

    /**
     * Seconds until the minute's budget takes the batch again, or 0 when it fits now. A batch
     * larger than a whole minute's budget never fits: {@link Integer#MAX_VALUE}.
     */
    long retryAfter() {
      if (added.size() > limits.maxNewSeriesPerMinute()) {
        return Integer.MAX_VALUE;
      }
      long millis = clock.millis();
      int used = millis / 60_000 == minute ? createdThisMinute : 0;
      return used + added.size() <= limits.maxNewSeriesPerMinute() ? 0 : 60 - (millis / 1000) % 60;
    }

    /** Records the batch's series as existing: call once they are queued for the store. */
    void commit() {
      long now = clock.millis() / 60_000;
      if (now != minute) {
        minute = now;
        createdThisMinute = 0;
      }
      createdThisMinute += added.size();
      known.addAll(added);
      addedPer.forEach((m, n) -> perMeasurement.merge(m, n, Integer::sum));
    }
  }

  Batch batch() {
    return new Batch();
  }

  /** FNV-1a over the key's parts, each ended by a character no part can hold unescaped. */
  static long hash(String measurement, Map<String, String> tags, String field) {
    long h = 0xcbf29ce484222325L;
    h = mix(h, measurement);
    for (var e : tags.entrySet()) {
      h = mix(h, e.getKey());
      h = mix(h, e.getValue());
    }
    return mix(h, field);
  }

  private static long mix(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return (h ^ 0xFFFF) * 0x100000001b3L;
  }
}
