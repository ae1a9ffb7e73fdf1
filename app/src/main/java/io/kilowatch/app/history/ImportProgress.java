package io.kilowatch.app.history;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The import's progress on stderr: bytes read of the total, the rate and the points written. On a
 * terminal one line redrawn with {@code \r} a few times a second; otherwise (a log, a pipe) a plain
 * line every few seconds. Messages printed in between (bad lines) clear the bar first.
 */
public final class ImportProgress {
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final boolean terminal;
  private final long everyNanos;
  private final LongSupplier nanoTime;
  private final long total;
  private final long start;
  private long lastShown;
  private boolean barShown;
  private int barLength;

  /**
   * @param total bytes of all files on disk (compressed where they are)
   * @param terminal redraw one line; otherwise print a line every {@code everyNanos}
   */
  public ImportProgress(
      PrintStream out, boolean terminal, long total, long everyNanos, LongSupplier nanoTime) {
    this.out = out;
    this.terminal = terminal;
    this.total = total;
    this.everyNanos = everyNanos;
    this.nanoTime = nanoTime;
    this.start = nanoTime.getAsLong();
    this.lastShown = start;
  }

  /** For the command line: a bar on a terminal 4 times a second, else a line every 5 s. */
  public static ImportProgress forStderr(long total) {
    boolean terminal = System.console() != null && System.console().isTerminal();
    return new ImportProgress(
        System.err, terminal, total, terminal ? 250_000_000L : 5_000_000_000L, System::nanoTime);
  }

  /** Called often; shows progress when its interval has passed. */
  public void update(long bytes, long points) {
    long now = nanoTime.getAsLong();
    if (now - lastShown >= everyNanos) {
      lastShown = now;
      show(bytes, points, now);
    }
  }

  /** The final figures, always shown, and the end of the bar's line. */
  public void finish(long bytes, long points) {
    show(bytes, points, nanoTime.getAsLong());
    if (terminal && barShown) {
      out.println();
      barShown = false;
    }
    out.flush();
  }

  /**
   * A message on a line of its own, the bar (if any) cleared first and redrawn by the next update.
   */
  public void message(String text) {
    if (terminal && barShown) {
      out.print("\r" + " ".repeat(barLength) + "\r");
      barShown = false;
    }
    out.println(text);
  }

  private void show(long bytes, long points, long now) {
    double seconds = Math.max(1e-9, (now - start) / 1e9);
    double pct = total <= 0 ? 100 : Math.min(100, 100.0 * bytes / total);
    String figures =
        String.format(
            Locale.ROOT,
            "%3.0f%% %s/%s, %s/s, %,d points written",
            pct,
            mb(bytes),
            mb(total),
            mb((long) (bytes / seconds)),
            points);
    if (terminal) {
      int filled = (int) Math.round(pct / 100 * WIDTH);
      String line = "\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + figures;
      // Pad over a longer previous line (the \r takes no column).
      int length = line.length() - 1;
      out.print(line + " ".repeat(Math.max(0, barLength - length)));
      barLength = length;
      barShown = true;
      out.flush();
    } else {
      out.println("import: " + figures);
    }
  }

  /** Bytes in kB below a megabyte, else in MB. */
  static String mb(long bytes) {
    return bytes < 1_000_000
        ? String.format(Locale.ROOT, "%.1f kB", bytes / 1e3)
        : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
