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
}
