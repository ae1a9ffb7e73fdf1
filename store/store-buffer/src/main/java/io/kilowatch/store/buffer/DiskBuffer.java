package io.kilowatch.store.buffer;

import io.kilowatch.queue.DurableQueue;
import io.kilowatch.queue.DurableQueue.FullPolicy;
import io.kilowatch.store.Sample;
import io.kilowatch.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Sample batches waiting for the store, oldest first, on the {@link DurableQueue}: an appended
 * batch is on disk (forced) before {@link #append} returns, a batch that does not fit in {@code
 * maxBytes} is refused (the writer is then told, nothing is dropped silently), and a record torn by
 * a crash is cut off when the buffer is opened. Delivery is at least once; stores overwrite a
 * reading with the same series and timestamp, so the stored result is exactly once.
 */
public final class DiskBuffer implements AutoCloseable {

  /** One unacknowledged batch. */
  public record Entry(DurableQueue.Entry record, List<Sample> samples) {}

  private final DurableQueue queue;

  private DiskBuffer(DurableQueue queue) {
    this.queue = queue;
  }

  /** Opens (or creates) the buffer in {@code dir}, cutting off a record torn by a crash. */
  public static DiskBuffer open(Path dir, long maxBytes) {
    return open(dir, DurableQueue.Options.of(maxBytes, FullPolicy.REJECT_NEW));
  }

  /** With segment files of about {@code segmentBytes} (tests use small ones). */
  static DiskBuffer open(Path dir, long maxBytes, long segmentBytes) {
    return open(dir, new DurableQueue.Options(maxBytes, segmentBytes, FullPolicy.REJECT_NEW));
  }

  private static DiskBuffer open(Path dir, DurableQueue.Options options) {
    try {
      return new DiskBuffer(DurableQueue.open(dir, options));
    } catch (UncheckedIOException e) {
      throw new StoreException("cannot open disk buffer in " + dir, e.getCause());
    }
  }

  /**
   * Appends a batch and forces it to disk.
   *
   * @return false, leaving the buffer unchanged, when the batch does not fit in {@code maxBytes}
   */
  public boolean append(List<Sample> batch) {
    try {
      return queue.append(SampleCodec.encode(batch)).isPresent();
    } catch (UncheckedIOException | IllegalStateException e) {
      throw new StoreException("cannot append to disk buffer " + queue.directory(), e);
    }
  }

  /** The oldest batch not yet acknowledged, or null when there is none. */
  public Entry peek() {
    try {
      var oldest = queue.oldest();
      if (oldest.isEmpty()) {
        return null;
      }
      return new Entry(oldest.get(), SampleCodec.decode(queue.read(oldest.get())));
    } catch (IOException | UncheckedIOException | IllegalStateException e) {
      throw new StoreException("cannot read disk buffer " + queue.directory(), e);
    }
  }

  /** Marks {@code entry} as delivered: it is not replayed again. */
  public void acknowledge(Entry entry) {
    try {
      queue.acknowledge(entry.record());
    } catch (UncheckedIOException | IllegalStateException e) {
      throw new StoreException("cannot acknowledge in disk buffer " + queue.directory(), e);
    }
  }

  public boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Bytes of undelivered records. */
  public long bytes() {
    return queue.bytes();
  }

  public long batches() {
    return queue.size();
  }

  public long maxBytes() {
    return queue.maxBytes();
  }

  /** Segment files present, for tests that check delivered ones are removed. */
  List<Path> segmentFiles() {
    return queue.segmentFiles();
  }

  @Override
  public void close() {
    queue.close();
  }
}
