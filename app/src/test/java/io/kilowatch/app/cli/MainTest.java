package io.kilowatch.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's contract: exit codes scripts can rely on and messages people can act on. */
class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  @Test
  void validateAcceptsTheShippedExample() {
    int code = Main.execute("validate", "--config", "../config/examples/site.yaml");
    assertThat(code).as(err.toString()).isEqualTo(Main.EXIT_OK);
    assertThat(out.toString()).contains("OK");
  }

  @Test
  void validateWarnsAboutRulesThatCannotWorkAsWrittenAndStillPasses(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("sharded.yaml");
    // The risk level is written every analytics.kpiInterval (5m by default): a 2m window misses
    // it; and shard 1/3 sees a third of the site, so it does not evaluate series rules.
    Files.writeString(
        file,
        """
        site: {name: x, timezone: UTC}
        collector: {shard: 1/3}
        alerts:
          rules:
            - {name: risk-critical, measurement: kpi, field: risk_level, reduce: last, window: 2m, threshold: 2.5}
        """);
    int code = Main.execute("validate", "--config", file.toString());
    assertThat(code).as(err.toString()).isEqualTo(Main.EXIT_OK);
    assertThat(out.toString())
        .contains(
            file
                + ": warning: alerts rule 'risk-critical': window 2m is shorter than 2 write"
                + " intervals of kpi.risk_level (5m, analytics.kpiInterval)")
        .contains("make the window at least 10m")
        .contains(
            file
                + ": warning: collector.shard 1/3: this instance polls part of the site, so it"
                + " does not evaluate the series rules risk-critical");
  }

  @Test
  void validateListsEveryProblemWithFileAndLineAndExitsThree(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad,
        """
        site:
          name: x
          timezone: UTC
          colour: blue
        devices:
          - id: m1
            kind: meter
            profile: nowhere
            source: {type: modbus, host: 127.0.0.1, port: 70000}
            interval: 0s
        """);
    int code = Main.execute("validate", "--config", bad.toString());
    assertThat(code).isEqualTo(Main.EXIT_BAD_CONFIG);
    String e = err.toString();
    assertThat(e).contains("bad.yaml:4: site.colour");
    assertThat(e).contains("bad.yaml:8: devices[0].profile");
    assertThat(e).contains("bad.yaml:9: devices[0].source.port");
    assertThat(e).contains("bad.yaml:10: devices[0].interval");
  }

  /**
   * Secrets, keys and tokens are checked before anything starts: validate and run refuse the same
   * file, each problem at its line, and never print the secret.
   */
  @Test
  void validateAndRunRefuseAWrongKeystorePasswordLiteralSecretsAndRepeatedTokens(@TempDir Path dir)
      throws Exception {
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    var p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "kw",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                dir.resolve("kw.p12").toString(),
                "-storepass",
                "the-real-password")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    String hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    Path bad = dir.resolve("bad.yaml");
    // HOME is set wherever the tests run, and is not the keystore's password.
    Files.writeString(
        bad,
        """
        site: {name: x}
        web:
          tls: {keystore: kw.p12, password: "${HOME}"}
          tokens:
            - {name: wall, sha256: "%s", role: viewer}
        alerts:
          receivers:
            - {name: hook, url: "https://hooks.example.net/kw", secret: "in-the-repo"}
          apiTokens:
            - {name: ops, sha256: "%s", role: admin}
        """
            .formatted(hash, hash));
    for (String command : new String[] {"validate", "run"}) {
      err.reset();
      assertThat(Main.execute(command, "--config", bad.toString()))
          .as(command)
          .isEqualTo(Main.EXIT_BAD_CONFIG);
      assertThat(err.toString())
          .as(command)
          .contains("bad.yaml:3: web.tls.password: does not open the PKCS#12 keystore")
          .contains("bad.yaml:8: alerts.receivers[0].secret: write the secret as ${VARIABLE}")
          .contains("bad.yaml:10: alerts.apiTokens[0].sha256: token 'ops' has the same sha256")
          .doesNotContain("in-the-repo")
          .doesNotContain("the-real-password");
    }
  }

  @Test
  void validateOfAMissingFileSaysSo() {
    int code = Main.execute("validate", "--config", "/nonexistent/site.yaml");
    assertThat(code).isEqualTo(Main.EXIT_BAD_CONFIG);
    assertThat(err.toString()).contains("/nonexistent/site.yaml");
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertThat(Main.execute("validate", "--frobnicate")).isEqualTo(Main.EXIT_USAGE);
    assertThat(Main.execute()).isEqualTo(Main.EXIT_USAGE);
  }

  @Test
  void versionAndHelpExitZero() {
    assertThat(Main.execute("--version")).isZero();
    assertThat(out.toString()).contains("kilowatch");
    assertThat(Main.execute("--help")).isZero();
    assertThat(out.toString()).contains("demo", "run", "validate", "import");
  }

  @Test
  void runRejectsAShardThatIsNotIOfNAsAUsageError() {
    int code = Main.execute("run", "--config", "../config/examples/site.yaml", "--shard", "3/3");
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString()).contains("--shard: shard must be i/n");
  }

  /** Help is never a usage error, even for a command whose options are required. */
  @Test
  void everyCommandsHelpExitsZero() {
    for (String command : new String[] {"run", "validate", "demo", "report", "import", "agent"}) {
      for (String flag : new String[] {"--help", "-h"}) {
        out.reset();
        err.reset();
        assertThat(Main.execute(command, flag)).as(command + " " + flag + ": " + err).isZero();
        assertThat(out.toString()).as(command + " " + flag).contains("Usage: kilowatch " + command);
        assertThat(err.toString()).as(command + " " + flag).isEmpty();
      }
    }
  }
}
