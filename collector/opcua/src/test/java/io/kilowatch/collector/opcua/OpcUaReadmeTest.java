package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.testkit.RepoRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration example of the package README is valid and means what the README says. */
class OpcUaReadmeTest {
  private static final Path README =
      Path.of("src/main/java/io/kilowatch/collector/opcua/README.md");

  private static SiteConfig example() throws Exception {
    String text = Files.readString(README);
    int start = text.indexOf("```yaml\n") + "```yaml\n".length();
    String yaml = text.substring(start, text.indexOf("```", start));
    // As if the site file sat in config/, next to profiles/.
    return ConfigLoader.parse(
        yaml, "README.md", RepoRoot.resolve("config"), Map.of("CDU_PASSWORD", "pw"));
  }

  private static Source.OpcUa source(SiteConfig site, String device) {
    return (Source.OpcUa) site.device(device).orElseThrow().source();
  }

  @Test
  void exampleLoadsAndEveryDeviceGetsACollector() throws Exception {
    SiteConfig site = example();

    var cdu1 = source(site, "cdu1");
    assertThat(cdu1.securityPolicy()).isEqualTo(Source.SecurityPolicy.BASIC256SHA256);
    assertThat(cdu1.options().securityMode()).isEqualTo(OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT);
    assertThat(cdu1.options().mode()).isEqualTo(OpcUaOptions.Mode.SUBSCRIBE);
    assertThat(cdu1.options().samplingInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(cdu1.password()).isEqualTo("pw");
    var cdu2 = source(site, "cdu2");
    assertThat(cdu2.options().mode()).isEqualTo(OpcUaOptions.Mode.POLL);
    assertThat(cdu2.options().timestamps()).isEqualTo(OpcUaOptions.Timestamps.SERVER);
    var cdu3 = source(site, "cdu3");
    assertThat(cdu3.options().userCertificate()).isEqualTo(Path.of("pki/operator-cert.pem"));
    assertThat(cdu3.options().trustOnFirstUse()).isTrue();

    var example = (Profile.OpcUa) site.profile("example-cdu").orElseThrow();
    assertThat(example.points().get(0).deadband())
        .isEqualTo(new Profile.Deadband(Profile.DeadbandType.ABSOLUTE, 0.05));
    assertThat(example.points().get(1).browsePath()).isEqualTo("Objects/{device}/SecondaryFlow");
    assertThat(example.points().get(1).deadband())
        .isEqualTo(new Profile.Deadband(Profile.DeadbandType.PERCENT, 1));
    var power = example.points().get(3);
    assertThat(power.unit()).isEqualTo("kW");
    assertThat(power.scale()).isEqualTo(0.001);
    assertThat(power.offset()).isZero();
    assertThat(example.points().get(4).unit()).isNull();
    assertThat(example.points().get(4).pointUnit()).isNull();
    assertThat(example.points().get(5).states()).isEmpty();
    var generic = (Profile.OpcUa) site.profile("cdu-generic").orElseThrow();
    assertThat(generic.points())
        .hasSize(15)
        .allSatisfy(p -> assertThat(p.measurement()).isEqualTo("cooling_loop"));

    site.allDevices().forEach(d -> OpcUaCollectors.of(d, site).close());
  }
}
