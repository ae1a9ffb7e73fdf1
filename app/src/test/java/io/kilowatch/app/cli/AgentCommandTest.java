package io.kilowatch.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent's command line: mistakes are usage errors (exit 2) with a message. */
class AgentCommandTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(oldErr);
  }

  @Test
  void theAgentNeedsExactlyOneTarget() {
    assertThat(Main.execute("agent")).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--target", "--influxdb");

    assertThat(Main.execute("agent", "--target", "http://a:8080", "--influxdb", "http://b:8086"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("mutually exclusive");
  }

  @Test
  void aBadIntervalIsAUsageError() {
    assertThat(Main.execute("agent", "--target", "http://a:8080", "--interval", "often"))
        .isEqualTo(Main.EXIT_USAGE);
  }

  @Test
  void helpListsTheAgentsOptions() {
    var out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertThat(Main.execute("agent", "--help")).isZero();
    } finally {
      System.setOut(old);
    }
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("--nvml-library", "--data-dir", "--token-env", "--buffer-max-mib");
  }
}
