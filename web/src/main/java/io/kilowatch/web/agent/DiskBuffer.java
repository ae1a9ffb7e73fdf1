package io.kilowatch.web.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches waiting to be sent, one file each, in the order they were taken: {@code 000000000042.lp}.
 * A batch is written to a temporary file and renamed into place, so a crash leaves either the whole
 * batch or none of it; the buffer survives a restart of the agent.
 *
 * <p>Bounded: when the files pass {@code maxBytes}, the oldest batches are dropped (and counted),
 * since the newest readings are the ones an operator needs first after an outage.
 */
public final class DiskBuffer {
  private static final Logger log = LoggerFactory.getLogger(DiskBuffer.class);
  private static final String SUFFIX = ".lp";

  /** One waiting batch. */
  public record Batch(long sequence, Path file) {
    public byte[] read() throws IOException {
      return Files.readAllBytes(file);
    }
  }

  private final Path dir;
  private final long maxBytes;
  private final TreeMap<Long, Long> sizes = new TreeMap<>();
  private long bytes;
  private long next;
  private final AtomicLong dropped = new AtomicLong();

  public DiskBuffer(Path dir, long maxBytes) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.maxBytes = maxBytes;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".tmp")) {
          Files.deleteIfExists(f); // a batch a crash cut short: never sent, never half-sent
        } else if (name.endsWith(SUFFIX)) {
          try {
            long seq = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
            long size = Files.size(f);
            sizes.put(seq, size);
            bytes += size;
          } catch (NumberFormatException e) {
            log.warn("ignoring {} in the agent buffer", f);
          }
        }
      }
    }
    next = sizes.isEmpty() ? 1 : sizes.lastKey() + 1;
    if (!sizes.isEmpty()) {
      log.info("agent buffer holds {} batches ({} bytes) from before", sizes.size(), bytes);
    }
  }

  /** Adds a batch at the end; drops the oldest when over the bound. */
  public synchronized void append(byte[] batch) throws IOException {
    long seq = next++;
    Path tmp = dir.resolve(name(seq) + ".tmp");
    Files.write(tmp, batch);
    try {
      Files.move(tmp, file(seq), StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file(seq), StandardCopyOption.REPLACE_EXISTING);
    }
    sizes.put(seq, (long) batch.length);
    bytes += batch.length;
    while (bytes > maxBytes && sizes.size() > 1) {
      long oldest = sizes.firstKey();
      remove(oldest);
      long d = dropped.incrementAndGet();
      if (Long.bitCount(d) == 1) {
        log.error(
            "agent buffer over {} bytes: dropped the oldest batch ({} dropped so far)",
            maxBytes,
            d);
      }
    }
  }

  /** The oldest batch, if any. */
  public synchronized Optional<Batch> oldest() {
    return sizes.isEmpty()
        ? Optional.empty()
        : Optional.of(new Batch(sizes.firstKey(), file(sizes.firstKey())));
  }

  /** Removes a batch once it was delivered (or refused for good). */
  public synchronized void remove(Batch batch) throws IOException {
    if (sizes.containsKey(batch.sequence())) {
      remove(batch.sequence());
    }
  }

  private void remove(long seq) throws IOException {
    Long size = sizes.remove(seq);
    if (size != null) {
      bytes -= size;
    }
    try {
      Files.deleteIfExists(file(seq));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Batches waiting. */
  public synchronized int depth() {
    return sizes.size();
  }

  public synchronized long bytes() {
    return bytes;
  }

  /** Batches dropped because the buffer was full. */
  public long dropped() {
    return dropped.get();
  }

  private Path file(long seq) {
    return dir.resolve(name(seq) + SUFFIX);
  }

  private static String name(long seq) {
    return String.format("%012d", seq);
  }
}
