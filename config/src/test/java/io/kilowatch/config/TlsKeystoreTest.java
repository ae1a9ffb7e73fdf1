package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keystore is opened while the config loads, as the server will open it, so {@code validate}
 * and start-up both name a wrong password at its file:line instead of failing when the port opens.
 */
class TlsKeystoreTest {
  static final String PASSWORD = "right-horse-battery";
  static final String YAML =
      """
      site: {name: S}
      web:
        tls:
          keystore: kilowatch.p12
          password: "${KW_TLS_PASSWORD}"
      """;

  @TempDir static Path dir;

  @BeforeAll
  static void keystore() throws Exception {
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    var p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "kilowatch",
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
                dir.resolve("kilowatch.p12").toString(),
                "-storepass",
                PASSWORD)
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
  }

  private static SiteConfig parse(String yaml, String password) throws ConfigException {
    return ConfigLoader.parse(yaml, "site.yaml", dir, Map.of("KW_TLS_PASSWORD", password));
  }

  @Test
  void aKeystoreThatOpensWithTheConfiguredPasswordIsAccepted() throws ConfigException {
    assertThat(parse(YAML, PASSWORD).web().tls().keystore())
        .isEqualTo(dir.resolve("kilowatch.p12"));
  }

  @Test
  void aWrongKeystorePasswordIsReportedAtThePasswordWithoutShowingIt() {
    var e = catchThrowableOfType(ConfigException.class, () -> parse(YAML, "wrong-guess"));

    assertThat(e.problems()).hasSize(1);
    assertThat(e.problems().get(0).toString())
        .startsWith("site.yaml:5: web.tls.password: does not open the PKCS#12 keystore")
        .contains("wrong password")
        .doesNotContain("wrong-guess")
        .doesNotContain(PASSWORD);
  }

  @Test
  void aFileThatIsNoKeystoreIsReportedAtTheKeystore() throws Exception {
    Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nnot a keystore\n");
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () -> parse(YAML.replace("kilowatch.p12", "cert.pem"), PASSWORD));

    assertThat(e.problems()).hasSize(1);
    assertThat(e.problems().get(0).toString())
        .startsWith("site.yaml:4: web.tls.keystore: cannot open")
        .doesNotContain(PASSWORD);
  }
}
