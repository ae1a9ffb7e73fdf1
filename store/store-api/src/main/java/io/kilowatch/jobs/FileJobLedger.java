package io.kilowatch.jobs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JobLedger} in one append-only file, {@code <dir>/jobs.ledger}: one line per record,
 * fields tab-separated and percent-escaped, ending in a CRC-32C of the line. {@link #record}
 * appends, then forces the file to disk before it returns, so an acknowledged record survives a
 * crash or power loss. A later line with the same id replaces an earlier one.
 *
 * <p>A crash mid-append leaves at most a torn last line (no newline, or a checksum that does not
 * match); opening drops it and truncates the file to the last whole line, so the next append does
 * not run on from the fragment. Opening also rewrites the file without its replaced lines when they
 * are as many as the live ones (a job seen running and then ended leaves one), via a temporary file
 * renamed over the old one.
 *
 * <p>Memory: only an index is kept, per job its id, start, end and where its line is (about 150
 * bytes); {@link #overlapping} reads the matching lines back from the file. At 100,000 jobs a month
 * that is ~15 MB of heap per month of history, ~180 MB for a year; the records themselves (~0.3-1
 * KB each with their GPU holds) stay on disk. A query scans the index (a few milliseconds at a
 * million jobs) and reads only the lines it returns.
 */
public final class FileJobLedger implements JobLedger {
  private static final Logger log = LoggerFactory.getLogger(FileJobLedger.class);

  /** The file's name inside the directory given to {@link #open}. */
  public static final String FILE = "jobs.ledger";

  private static final String VERSION = "j1";
  private static final long OPEN = Long.MAX_VALUE;

  /** Where a record's line lies, and the interval it covers, so queries need not decode it. */
  private record Entry(long startNanos, long endNanos, long offset, int length) {}

  private final Path dir;
  private final Path file;
  private final Map<String, Entry> index = new HashMap<>();
  private FileChannel channel;
  private long size;
  private long replaced;

  private FileJobLedger(Path dir) {
    this.dir = dir;
    this.file = dir.resolve(FILE);
  }

  /**
   * Opens the ledger in {@code dir} (created if missing), reading back what an earlier run
   * recorded.
   */
  public static FileJobLedger open(Path dir) throws IOException {
    var ledger = new FileJobLedger(dir);
    ledger.load();
    return ledger;
  }

  /** The file the records are kept in. */
  public Path file() {
    return file;
  }

  /** Number of distinct jobs held. */
  public synchronized int size() {
    return index.size();
  }

  private void load() throws IOException {
    Files.createDirectories(dir);
    boolean created = !Files.exists(file);
    channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    if (created) {
      forceDirectory();
    }
    long length = channel.size();
    long good = 0;
    long lines = 0;
    var bytes = new java.io.BufferedInputStream(java.nio.channels.Channels.newInputStream(channel));
    channel.position(0);
    var line = new java.io.ByteArrayOutputStream(512);
    long offset = 0;
    int b;
    while ((b = bytes.read()) >= 0) {
      if (b != '\n') {
        line.write(b);
        continue;
      }
      int len = line.size() + 1;
      JobRecord job = decode(line.toString(StandardCharsets.UTF_8));
      if (job == null) {
        // Only a crash mid-append can tear a line, and that is the last one; a bad line inside the
        // file is damage from elsewhere, so it is skipped rather than the rest thrown away.
        log.warn("{}: skipping a damaged line at byte {}", file, offset);
      } else {
        put(job, offset, len);
        lines++;
      }
      offset += len;
      good = offset;
      line.reset();
    }
    if (good < length) {
      log.warn(
          "{}: dropping {} bytes of a torn last line (a crash while it was written)",
          file,
          length - good);
      channel.truncate(good);
      channel.force(true);
    }
    size = good;
    replaced = lines - index.size();
    if (replaced > 0 && replaced >= index.size()) {
      compact();
    }
    channel.position(size);
  }

  private void put(JobRecord job, long offset, int length) {
    long start = nanos(job.start());
    long end = job.end() == null ? OPEN : nanos(job.end());
    index.put(job.id(), new Entry(start, end, offset, length));
  }

  @Override
  public synchronized void record(Collection<JobRecord> jobs) throws IOException {
    ensureOpen();
    if (jobs.isEmpty()) {
      return;
    }
    // Last one wins within a batch as well as across batches.
    Map<String, JobRecord> byId = new LinkedHashMap<>();
    for (JobRecord job : jobs) {
      byId.put(job.id(), job);
    }
    var out = new java.io.ByteArrayOutputStream(byId.size() * 256);
    List<long[]> spans = new ArrayList<>(byId.size());
    for (JobRecord job : byId.values()) {
      byte[] line = encode(job).getBytes(StandardCharsets.UTF_8);
      spans.add(new long[] {size + out.size(), line.length});
      out.write(line);
    }
    ByteBuffer buffer = ByteBuffer.wrap(out.toByteArray());
    long at = size;
    try {
      while (buffer.hasRemaining()) {
        at += channel.write(buffer, at);
      }
      channel.force(false);
    } catch (IOException e) {
      // A partial append is cut off again so the file never holds a fragment mid-way.
      try {
        channel.truncate(size);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    size = at;
    int i = 0;
    for (JobRecord job : byId.values()) {
      long[] span = spans.get(i++);
      if (index.containsKey(job.id())) {
        replaced++;
      }
      put(job, span[0], (int) span[1]);
    }
  }

  @Override
  public synchronized List<JobRecord> overlapping(Instant from, Instant to) {
    ensureOpenUnchecked();
    long f = nanos(from);
    long t = nanos(to);
    List<Entry> hits = new ArrayList<>();
    for (Entry e : index.values()) {
      if (e.startNanos < t && e.endNanos > f) {
        hits.add(e);
      }
    }
    hits.sort(Comparator.comparingLong(Entry::offset));
    List<JobRecord> jobs = new ArrayList<>(hits.size());
    for (Entry e : hits) {
      jobs.add(read(e));
    }
    jobs.sort(Comparator.comparing(JobRecord::start).thenComparing(JobRecord::id));
    return jobs;
  }

  private JobRecord read(Entry e) {
    ByteBuffer buffer = ByteBuffer.allocate(e.length);
    try {
      long at = e.offset;
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, at);
        if (n < 0) {
          throw new IOException("file ends inside a record at byte " + e.offset);
        }
        at += n;
      }
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException(file + ": cannot read back a record", ex);
    }
    String line = new String(buffer.array(), 0, e.length - 1, StandardCharsets.UTF_8);
    JobRecord job = decode(line);
    if (job == null) {
      throw new IllegalStateException(file + ": record at byte " + e.offset + " is damaged");
    }
    return job;
  }

  /** Rewrites the file with only the live records (each id's latest line), then swaps it in. */
  private void compact() throws IOException {
    Path tmp = dir.resolve(FILE + ".tmp");
    List<Map.Entry<String, Entry>> live = new ArrayList<>(index.entrySet());
    live.sort(Comparator.comparingLong(en -> en.getValue().offset));
    Map<String, Entry> moved = new HashMap<>();
    long at = 0;
    try (FileChannel out =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      for (Map.Entry<String, Entry> en : live) {
        Entry e = en.getValue();
        ByteBuffer buffer = ByteBuffer.allocate(e.length);
        long from = e.offset;
        while (buffer.hasRemaining()) {
          from += channel.read(buffer, from);
        }
        buffer.flip();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        moved.put(en.getKey(), new Entry(e.startNanos, e.endNanos, at, e.length));
        at += e.length;
      }
      out.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    forceDirectory();
    log.info("{}: compacted, {} replaced lines dropped", file, replaced);
    channel.close();
    channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    index.clear();
    index.putAll(moved);
    size = at;
    replaced = 0;
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory for sync; the file's own force still holds.
      log.debug("{}: directory not synced: {}", dir, e.toString());
    }
  }

  private void ensureOpen() throws IOException {
    if (channel == null) {
      throw new IOException(file + " is closed");
    }
  }

  private void ensureOpenUnchecked() {
    if (channel == null) {
      throw new IllegalStateException(file + " is closed");
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  // ---- line format ----
  // j1 TAB id TAB origin TAB cluster TAB name TAB user TAB account TAB partition TAB start TAB end
  //    TAB holds TAB crc32c-hex LF
  // Instants are ISO-8601 (Instant.toString, nanosecond exact), an open end is "-"; holds are
  // device,gpu,from,to joined by ';'. Text fields escape % TAB LF CR , ; as %XX.

  static String encode(JobRecord job) {
    var s = new StringBuilder(256);
    s.append(VERSION);
    field(s, job.id());
    field(s, job.origin().name());
    field(s, job.cluster());
    field(s, job.name());
    field(s, job.user());
    field(s, job.account());
    field(s, job.partition());
    field(s, job.start().toString());
    field(s, job.end() == null ? "-" : job.end().toString());
    s.append('\t');
    for (int i = 0; i < job.gpus().size(); i++) {
      GpuHold h = job.gpus().get(i);
      if (i > 0) {
        s.append(';');
      }
      s.append(escape(h.device()))
          .append(',')
          .append(escape(h.gpu()))
          .append(',')
          .append(h.from())
          .append(',')
          .append(h.to() == null ? "-" : h.to().toString());
    }
    String body = s.toString();
    return body + '\t' + crc(body) + '\n';
  }

  /** The record a line holds, or null when the line is damaged (checksum, shape or values). */
  static JobRecord decode(String line) {
    int tab = line.lastIndexOf('\t');
    if (tab < 0 || !line.startsWith(VERSION + "\t")) {
      return null;
    }
    String body = line.substring(0, tab);
    if (!crc(body).equals(line.substring(tab + 1))) {
      return null;
    }
    String[] f = body.split("\t", -1);
    if (f.length != 11) {
      return null;
    }
    try {
      List<GpuHold> holds = new ArrayList<>();
      if (!f[10].isEmpty()) {
        for (String h : f[10].split(";", -1)) {
          String[] p = h.split(",", -1);
          holds.add(
              new GpuHold(unescape(p[0]), unescape(p[1]), Instant.parse(p[2]), instant(p[3])));
        }
      }
      return new JobRecord(
          unescape(f[1]),
          JobOrigin.valueOf(f[2]),
          unescape(f[3]),
          unescape(f[4]),
          unescape(f[5]),
          unescape(f[6]),
          unescape(f[7]),
          Instant.parse(f[8]),
          instant(f[9]),
          holds);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Instant instant(String s) {
    return s.equals("-") ? null : Instant.parse(s);
  }

  private static void field(StringBuilder s, String value) {
    s.append('\t').append(escape(value));
  }

  private static String escape(String v) {
    var s = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '%', '\t', '\n', '\r', ',', ';' -> s.append('%').append("%02X".formatted((int) c));
        default -> s.append(c);
      }
    }
    return s.toString();
  }

  private static String unescape(String v) {
    if (v.indexOf('%') < 0) {
      return v;
    }
    var s = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '%') {
        s.append((char) Integer.parseInt(v.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }

  private static String crc(String body) {
    var crc = new CRC32C();
    crc.update(body.getBytes(StandardCharsets.UTF_8));
    return "%08x".formatted(crc.getValue());
  }

  private static long nanos(Instant t) {
    // Saturates far outside the years a job can run in, so comparisons stay plain longs.
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    } catch (ArithmeticException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE + 1 : OPEN - 1;
    }
  }
}
