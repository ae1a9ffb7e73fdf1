package io.kilowatch.store;

import java.util.List;

/** Aggregated steps of one series, oldest first; steps without good readings are absent. */
public record SeriesBuckets(SeriesKey key, List<Bucket> buckets) {
  public SeriesBuckets {
    buckets = List.copyOf(buckets);
  }
}
