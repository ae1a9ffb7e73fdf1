package io.kilowatch.store.buffer;

import io.kilowatch.queue.DurableQueue;
import io.kilowatch.queue.DurableQueue.FullPolicy;
import io.kilowatch.store.Sample;
import io.kilowatch.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

  /** Held while the buffer is open, so a second process given the same directory is refused. */
  static final String LOCK_FILE = "in-use.lock";

  private final DurableQueue queue;
  private final FileChannel lock;

  private DiskBuffer(DurableQueue queue, FileChannel lock) {
    this.queue = queue;
    this.lock = lock;
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
    FileChannel lock = lock(dir);
    try {
      return new DiskBuffer(DurableQueue.open(dir, options), lock);
    } catch (UncheckedIOException e) {
      closeQuietly(lock);
      throw new StoreException("cannot open disk buffer in " + dir, e.getCause());
    } catch (RuntimeException e) {
      closeQuietly(lock);
      throw e;
    }
  }

  /**
   * Locks the directory for this process. Two kilowatch processes given one data directory (two
   * shards started from copies of one config) would read each other's half-written segments and
   * acknowledge each other's batches: the second is refused at start, naming the directory.
   */
  private static FileChannel lock(Path dir) {
    FileChannel channel = null;
    try {
      Files.createDirectories(dir);
      channel =
          FileChannel.open(
              dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock held;
      try {
        held = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        held = null; // this process has it open already
      }
      if (held == null) {
        throw new StoreException(
            "disk buffer "
                + dir
                + " is in use by another kilowatch process (or another store in this one): give"
                + " each its own store dataDir");
      }
      return channel;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StoreException("cannot open disk buffer in " + dir, e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Closing releases the lock; there is nothing else to do with it.
      }
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
    try {
      queue.close();
    } finally {
      closeQuietly(lock);
    }
  }
}
