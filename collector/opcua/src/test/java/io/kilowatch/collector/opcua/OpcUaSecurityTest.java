package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.opcua.OpcUaFakeSetup;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Security policies, modes, logins and certificate trust against a Milo server in the JVM. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpcUaSecurityTest {
  private static final String SUPPLY = "nsu=" + OpcUaFakeServer.DEMO_URI + ";s=cdu-1/SupplyTemp";

  @TempDir static Path tmp;
  private Path trustingPki;
  private X509Certificate userCert;
  private Path userCertFile;
  private Path userKeyFile;
  private OpcUaFakeServer server;
  private OpcUaCollector collector;

  @BeforeAll
  void start() throws Exception {
    KeyPair userKeys = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
    userCert =
        new SelfSignedCertificateBuilder(userKeys)
            .setCommonName("kilowatch operator")
            .setApplicationUri("urn:kilowatch:user")
            .build();
    userCertFile = tmp.resolve("user/cert.pem");
    userKeyFile = tmp.resolve("user/key.pem");
    PemFiles.writePrivateKey(userKeyFile, userKeys.getPrivate());
    PemFiles.writeCertificate(userCertFile, userCert);
    server =
        new OpcUaFakeServer(
            OpcUaFakeSetup.of(Map.of("cdu-1/SupplyTemp", new DataValue(new Variant(21.0))))
                .withAdvertisedHost(OpcUaFakeServer.UNRESOLVABLE_HOST)
                .withSecurity()
                .withUser("operator", "secret")
                .withUserCertificates(c -> c.equals(userCert)));
    trustingPki = tmp.resolve("pki-trusting");
    trust(trustingPki);
  }

  /** What an operator does: put the server's certificate into the trust list. */
  private void trust(Path pki) throws Exception {
    Path trusted = pki.resolve("trusted/certs");
    Files.createDirectories(trusted);
    Files.write(trusted.resolve("test-server.der"), server.certificate().getEncoded());
  }

  @AfterAll
  void stop() throws Exception {
    server.close();
  }

  @AfterEach
  void closeCollector() {
    if (collector != null) {
      collector.close();
    }
  }

  private OpcUaCollector collector(
      Source.SecurityPolicy policy,
      OpcUaOptions.SecurityMode mode,
      String user,
      String password,
      boolean x509,
      boolean trustOnFirstUse,
      Path pki,
      OpcUaOptions.Mode readMode) {
    var options =
        new OpcUaOptions(
            readMode,
            mode,
            Duration.ofMillis(50),
            10,
            OpcUaOptions.Timestamps.SOURCE,
            x509 ? userCertFile : null,
            x509 ? userKeyFile : null,
            trustOnFirstUse,
            pki);
    var profile =
        new Profile.OpcUa(
            "p", List.of(OpcUaCollectorTest.point("supply", SUPPLY, "supply_temp_c")));
    var source = new Source.OpcUa(URI.create(server.endpoint()), policy, user, password, options);
    Device device = TestSites.device("cdu-1", DeviceKind.CDU, Location.FACILITY, "p", source);
    collector =
        new OpcUaCollector(
            device,
            source,
            profile,
            TestSites.site(List.of(profile), List.of(device)),
            Clock.systemUTC());
    return collector;
  }

  static Stream<Arguments> policiesAndModes() {
    return Stream.of(
            Source.SecurityPolicy.BASIC256SHA256,
            Source.SecurityPolicy.AES128_SHA256_RSAOAEP,
            Source.SecurityPolicy.AES256_SHA256_RSAPSS)
        .flatMap(
            p ->
                Stream.of(
                    Arguments.of(p, OpcUaOptions.SecurityMode.SIGN),
                    Arguments.of(p, OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("policiesAndModes")
  void everySecurePolicyConnectsInEveryMode(
      Source.SecurityPolicy policy, OpcUaOptions.SecurityMode mode) throws Exception {
    var c = collector(policy, mode, null, null, false, false, trustingPki, OpcUaOptions.Mode.POLL);

    assertThat(Polls.fields(Polls.once(c), Quality.GOOD)).containsEntry("supply_temp_c", 21.0);
  }

  @Test
  void signAndEncryptWithUserNameSubscribes() throws Exception {
    var c =
        collector(
            Source.SecurityPolicy.BASIC256SHA256,
            OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT,
            "operator",
            "secret",
            false,
            false,
            trustingPki,
            OpcUaOptions.Mode.SUBSCRIBE);

    var samples = Polls.until(c, Duration.ofSeconds(10), s -> Polls.has(s, "supply_temp_c", 21.0));

    assertThat(Polls.values(samples, "supply_temp_c")).contains(21.0);
  }

  @Test
  void wrongPasswordFailsWithAClearMessage() throws Exception {
    var c =
        collector(
            Source.SecurityPolicy.BASIC256SHA256,
            OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT,
            "operator",
            "not-the-password",
            false,
            false,
            trustingPki,
            OpcUaOptions.Mode.POLL);

    assertThat(Polls.failure(c))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the server refused user 'operator'")
        .hasMessageContaining("check the username and password");
  }

  @Test
  void x509UserCertificateLogsIn() throws Exception {
    var c =
        collector(
            Source.SecurityPolicy.AES256_SHA256_RSAPSS,
            OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT,
            null,
            null,
            true,
            false,
            trustingPki,
            OpcUaOptions.Mode.POLL);

    assertThat(Polls.fields(Polls.once(c), Quality.GOOD)).containsEntry("supply_temp_c", 21.0);
  }

  @Test
  void untrustedServerCertificateFailsWithAClearMessageAndIsKeptForReview() throws Exception {
    Path pki = tmp.resolve("pki-untrusting");
    var c =
        collector(
            Source.SecurityPolicy.BASIC256SHA256,
            OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT,
            null,
            null,
            false,
            false,
            pki,
            OpcUaOptions.Mode.POLL);

    assertThat(Polls.failure(c))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("server certificate")
        .hasMessageContaining("is not trusted")
        .hasMessageContaining("trustOnFirstUse: true");
    try (var rejected = Files.list(pki.resolve("rejected"))) {
      assertThat(rejected).isNotEmpty();
    }
  }

  @Test
  void trustOnFirstUseTrustsAServerNeverSeenBeforeAndRemembersIt() throws Exception {
    Path pki = tmp.resolve("pki-tofu");
    var c =
        collector(
            Source.SecurityPolicy.BASIC256SHA256,
            OpcUaOptions.SecurityMode.SIGN,
            null,
            null,
            false,
            true,
            pki,
            OpcUaOptions.Mode.POLL);

    assertThat(Polls.fields(Polls.once(c), Quality.GOOD)).containsEntry("supply_temp_c", 21.0);
    try (var trusted = Files.list(pki.resolve("trusted/certs"))) {
      assertThat(trusted).hasSize(1);
    }
  }

  @Test
  void applicationCertificateIsCreatedOnceAndReusedAtTheNextStart() throws Exception {
    Path pki = tmp.resolve("pki-reuse");
    ClientPki first = ClientPki.load(pki);
    Path certFile = pki.resolve("own/certificate.pem");
    var written = Files.getLastModifiedTime(certFile);

    ClientPki second = ClientPki.load(pki);

    assertThat(second.certificate()).isEqualTo(first.certificate());
    assertThat(second.keyPair().getPrivate()).isEqualTo(first.keyPair().getPrivate());
    assertThat(Files.getLastModifiedTime(certFile)).isEqualTo(written);
    assertThat(first.applicationUri()).startsWith("urn:kilowatch:collector:");
  }
}
