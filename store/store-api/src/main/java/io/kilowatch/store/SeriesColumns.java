package io.kilowatch.store;

/**
 * The good readings (good or uncertain, finite) of one series, oldest first, as two columns: epoch
 * milliseconds and values (none, where its readings were all bad). For analytics that read many
 * series at once: a risk assessment of 25,000 GPUs reads 1.5 million temperatures, and as {@link
 * Point}s (two objects each, all alive until the assessment ends) the young collections copying
 * them cost more CPU than the assessment.
 *
 * <p>The arrays are the caller's, not copied: the store hands over arrays it made for this answer,
 * and a reader may convert the values in place.
 */
public record SeriesColumns(SeriesKey key, long[] times, double[] values) {
  public SeriesColumns {
    if (times.length != values.length) {
      throw new IllegalArgumentException(
          "columns of " + key + " differ in length: " + times.length + " and " + values.length);
    }
  }

  public int size() {
    return times.length;
  }
}
