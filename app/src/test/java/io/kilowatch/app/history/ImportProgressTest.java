package io.kilowatch.app.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the import shows on stderr, on a terminal and in a log, with a clock the test moves. */
class ImportProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong nanos = new AtomicLong();

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void onATerminalOneLineIsRedrawnAndMessagesClearItFirst() {
    var p = new ImportProgress(out, true, 4_000_000, 250_000_000L, nanos::get);

    p.update(1_000_000, 10); // too soon: nothing
    nanos.set(1_000_000_000L);
    p.update(2_000_000, 20_000);
    p.message("f.lp:3: bad");
    nanos.set(2_000_000_000L);
    p.finish(4_000_000, 40_000);

    assertThat(text())
        .isEqualTo(
            "\r[###############               ]  50% 2.0 MB/4.0 MB, 2.0 MB/s, 20,000 points written"
                + "\r"
                + " ".repeat(84)
                + "\r"
                + "f.lp:3: bad\n"
                + "\r[##############################] 100% 4.0 MB/4.0 MB, 2.0 MB/s, 40,000 points"
                + " written\n");
  }

  @Test
  void elsewhereAPlainLineEveryFewSeconds() {
    var p = new ImportProgress(out, false, 2_000, 5_000_000_000L, nanos::get);

    nanos.set(1_000_000_000L);
    p.update(100, 1);
    nanos.set(5_000_000_000L);
    p.update(1_000, 5);
    nanos.set(6_000_000_000L);
    p.update(1_500, 6);
    p.finish(2_000, 9);

    assertThat(text())
        .isEqualTo(
            "import:  50% 1.0 kB/2.0 kB, 0.2 kB/s, 5 points written\n"
                + "import: 100% 2.0 kB/2.0 kB, 0.3 kB/s, 9 points written\n");
  }
}
