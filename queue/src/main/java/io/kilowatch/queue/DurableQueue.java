package io.kilowatch.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue of opaque records on disk that keeps what it acknowledged: the one durable queue of
 * kilowatch, behind the store's store-and-forward buffer, the node agent's push buffer and the
 * alert outbox.
 *
 * <p>Records are appended to numbered segment files ({@code 0000000000000001.seg}, ...), each as
 * length, CRC-32C and payload. {@link #append} forces the record to disk (and the folder, when it
 * starts a segment) before it returns: an appended record survives a crash of the process or of the
 * machine. Consumers {@link #acknowledge} records when they are done with them, in any order;
 * acknowledgements go to an {@code acks} log, also forced, and a segment whose records are all
 * acknowledged is deleted. On open, a record cut short by a crash (wrong length or checksum) is cut
 * off with everything after it in its segment, and records are replayed oldest first.
 *
 * <p>Bounded by the bytes of records not yet acknowledged. When an append would pass {@code
 * maxBytes}, the {@link FullPolicy} decides: {@link FullPolicy#REJECT_NEW} refuses the new record
 * (the caller has not been told it is stored, so it can tell its own client), {@link
 * FullPolicy#DROP_OLDEST} acknowledges the oldest records until the new one fits and counts them as
 * dropped. Disk use can exceed the bound by the acknowledged records of segments that still hold
 * live ones, at most one segment's size per such segment.
 *
 * <p>Thread-safe.
 */
public final class DurableQueue implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DurableQueue.class);

  private static final int HEADER = 8;
  private static final int ACK_RECORD = 20;
  private static final String SUFFIX = ".seg";
  private static final String ACKS = "acks";
  private static final String LEGACY_HEAD = "head";

  /** What to do when a record does not fit in the bound. */
  public enum FullPolicy {
    /** Refuse the new record: {@link #append} returns empty and nothing is lost silently. */
    REJECT_NEW,
    /** Make room by dropping the oldest records, counted by {@link #dropped()}. */
    DROP_OLDEST
  }

  /** Where a record lives; orders records oldest first. */
  public record Entry(long segment, long offset, int length) implements Comparable<Entry> {
    @Override
    public int compareTo(Entry o) {
      int c = Long.compare(segment, o.segment);
      return c != 0 ? c : Long.compare(offset, o.offset);
    }

    long bytes() {
      return HEADER + (long) length;
    }
  }

  /**
   * @param maxBytes bound on the bytes of records not yet acknowledged (headers included)
   * @param segmentBytes a segment is closed and a new one started past this size
   * @param fullPolicy what a full queue does with a new record
   */
  public record Options(long maxBytes, long segmentBytes, FullPolicy fullPolicy) {
    public Options {
      if (maxBytes <= 0 || segmentBytes <= 0) {
        throw new IllegalArgumentException("maxBytes and segmentBytes must be positive");
      }
    }

    /** Segments of an eighth of the bound, between 64 KiB and 64 MiB. */
    public static Options of(long maxBytes, FullPolicy fullPolicy) {
      return new Options(
          maxBytes, Math.clamp(maxBytes / 8, 64 * 1024, 64 * 1024 * 1024), fullPolicy);
    }
  }

  private final Path dir;
  private final Options options;

  /** Live (unacknowledged) records, oldest first. */
  private final TreeSet<Entry> live = new TreeSet<>();

  /** Segment number to its live record count. */
  private final TreeMap<Long, Integer> liveBySegment = new TreeMap<>();

  /** Segment number to its size in bytes. */
  private final TreeMap<Long, Long> segments = new TreeMap<>();

  private FileChannel writer;
  private long writerSegment;
  private FileChannel acks;
  private long liveBytes;
  private long dropped;
  private long refused;
  private long cutBytes;
  private boolean closed;
  private Path legacyHeadToDelete;

  private DurableQueue(Path dir, Options options) {
    this.dir = dir;
    this.options = options;
  }

  /** Opens (or creates) the queue in {@code dir}, cutting off a record torn by a crash. */
  public static DurableQueue open(Path dir, Options options) {
    var q = new DurableQueue(dir, options);
    try {
      Files.createDirectories(dir);
      q.recover();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open durable queue in " + dir, e);
    }
    return q;
  }

  /** {@link #open(Path, Options)} with {@link Options#of}. */
  public static DurableQueue open(Path dir, long maxBytes, FullPolicy fullPolicy) {
    return open(dir, Options.of(maxBytes, fullPolicy));
  }

  private void recover() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(SUFFIX)) {
          try {
            segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), 0L);
          } catch (NumberFormatException e) {
            log.warn("ignoring {} in durable queue {}", name, dir);
          }
        }
      }
    }
    var entries = new ArrayList<Entry>();
    for (long s : List.copyOf(segments.keySet())) {
      segments.put(s, scan(s, entries));
    }
    var acked = readAcks();
    readLegacyHead(entries);
    for (Entry e : entries) {
      if (!acked.contains(new Position(e.segment(), e.offset()))) {
        addLive(e);
      }
    }
    // Segments with nothing live were delivered; a crash may have left them behind.
    for (long s : List.copyOf(segments.keySet())) {
      if (!liveBySegment.containsKey(s) && s != segments.lastKey()) {
        deleteSegment(s);
      }
    }
    writerSegment = segments.isEmpty() ? 1 : segments.lastKey();
    openWriter();
    rewriteAcks();
    if (legacyHeadToDelete != null) {
      Files.delete(legacyHeadToDelete); // only now: the acks log says what it said
    }
    if (!live.isEmpty()) {
      log.info(
          "durable queue {} holds {} records ({} bytes) not yet acknowledged; replayed first",
          dir,
          live.size(),
          liveBytes);
    }
  }

  /** Adds every valid record of segment {@code s}; cuts the file after the last one. */
  private long scan(long s, List<Entry> out) throws IOException {
    try (var ch = FileChannel.open(segment(s), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      long pos = 0;
      while (pos < size) {
        byte[] payload = readRecord(ch, pos, size);
        if (payload == null) {
          log.warn(
              "durable queue segment {} ends in a torn record at byte {} of {}; cutting it off",
              segment(s),
              pos,
              size);
          cutBytes += size - pos;
          ch.truncate(pos);
          ch.force(true);
          break;
        }
        out.add(new Entry(s, pos, payload.length));
        pos += HEADER + payload.length;
      }
      return pos;
    }
  }

  /** Where an acknowledged record starts. */
  private record Position(long segment, long offset) {}

  private Set<Position> readAcks() throws IOException {
    var acked = new HashSet<Position>();
    Path p = dir.resolve(ACKS);
    if (!Files.exists(p)) {
      return acked;
    }
    var buf = ByteBuffer.wrap(Files.readAllBytes(p));
    while (buf.remaining() >= ACK_RECORD) {
      long seg = buf.getLong();
      long off = buf.getLong();
      if (buf.getInt() != ackCrc(seg, off)) {
        break; // torn by a crash: that acknowledgement was never confirmed to anyone
      }
      acked.add(new Position(seg, off));
    }
    return acked;
  }

  /**
   * The store buffer of kilowatch 0.1 kept a {@code head} file (segment and offset of the oldest
   * undelivered record) instead of an acks log: records before it were delivered.
   */
  private void readLegacyHead(List<Entry> entries) throws IOException {
    Path head = dir.resolve(LEGACY_HEAD);
    if (!Files.exists(head)) {
      return;
    }
    try {
      String[] parts = Files.readString(head, StandardCharsets.US_ASCII).strip().split(" ");
      var first = new Entry(Long.parseLong(parts[0]), Long.parseLong(parts[1]), 0);
      entries.removeIf(e -> e.compareTo(first) < 0);
    } catch (RuntimeException e) {
      // The old buffer never forced this file: after a crash it may be empty. Replaying from the
      // start delivers some batches twice, which stores absorb (same series and time replace).
      log.warn("ignoring unreadable {} ({}); replaying every record", head, e.toString());
    }
    legacyHeadToDelete = head;
  }

  private static int ackCrc(long segment, long offset) {
    var c = new CRC32C();
    c.update(ByteBuffer.allocate(16).putLong(segment).putLong(offset).flip());
    return (int) c.getValue();
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
    if (length <= 0 || pos + HEADER + length > size) {
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
        throw new IOException("unexpected end of queue segment");
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
      forceDirectory();
    }
  }

  /** A forced record is of no use in a file whose directory entry a power cut can lose. */
  private void forceDirectory() {
    try (var d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      log.debug("cannot force directory {} (not supported here): {}", dir, e.toString());
    }
  }

  private Path segment(long s) {
    return dir.resolve("%016d%s".formatted(s, SUFFIX));
  }

  /**
   * Appends a record and forces it to disk.
   *
   * @return where it was stored, or empty when the queue is full and refuses new records
   * @throws UncheckedIOException when the disk refuses the write; nothing was appended then
   */
  public synchronized Optional<Entry> append(byte[] payload) {
    ensureOpen();
    if (payload.length == 0) {
      // An all-zero header (what some filesystems leave after a power cut) must never read back
      // as a record, so a record is never empty.
      throw new IllegalArgumentException("a durable queue record cannot be empty");
    }
    long need = HEADER + (long) payload.length;
    if (liveBytes + need > options.maxBytes()) {
      if (options.fullPolicy() == FullPolicy.REJECT_NEW || need > options.maxBytes()) {
        refused++;
        if (Long.bitCount(refused) == 1) {
          log.error(
              "durable queue {} is full ({} of {} bytes): refused a record of {} bytes ({} so far)",
              dir,
              liveBytes,
              options.maxBytes(),
              need,
              refused);
        }
        return Optional.empty();
      }
      while (liveBytes + need > options.maxBytes() && !live.isEmpty()) {
        acknowledge(live.first());
        dropped++;
        if (Long.bitCount(dropped) == 1) {
          log.error(
              "durable queue {} is full ({} bytes): dropped the oldest record ({} so far)",
              dir,
              options.maxBytes(),
              dropped);
        }
      }
    }
    try {
      if (segments.get(writerSegment) >= options.segmentBytes()) {
        long old = writerSegment;
        writer.close();
        writerSegment++;
        openWriter();
        // Its last live record may have been acknowledged while it was still being written.
        if (!liveBySegment.containsKey(old)) {
          deleteSegment(old);
          rewriteAcks();
        }
      }
      var check = new CRC32C();
      check.update(payload);
      var buf = ByteBuffer.allocate(HEADER + payload.length);
      buf.putInt(payload.length).putInt((int) check.getValue()).put(payload).flip();
      long pos = segments.get(writerSegment);
      try {
        while (buf.hasRemaining()) {
          writer.write(buf);
        }
        writer.force(false);
      } catch (IOException e) {
        // Leave no partial record behind for the next append to follow.
        writer.truncate(pos);
        throw e;
      }
      segments.put(writerSegment, pos + buf.limit());
      var entry = new Entry(writerSegment, pos, payload.length);
      addLive(entry);
      return Optional.of(entry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to durable queue " + dir, e);
    }
  }

  /**
   * Appends {@code payload} as the successor of {@code old} and then acknowledges {@code old}: the
   * bound is checked as if {@code old} were already gone, so a record that is rewritten (a retry
   * with one more attempt) never fails for lack of the room it occupies itself. A crash between the
   * two leaves both copies; readers keep the later one.
   *
   * @return where the new copy was stored, or empty when even then it does not fit
   */
  public synchronized Optional<Entry> replace(Entry old, byte[] payload) {
    ensureOpen();
    Entry stored = live.ceiling(new Entry(old.segment(), old.offset(), 0));
    boolean present =
        stored != null && stored.segment() == old.segment() && stored.offset() == old.offset();
    long freed = present ? stored.bytes() : 0;
    if (liveBytes - freed + HEADER + (long) payload.length > options.maxBytes()
        && options.fullPolicy() == FullPolicy.REJECT_NEW) {
      refused++;
      return Optional.empty();
    }
    liveBytes -= freed; // let append see the room the old copy is about to give back
    Optional<Entry> added;
    try {
      added = append(payload);
    } finally {
      liveBytes += freed;
    }
    if (added.isPresent() && present) {
      acknowledge(stored);
    }
    return added;
  }

  private void addLive(Entry e) {
    live.add(e);
    liveBySegment.merge(e.segment(), 1, Integer::sum);
    liveBytes += e.bytes();
  }

  /** The oldest record not yet acknowledged. */
  public synchronized Optional<Entry> oldest() {
    return live.isEmpty() ? Optional.empty() : Optional.of(live.first());
  }

  /** Every record not yet acknowledged, oldest first. */
  public synchronized List<Entry> entries() {
    return List.copyOf(live);
  }

  /** The payload of a record not yet acknowledged. */
  public synchronized byte[] read(Entry e) {
    ensureOpen();
    if (!live.contains(e)) {
      throw new IllegalArgumentException("no such record in " + dir + ": " + e);
    }
    try (var ch = FileChannel.open(segment(e.segment()), StandardOpenOption.READ)) {
      byte[] payload = readRecord(ch, e.offset(), ch.size());
      if (payload == null) {
        throw new IOException("record " + e + " no longer passes its checksum");
      }
      return payload;
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot read durable queue " + dir, ex);
    }
  }

  /**
   * Marks a record as done with; it is not replayed after a restart. Acknowledging a record twice
   * is harmless.
   */
  public synchronized void acknowledge(Entry e) {
    ensureOpen();
    Entry stored = live.ceiling(new Entry(e.segment(), e.offset(), 0));
    if (stored == null || stored.segment() != e.segment() || stored.offset() != e.offset()) {
      return;
    }
    live.remove(stored);
    liveBytes -= stored.bytes();
    int left = liveBySegment.merge(e.segment(), -1, Integer::sum);
    try {
      if (left == 0) {
        liveBySegment.remove(e.segment());
      }
      if (left == 0 && e.segment() != writerSegment) {
        deleteSegment(e.segment());
        rewriteAcks();
      } else {
        var buf = ByteBuffer.allocate(ACK_RECORD);
        buf.putLong(e.segment()).putLong(e.offset()).putInt(ackCrc(e.segment(), e.offset()));
        buf.flip();
        while (buf.hasRemaining()) {
          acks.write(buf);
        }
        acks.force(false);
      }
      if (live.isEmpty() && segments.get(writerSegment) >= options.segmentBytes()) {
        // Everything delivered: start afresh rather than keep a full segment around.
        writer.close();
        deleteSegment(writerSegment);
        writerSegment++;
        openWriter();
        rewriteAcks();
      }
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot acknowledge in durable queue " + dir, ex);
    }
  }

  private void deleteSegment(long s) throws IOException {
    Files.deleteIfExists(segment(s));
    segments.remove(s);
    liveBySegment.remove(s);
  }

  /** The acks log holds only acknowledgements of records in segments still on disk. */
  private void rewriteAcks() throws IOException {
    if (acks != null) {
      acks.close();
    }
    Path tmp = dir.resolve(ACKS + ".tmp");
    try (var ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      for (long s : segments.keySet()) {
        for (long off : ackedOffsets(s)) {
          var buf = ByteBuffer.allocate(ACK_RECORD);
          buf.putLong(s).putLong(off).putInt(ackCrc(s, off)).flip();
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
        }
      }
      ch.force(true);
    }
    Files.move(
        tmp,
        dir.resolve(ACKS),
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    forceDirectory();
    acks = FileChannel.open(dir.resolve(ACKS), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  /** Offsets of the records of segment {@code s} that are on disk but no longer live. */
  private List<Long> ackedOffsets(long s) throws IOException {
    var out = new ArrayList<Long>();
    long size = segments.get(s);
    try (var ch = FileChannel.open(segment(s), StandardOpenOption.READ)) {
      long pos = 0;
      var header = ByteBuffer.allocate(HEADER);
      while (pos + HEADER <= size) {
        header.clear();
        readFully(ch, header, pos);
        int length = header.getInt(0);
        if (!live.contains(new Entry(s, pos, length))) {
          out.add(pos);
        }
        pos += HEADER + length;
      }
    }
    return out;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("durable queue " + dir + " is closed");
    }
  }

  public synchronized boolean isEmpty() {
    return live.isEmpty();
  }

  /** Records not yet acknowledged. */
  public synchronized int size() {
    return live.size();
  }

  /** Bytes of records not yet acknowledged, headers included. */
  public synchronized long bytes() {
    return liveBytes;
  }

  public long maxBytes() {
    return options.maxBytes();
  }

  public FullPolicy fullPolicy() {
    return options.fullPolicy();
  }

  /** Records dropped to make room since open ({@link FullPolicy#DROP_OLDEST}). */
  public synchronized long dropped() {
    return dropped;
  }

  /** Records refused since open because the queue was full. */
  public synchronized long refused() {
    return refused;
  }

  /** Bytes cut off at open because a crash had torn the record there. */
  public synchronized long cutBytes() {
    return cutBytes;
  }

  /** Segment files present, oldest first; for tests that check delivered ones are removed. */
  public synchronized List<Path> segmentFiles() {
    return segments.keySet().stream().map(this::segment).toList();
  }

  public Path directory() {
    return dir;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      writer.close();
      acks.close();
    } catch (IOException e) {
      log.warn("closing durable queue {}: {}", dir, e.toString());
    }
  }
}
