package io.kilowatch.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code app/jvm.options}, the argument file that {@code ./kilowatch} starts every process with: a
 * mistake in it would stop every command, the Quick start's included, before kilowatch's own code
 * runs.
 */
class JvmOptionsTest {
  private static final Path OPTIONS = Path.of("jvm.options");
  private static final Path LAUNCHER = Path.of("..", "kilowatch");

  @Test
  void theJavaLauncherTakesTheFileAndKilowatchRunsWithIt() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("@" + OPTIONS.toAbsolutePath());
    cmd.addAll(
        List.of(
            "-XX:+PrintFlagsFinal",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "validate",
            "--config",
            "../config/examples/site.yaml"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as(out).isEqualTo(Main.EXIT_OK);
    assertThat(out).contains("OK");
    // Set from the file, not left to the JVM's ergonomics (2 threads on 2 cores).
    assertThat(out)
        .containsPattern("uint G1ConcRefinementThreads\\s+= 0\\s+\\{product\\} \\{command line\\}");
    assertThat(out)
        .doesNotContain("WARNING: A restricted method")
        .doesNotContain("sun.misc.Unsafe");
  }

  @Test
  void anOptionOnTheCommandLineAfterTheFileOverridesIt() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                java,
                "@" + OPTIONS.toAbsolutePath(),
                "-XX:G1ConcRefinementThreads=1",
                "-XX:+PrintFlagsFinal",
                "-version")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).containsPattern("uint G1ConcRefinementThreads\\s+= 1\\s+");
  }

  @Test
  void theLauncherStartsJavaWithTheFile() throws IOException {
    String launcher = Files.readString(LAUNCHER);
    String exec =
        launcher
            .lines()
            .filter(l -> l.startsWith("exec "))
            .reduce((a, b) -> b)
            .orElseThrow(() -> new AssertionError("no exec line in " + LAUNCHER));
    assertThat(exec).contains("@\"$root/app/jvm.options\" -jar \"$jar\" \"$@\"");
  }
}
