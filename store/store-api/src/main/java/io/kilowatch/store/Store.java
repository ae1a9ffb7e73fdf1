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
   * Reduces every matching series to one value per {@code step}; only good and uncertain readings
   * count.
   */
  List<SeriesBuckets> aggregate(
      SeriesQuery query, Instant from, Instant to, Duration step, Aggregate aggregate);

  /** Series that match; an empty measurement name lists every series. */
  List<SeriesKey> listSeries(SeriesQuery query);

  /** The disk buffer in front of a remote database, for health pages; empty when there is none. */
  default Optional<BufferState> bufferState() {
    return Optional.empty();
  }

  @Override
  void close();
}
