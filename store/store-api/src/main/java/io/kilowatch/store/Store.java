package io.kilowatch.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where samples are kept. Analytics and the web layer use only this interface, so every answer must
 * be the same whichever implementation is behind it.
 *
 * <p>Ranges are half-open: {@code from} inclusive, {@code to} exclusive. Implementations are
 * thread-safe.
 */
public interface Store extends AutoCloseable {

  /**
   * Stores a batch. When this returns, the batch is durable (it survives a restart). Samples with
   * the same series and timestamp replace earlier ones.
   */
  void write(List<Sample> batch);

  /** Raw readings of every matching series, bad and stale ones included with their quality. */
  List<SeriesPoints> read(SeriesQuery query, Instant from, Instant to);

  /**
   * The good and uncertain finite readings of every matching series in {@code [from, to)} as {@link
   * SeriesColumns}, oldest first: the series {@link #read} answers, each with its readings less the
   * others (none, for a series whose readings in range are all bad), without an object per reading.
   */
  default List<SeriesColumns> readGood(SeriesQuery query, Instant from, Instant to) {
    var out = new java.util.ArrayList<SeriesColumns>();
    for (SeriesPoints sp : read(query, from, to)) {
      var times = new long[sp.points().size()];
      var values = new double[times.length];
      int n = 0;
      for (Point p : sp.points()) {
        if ((p.quality() == Quality.GOOD || p.quality() == Quality.UNCERTAIN)
            && Double.isFinite(p.value())) {
          times[n] = p.time().toEpochMilli();
          values[n++] = p.value();
        }
      }
      out.add(
          new SeriesColumns(
              sp.key(), java.util.Arrays.copyOf(times, n), java.util.Arrays.copyOf(values, n)));
    }
    return out;
  }

  /**
   * Reduces every matching series to one value per {@code step}; only good and uncertain readings
   * count.
   */
  List<SeriesBuckets> aggregate(
      SeriesQuery query, Instant from, Instant to, Duration step, Aggregate aggregate);

  /**
   * The good readings of every matching series in {@code [from, to)} as {@link Run}s, oldest first,
   * each series preceded by its last run before {@code from} and followed by its first run at or
   * after {@code to} where they exist: energy over a period needs the readings on both sides of it.
   * One call of {@code sink} per series that has a run in or around the range.
   *
   * <p>A store that keeps only raw readings answers one run per reading; this default reads {@code
   * [from − reach, to + reach]}, so neighbours further away than {@code reach} are not seen. A
   * store with rollups answers with their bins where the raw readings are gone and looks for
   * neighbours however far away they are.
   */
  default void runs(SeriesQuery query, Instant from, Instant to, Duration reach, RunSink sink) {
    for (SeriesPoints sp : read(query, from.minus(reach), to.plus(reach))) {
      var runs = new java.util.ArrayList<Run>(sp.points().size());
      Run before = null;
      Run after = null;
      for (Point p : sp.points()) {
        if (p.quality() != Quality.GOOD && p.quality() != Quality.UNCERTAIN
            || !Double.isFinite(p.value())) {
          continue;
        }
        Run r = Run.of(p.time().toEpochMilli(), p.value());
        if (p.time().isBefore(from)) {
          before = r;
        } else if (p.time().isBefore(to)) {
          runs.add(r);
        } else if (after == null) {
          after = r;
        }
      }
      if (before != null) {
        runs.addFirst(before);
      }
      if (after != null) {
        runs.add(after);
      }
      if (!runs.isEmpty()) {
        sink.accept(sp.key(), runs);
      }
    }
  }

  /** Series that match; an empty measurement name lists every series. */
  List<SeriesKey> listSeries(SeriesQuery query);

  /** The disk buffer in front of a remote database, for health pages; empty when there is none. */
  default Optional<BufferState> bufferState() {
    return Optional.empty();
  }

  /**
   * Whether the store is failing (damaged file, I/O errors), for health pages. Stores that cannot
   * tell answer OK.
   */
  default StoreHealth health() {
    return StoreHealth.ok();
  }

  @Override
  void close();
}
