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
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code app/jvm.options}, the argument file that {@code ./kilowatch} starts every process with: a
 * mistake in it would stop every command, the Quick start's included, before kilowatch's own code
 * runs.
 */
class JvmOptionsTest {
  private static final Path OPTIONS = Path.of("jvm.options");
  private static final Path LAUNCHER = Path.of("..", "kilowatch");
  private static final String RESTRICTED = "WARNING: A restricted method";
  private static final String UNSAFE = "WARNING: A terminally deprecated method in sun.misc.Unsafe";

  @TempDir Path dir;

  private record Run(int exit, String output) {}

  /** java with the given arguments, output to a file, killed if it is not done in 60 s. */
  private Run java(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "java", ".out");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("still running after 60 s: " + cmd);
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }

  private static String options() {
    return "@" + OPTIONS.toAbsolutePath();
  }

  @Test
  void kilowatchRunsWithTheFileAndTheFlagComesFromIt() throws Exception {
    Run run =
        java(
            options(),
            "-XX:+PrintFlagsFinal",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "validate",
            "--config",
            "../config/examples/site.yaml");

    assertThat(run.exit()).as(run.output()).isEqualTo(Main.EXIT_OK);
    assertThat(run.output()).contains("OK");
    // Set from the file, not left to the JVM's ergonomics (2 threads on 2 cores).
    assertThat(run.output())
        .containsPattern("uint G1ConcRefinementThreads\\s+= 0\\s+\\{product\\} \\{command line\\}");
  }

  @Test
  void theFileAllowsNativeAndUnsafeAccessThatTheJdkOtherwiseWarnsAbout() throws Exception {
    String cp = System.getProperty("java.class.path");
    Run without = java("-cp", cp, RestrictedCalls.class.getName());
    Run with = java(options(), "-cp", cp, RestrictedCalls.class.getName());

    // Without the file the same calls draw both warnings: the check below can fail.
    assertThat(without.exit()).as(without.output()).isZero();
    assertThat(without.output()).contains(RESTRICTED).contains(UNSAFE);
    assertThat(with.exit()).as(with.output()).isZero();
    assertThat(with.output()).contains(" true").doesNotContain(RESTRICTED).doesNotContain(UNSAFE);
  }

  @Test
  void anOptionOnTheCommandLineAfterTheFileOverridesIt() throws Exception {
    Run run = java(options(), "-XX:G1ConcRefinementThreads=1", "-XX:+PrintFlagsFinal", "-version");
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).containsPattern("uint G1ConcRefinementThreads\\s+= 1\\s+");
  }

  @Test
  void theLauncherStartsJavaWithTheFile() throws IOException {
    String exec =
        Files.readString(LAUNCHER)
            .lines()
            .filter(l -> l.startsWith("exec "))
            .reduce((a, b) -> b)
            .orElseThrow(() -> new AssertionError("no exec line in " + LAUNCHER));
    assertThat(exec).contains("@\"$root/app/jvm.options\" -jar \"$jar\" \"$@\"");
  }
}
