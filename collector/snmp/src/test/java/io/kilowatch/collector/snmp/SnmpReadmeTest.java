package io.kilowatch.collector.snmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.config.ConfigException;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.testkit.RepoRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The package README's configuration example is a working configuration. */
class SnmpReadmeTest {
  static final Map<String, String> ENV =
      Map.of("SNMP_AUTH_KEY", "a-key", "SNMP_PRIV_KEY", "p-key", "SNMP_COMMUNITY", "c");

  static String example() throws Exception {
    Path readme =
        RepoRoot.resolve("collector/snmp/src/main/java/io/kilowatch/collector/snmp/README.md");
    String text = Files.readString(readme);
    int start = text.indexOf("```yaml\n");
    int end = text.indexOf("```", start + 7);
    assertThat(start).isNotNegative();
    return text.substring(start + 8, end);
  }

  static Path base() {
    return RepoRoot.resolve("config/profiles").getParent();
  }

  @Test
  void readmeExampleLoadsAndEveryDeviceGetsACollector() throws Exception {
    SiteConfig site = ConfigLoader.parse(example(), "README.md", base(), ENV);
    assertThat(site.allDevices().map(Device::id))
        .containsExactlyInAnyOrder("c1-r1-pdu-a", "ups-1", "pdu-legacy");
    var pdu = (Source.Snmp) site.device("c1-r1-pdu-a").orElseThrow().source();
    assertThat(pdu.version()).isEqualTo(Source.SnmpVersion.V3);
    assertThat(pdu.authProtocol()).isEqualTo(Source.SnmpAuth.SHA_256);
    assertThat(pdu.privProtocol()).isEqualTo(Source.SnmpPriv.AES_128);
    assertThat(pdu.authKey()).isEqualTo("a-key");
    assertThat(pdu.toString()).doesNotContain("a-key").doesNotContain("p-key");
    var ups = (Source.Snmp) site.device("ups-1").orElseThrow().source();
    assertThat(ups.port()).isEqualTo(161);
    assertThat(ups.privProtocol()).isEqualTo(Source.SnmpPriv.AES_256);
    assertThat(ups.engineId()).isEqualTo("80001f8804757073312d6d61696e");
    var legacy = (Source.Snmp) site.device("pdu-legacy").orElseThrow().source();
    assertThat(legacy)
        .extracting(
            Source.Snmp::port,
            Source.Snmp::community,
            Source.Snmp::maxRepetitions,
            Source.Snmp::retries)
        .containsExactly(1161, "c", 24, 1);
    var example = (Profile.Snmp) site.profile("example-pdu").orElseThrow();
    assertThat(example.tables().getFirst().columns())
        .extracting(Profile.SnmpPoint::oid)
        .containsExactly(
            "1.3.6.1.4.1.318.1.1.26.9.4.3.1.7.{index}", "1.3.6.1.4.1.318.1.1.26.9.4.3.1.6.{index}");
    site.allDevices()
        .forEach(
            d -> {
              var profile = (Profile.Snmp) site.profile(d.profile()).orElseThrow();
              try (var c =
                  new SnmpCollector(
                      d, (Source.Snmp) d.source(), profile, site, Clock.systemUTC())) {
                assertThat(c.device()).isEqualTo(d);
              }
            });
  }

  @Test
  void aLiteralKeyInTheFileIsAnErrorNamingFileLineAndKey() throws Exception {
    String yaml =
        example()
            .replace(
                "authKey: \"${SNMP_AUTH_KEY}\", privProtocol: aes-128",
                "authKey: hunter2hunter2, privProtocol: aes-128");
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "README.md", base(), ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("README.md:30:")
        .hasMessageContaining("authKey")
        .hasMessageContaining("write the authKey as ${VARIABLE}")
        .hasMessageNotContaining("hunter2hunter2");
  }
}
