package io.kilowatch.store.buffer;

import io.kilowatch.store.Sample;
import io.kilowatch.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A first-in, first-out queue of sample batches on disk, bounded in bytes.
 *
 * <p>Records are appended to numbered segment files ({@code 0000000000000001.seg}, ...), each as
 * length, CRC-32C and payload, and forced to disk before {@link #append} returns: an appended batch
 * survives a crash of the process or the machine. The position of the oldest unacknowledged record
 * is kept in {@code head}; it is replaced atomically but not forced, so after a crash a few records
 * may be delivered again. That is safe because stores overwrite a reading with the same series and
 * timestamp: delivery is at least once, and the stored result exactly once. A record cut short by a
 * crash during an append fails its length or checksum and is cut off when the buffer is opened.
 */
public final class DiskBuffer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiskBuffer.class);

  private static final int HEADER = 8;
  private static final String SUFFIX = ".seg";
  private static final String HEAD_FILE = "head";

  /** One unacknowledged batch. */
  public record Entry(long segment, long offset, long nextOffset, List<Sample> samples) {}

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;

  /** Segment number to its size in bytes, oldest first. */
  private final TreeMap<Long, Long> segments = new TreeMap<>();

  private long headSegment;
  private long headOffset;
  private long pendingBytes;
  private long pendingBatches;
  private FileChannel writer;
  private long writerSegment;
  private boolean closed;

  private DiskBuffer(Path dir, long maxBytes, long segmentBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
  }

  /** Opens (or creates) the buffer in {@code dir}, cutting off a record torn by a crash. */
  public static DiskBuffer open(Path dir, long maxBytes) {
    return open(dir, maxBytes, Math.clamp(maxBytes / 8, 64 * 1024, 64 * 1024 * 1024));
  }

  /** With segment files of about {@code segmentBytes} (tests use small ones). */
  static DiskBuffer open(Path dir, long maxBytes, long segmentBytes) {
    var buffer = new DiskBuffer(dir, maxBytes, segmentBytes);
    try {
      Files.createDirectories(dir);
      buffer.recover();
    } catch (IOException e) {
      throw new StoreException("cannot open disk buffer in " + dir, e);
    }
    return buffer;
  }

  private void recover() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(SUFFIX)) {
          segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), 0L);
        }
      }
    }
    Path head = dir.resolve(HEAD_FILE);
    if (Files.exists(head)) {
      String[] parts = Files.readString(head, StandardCharsets.US_ASCII).strip().split(" ");
      headSegment = Long.parseLong(parts[0]);
      headOffset = Long.parseLong(parts[1]);
    }
    // Segments wholly before the head were delivered; a crash may have left them behind.
    for (Long s : List.copyOf(segments.headMap(headSegment).keySet())) {
      Files.deleteIfExists(segment(s));
      segments.remove(s);
    }
    if (segments.isEmpty() || segments.firstKey() > headSegment) {
      headSegment = segments.isEmpty() ? Math.max(headSegment, 1) : segments.firstKey();
      headOffset = 0;
    }
    for (var s : segments.keySet()) {
      long valid = scan(s, s == headSegment ? headOffset : 0);
      segments.put(s, valid);
    }
    writerSegment = segments.isEmpty() ? headSegment : segments.lastKey();
    openWriter();
    if (pendingBatches > 0) {
      log.info(
          "disk buffer {} holds {} batches ({} bytes) not yet delivered; they are replayed first",
          dir,
          pendingBatches,
          pendingBytes);
    }
  }

  /** Counts the valid records from {@code from}; cuts the file after the last one. */
  private long scan(long s, long from) throws IOException {
    try (var ch = FileChannel.open(segment(s), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      long pos = 0;
      // Records before the head are not counted but must be walked to find their ends.
      while (pos < size) {
        byte[] payload = readRecord(ch, pos, size);
        if (payload == null) {
          log.warn(
              "disk buffer segment {} ends in a torn record at byte {}; cutting it off",
              segment(s),
              pos);
          ch.truncate(pos);
          ch.force(true);
          break;
        }
        long next = pos + HEADER + payload.length;
        if (pos >= from) {
          pendingBytes += next - pos;
          pendingBatches++;
        }
        pos = next;
      }
      return pos;
    }
  }

  /** The payload at {@code pos}, or null when the record there is incomplete or corrupt. */
  private static byte[] readRecord(FileChannel ch, long pos, long size) throws IOException {
    if (pos + HEADER > size) {
      return null;
    }
    var header = ByteBuffer.allocate(HEADER);
    readFully(ch, header, pos);
    int length = header.getInt(0);
    int crc = header.getInt(4);
    if (length < 0 || pos + HEADER + length > size) {
      return null;
    }
    var payload = ByteBuffer.allocate(length);
    readFully(ch, payload, pos + HEADER);
    var check = new CRC32C();
    check.update(payload.array());
    return (int) check.getValue() == crc ? payload.array() : null;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of buffer segment");
      }
    }
  }

  private void openWriter() throws IOException {
    boolean created = !Files.exists(segment(writerSegment));
    writer =
        FileChannel.open(
            segment(writerSegment),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    segments.putIfAbsent(writerSegment, writer.size());
    if (created) {
      // A forced record is of no use in a file whose directory entry a power cut can lose.
      try (var d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException e) {
        log.debug("cannot force directory {} (not supported here): {}", dir, e.toString());
      }
    }
  }

  private Path segment(long s) {
    return dir.resolve("%016d%s".formatted(s, SUFFIX));
  }

  /**
   * Appends a batch and forces it to disk.
   *
   * @return false, leaving the buffer unchanged, when the batch does not fit in {@code maxBytes}
   */
  public synchronized boolean append(List<Sample> batch) {
    ensureOpen();
    byte[] payload = SampleCodec.encode(batch);
    long recordBytes = HEADER + payload.length;
    if (pendingBytes + recordBytes > maxBytes) {
      return false;
    }
    var crc = new CRC32C();
    crc.update(payload);
    var record = ByteBuffer.allocate((int) recordBytes);
    record.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
    try {
      if (segments.get(writerSegment) >= segmentBytes) {
        writer.close();
        writerSegment++;
        openWriter();
      }
      while (record.hasRemaining()) {
        writer.write(record);
      }
      writer.force(false);
    } catch (IOException e) {
      throw new StoreException("cannot append to disk buffer " + dir, e);
    }
    segments.merge(writerSegment, recordBytes, Long::sum);
    pendingBytes += recordBytes;
    pendingBatches++;
    return true;
  }

  /** The oldest batch not yet acknowledged, or null when there is none. */
  public synchronized Entry peek() {
    ensureOpen();
    while (pendingBatches > 0) {
      long size = segments.getOrDefault(headSegment, 0L);
      if (headOffset >= size) {
        if (headSegment >= writerSegment) {
          return null;
        }
        dropSegment(headSegment);
        headSegment = segments.ceilingKey(headSegment + 1);
        headOffset = 0;
        continue;
      }
      try (var ch = FileChannel.open(segment(headSegment), StandardOpenOption.READ)) {
        byte[] payload = readRecord(ch, headOffset, size);
        if (payload == null) {
          throw new StoreException("disk buffer record at " + headOffset + " is unreadable");
        }
        return new Entry(
            headSegment,
            headOffset,
            headOffset + HEADER + payload.length,
            SampleCodec.decode(payload));
      } catch (IOException e) {
        throw new StoreException("cannot read disk buffer " + dir, e);
      }
    }
    return null;
  }

  /** Marks {@code entry}, which must be the one {@link #peek} returned, as delivered. */
  public synchronized void acknowledge(Entry entry) {
    ensureOpen();
    if (entry.segment() != headSegment || entry.offset() != headOffset) {
      throw new IllegalStateException("acknowledged out of order");
    }
    headOffset = entry.nextOffset();
    pendingBytes -= entry.nextOffset() - entry.offset();
    pendingBatches--;
    if (pendingBatches == 0 && headSegment == writerSegment) {
      // Empty: start the next segment afresh so the files do not grow without bound.
      try {
        writer.close();
        dropSegment(headSegment);
        writerSegment++;
        headSegment = writerSegment;
        headOffset = 0;
        openWriter();
      } catch (IOException e) {
        throw new StoreException("cannot roll disk buffer segment in " + dir, e);
      }
    } else if (headOffset >= segments.get(headSegment) && headSegment < writerSegment) {
      dropSegment(headSegment);
      headSegment = segments.ceilingKey(headSegment + 1);
      headOffset = 0;
    }
    saveHead();
  }

  private void dropSegment(long s) {
    segments.remove(s);
    try {
      Files.deleteIfExists(segment(s));
    } catch (IOException e) {
      log.warn("cannot delete delivered buffer segment {}: {}", segment(s), e.toString());
    }
  }

  private void saveHead() {
    Path tmp = dir.resolve(HEAD_FILE + ".tmp");
    try {
      Files.writeString(tmp, headSegment + " " + headOffset + "\n", StandardCharsets.US_ASCII);
      try {
        Files.move(
            tmp,
            dir.resolve(HEAD_FILE),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(HEAD_FILE), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // Only costs a redelivery after a restart, which overwrites the same points.
      log.warn("cannot save disk buffer position: {}", e.toString());
    }
  }

  public synchronized boolean isEmpty() {
    return pendingBatches == 0;
  }

  /** Bytes of undelivered records. */
  public synchronized long bytes() {
    return pendingBytes;
  }

  public synchronized long batches() {
    return pendingBatches;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Segment files present, for tests that check delivered ones are removed. */
  synchronized List<Path> segmentFiles() {
    var out = new ArrayList<Path>();
    segments.keySet().forEach(s -> out.add(segment(s)));
    return out;
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException("disk buffer " + dir + " is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      writer.close();
    } catch (IOException e) {
      log.warn("closing disk buffer {} failed: {}", dir, e.toString());
    }
  }
}
