package io.kilowatch.web.ingest;

import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Where ingested samples go: the same store writer the collectors feed. */
@FunctionalInterface
public interface IngestSink {
  /**
   * Queues a batch for the store. Called with the ingest's series bookkeeping locked, so it must
   * not wait for the write itself: the ingest waits on the future after letting go of the lock,
   * which lets concurrent requests share one commit.
   *
   * @return empty when the writer is too far behind to take it (nothing was queued, the client
   *     should retry later); otherwise a future that completes once the samples are on disk, or
   *     fails when they may not be
   */
  Optional<CompletableFuture<Void>> offer(List<Sample> samples);

  /**
   * The most samples {@link #offer} can ever take at once. A batch larger than this is refused with
   * 413 rather than 503, since no retry of it could succeed.
   */
  default int capacity() {
    return Integer.MAX_VALUE;
  }

  /**
   * Writes straight into {@code store}, in the caller's thread (tests, and servers without one).
   */
  static IngestSink direct(Store store) {
    return samples -> {
      try {
        store.write(samples);
        return Optional.of(CompletableFuture.completedFuture(null));
      } catch (RuntimeException e) {
        return Optional.of(CompletableFuture.failedFuture(e));
      }
    };
  }
}
