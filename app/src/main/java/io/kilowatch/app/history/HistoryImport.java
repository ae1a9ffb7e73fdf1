package io.kilowatch.app.history;

import io.kilowatch.collector.lineprotocol.LineProtocolException;
import io.kilowatch.collector.lineprotocol.LineProtocolParser;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.collector.lineprotocol.PushMapping;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SortedMap;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Loads history files into a store through the same {@link PushMapping} as the ingest endpoints, so
 * an imported line lands in the series the same line pushed live would. Files are read as streams
 * (any size), gzip when they start with its magic bytes or end in {@code .gz}; line protocol or CSV
 * by {@link Format}. Samples are written in batches through {@link Store#write}, durable when it
 * returns. A store replaces a point of the same series and time, so importing a file again changes
 * nothing. A bad line is reported with its file, line and reason and the others are imported.
 */
public final class HistoryImport {

  /** How to read a file. */
  public enum Format {
    /** {@code .csv[.gz]} is CSV; otherwise CSV when the first line is its header, else lp. */
    AUTO,
    /** InfluxDB line protocol. */
    LP,
    /** {@code time,measurement,field,value[,tag...]} (see {@link CsvRows}). */
    CSV
  }

  /** A line (or a whole file, at the line where reading stopped) that was not imported. */
  public record Problem(Path file, int line, String reason) {
    @Override
    public String toString() {
      return file + ":" + line + ": " + reason;
    }
  }

  /** A line stored that no configured device claimed. */
  public record Unmatched(Path file, int line, String measurement, SortedMap<String, String> tags) {
    @Override
    public String toString() {
      return file + ":" + line + ": " + measurement + " " + tags;
    }
  }

  /** What an import did. */
  public record Summary(
      int files,
      long lines,
      long points,
      long bad,
      long unmatched,
      List<Unmatched> unmatchedExamples,
      long pointsBefore) {}

  /** Unmatched lines kept as examples for the summary. */
  public static final int MAX_UNMATCHED_EXAMPLES = 5;

  /** The time given to a line without one, to recognise it: no precision can produce it. */
  private static final Instant NO_TIME = Instant.MIN;

  private static final int GZIP_MAGIC = 0x8b1f;

  private final PushMapping mapping;
  private final Store store;
  private final Precision precision;
  private final Format format;
  private final int batchPoints;
  private final Instant oldBefore;

  private final List<Sample> batch = new ArrayList<>();
  private final List<Unmatched> examples = new ArrayList<>();
  private int pending;
  private long lines;
  private long points;
  private long bad;
  private long unmatched;
  private long pointsBefore;

  /**
   * @param batchPoints field values per {@link Store#write}
   * @param oldBefore points before this instant are counted in {@link Summary#pointsBefore()}
   *     (null: none counted)
   */
  public HistoryImport(
      PushMapping mapping,
      Store store,
      Precision precision,
      Format format,
      int batchPoints,
      Instant oldBefore) {
    this.mapping = Objects.requireNonNull(mapping, "mapping");
    this.store = Objects.requireNonNull(store, "store");
    this.precision = Objects.requireNonNull(precision, "precision");
    this.format = Objects.requireNonNull(format, "format");
    if (batchPoints < 1) {
      throw new IllegalArgumentException("batchPoints must be positive");
    }
    this.batchPoints = batchPoints;
    this.oldBefore = oldBefore;
  }

  /**
   * Imports the files in order.
   *
   * @param problems told of every bad line and unreadable file as it is found
   */
  public Summary run(List<Path> files, ImportProgress progress, Consumer<Problem> problems) {
    long done = 0;
    for (Path file : files) {
      long size = sizeOf(file);
      try (var counting = new Counting(Files.newInputStream(file))) {
        importFile(file, counting, done, progress, problems);
      } catch (IOException e) {
        bad++;
        problems.accept(new Problem(file, 0, "cannot read: " + e));
      }
      done += size;
      progress.update(done, points);
    }
    flush();
    progress.finish(done, points);
    return new Summary(
        files.size(), lines, points, bad, unmatched, List.copyOf(examples), pointsBefore);
  }

  /** Sizes for the progress bar's total; an unreadable file counts 0 and is reported later. */
  public static long totalSize(List<Path> files) {
    long total = 0;
    for (Path f : files) {
      total += sizeOf(f);
    }
    return total;
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private void importFile(
      Path file, Counting counting, long done, ImportProgress progress, Consumer<Problem> problems)
      throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    var buffered = new BufferedInputStream(counting, 1 << 16);
    buffered.mark(2);
    int magic = buffered.read() | buffered.read() << 8;
    buffered.reset();
    InputStream in =
        magic == GZIP_MAGIC || name.endsWith(".gz")
            ? new GZIPInputStream(buffered, 1 << 16)
            : buffered;
    String base = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    Format f = format != Format.AUTO ? format : base.endsWith(".csv") ? Format.CSV : null;
    var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    CsvRows csv = null;
    int n = 0;
    String line;
    while (true) {
      try {
        line = reader.readLine();
      } catch (IOException e) {
        // A truncated gzip file, a disk error: what was read so far is imported.
        bad++;
        problems.accept(new Problem(file, n + 1, "cannot read further: " + e.getMessage()));
        return;
      }
      if (line == null) {
        return;
      }
      n++;
      if (n == 1 && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      if (line.isBlank()) {
        continue;
      }
      if (f == null) {
        f = CsvRows.looksLikeHeader(line) ? Format.CSV : Format.LP;
      }
      Sample sample;
      if (f == Format.CSV) {
        try {
          if (csv == null) {
            csv = CsvRows.header(line);
            continue;
          }
          sample = csv.row(line);
        } catch (CsvRows.BadRow e) {
          bad++;
          problems.accept(new Problem(file, n, e.getMessage()));
          if (csv == null) {
            return; // without a header no row can be read
          }
          continue;
        }
      } else {
        if (LineProtocolParser.isSkipped(line)) {
          continue;
        }
        try {
          sample = LineProtocolParser.parseLine(line, precision, NO_TIME);
        } catch (LineProtocolException e) {
          bad++;
          problems.accept(new Problem(file, n, e.getMessage()));
          continue;
        }
        if (sample.time().equals(NO_TIME)) {
          bad++;
          problems.accept(
              new Problem(file, n, "no timestamp: history needs the time of every line"));
          continue;
        }
      }
      add(file, n, sample);
      progress.update(done + counting.count, points);
    }
  }

  private void add(Path file, int line, Sample sample) {
    lines++;
    var mapped = mapping.map(sample);
    if (!mapped.matched()) {
      unmatched++;
      if (examples.size() < MAX_UNMATCHED_EXAMPLES) {
        examples.add(new Unmatched(file, line, sample.measurement(), sample.tags()));
      }
    }
    for (Sample s : mapped.samples()) {
      batch.add(s);
      pending += s.fields().size();
      if (oldBefore != null && s.time().isBefore(oldBefore)) {
        pointsBefore += s.fields().size();
      }
    }
    if (pending >= batchPoints) {
      flush();
    }
  }

  private void flush() {
    if (batch.isEmpty()) {
      return;
    }
    store.write(List.copyOf(batch));
    points += pending;
    batch.clear();
    pending = 0;
  }

  /** Counts the bytes read from the file (before decompression), for the progress bar. */
  private static final class Counting extends FilterInputStream {
    long count;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int r = super.read(b, off, len);
      if (r > 0) {
        count += r;
      }
      return r;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      count += s;
      return s;
    }
  }
}
