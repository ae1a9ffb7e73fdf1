package io.kilowatch.web.ingest;

import io.kilowatch.store.Sample;
import java.util.List;

/** Where ingested samples go: the same store writer the collectors feed. */
@FunctionalInterface
public interface IngestSink {
  /**
   * Queues a batch for the store.
   *
   * @return false when the writer is too far behind to take it; nothing was queued then, and the
   *     client should retry later
   */
  boolean offer(List<Sample> samples);

  /**
   * The most samples {@link #offer} can ever take at once. A batch larger than this is refused with
   * 413 rather than 503, since no retry of it could succeed.
   */
  default int capacity() {
    return Integer.MAX_VALUE;
  }
}
