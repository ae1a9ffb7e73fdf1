package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NvmlSourceAndTokensTest {
  private static final String HASH =
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  private static final String OTHER_HASH =
      "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

  private static SiteConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(yaml, "test.yaml", Path.of("/srv/kilowatch"), Map.of());
  }

  @Test
  void anNvmlDeviceNeedsNoProfileAndMayNameItsLibrary() throws ConfigException {
    SiteConfig site =
        parse(
            """
            site: {name: S}
            devices:
              - {id: local, kind: gpu-node, source: {type: nvml}}
              - {id: other, kind: gpu-node, source: {type: nvml, library: /opt/nvml/libnvidia-ml.so.1}}
            """);

    assertThat(site.device("local").orElseThrow().source())
        .isEqualTo(new Source.Nvml(null))
        .extracting(s -> ((Source.Nvml) s).libraryOrDefault())
        .isEqualTo("libnvidia-ml.so.1");
    assertThat(((Source.Nvml) site.device("other").orElseThrow().source()).library())
        .isEqualTo("/opt/nvml/libnvidia-ml.so.1");
  }

  @Test
  void anNvmlSourceRejectsAProfileAndUnknownKeys() {
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                parse(
                    """
                    site: {name: S}
                    profiles:
                      - id: m
                        source: modbus
                        addressBase: zero
                        points:
                          - {name: p, registerType: holding, address: 0, dataType: float32, unit: W, field: power_w}
                    devices:
                      - {id: a, kind: gpu-node, profile: m, source: {type: nvml}}
                      - {id: b, kind: gpu-node, source: {type: nvml, url: "http://x"}}
                    """));

    assertThat(e.problems())
        .extracting(p -> p.path() + ": " + p.message())
        .anySatisfy(m -> assertThat(m).startsWith("devices[0].profile: a nvml source"))
        .anySatisfy(m -> assertThat(m).startsWith("devices[1].source.url: unknown key"));
  }

  @Test
  void webTokensAreReadWithTheirHashAndRole() throws ConfigException {
    SiteConfig site =
        parse(
            """
            site: {name: S}
            web:
              tokens:
                - {name: agents, sha256: %s, role: operator}
                - {name: grafana, sha256: %s, role: viewer}
            """
                .formatted(HASH.toUpperCase(java.util.Locale.ROOT), OTHER_HASH));

    assertThat(site.web().tokens())
        .containsExactly(
            new ApiToken("agents", HASH, ApiToken.Role.OPERATOR),
            new ApiToken("grafana", OTHER_HASH, ApiToken.Role.VIEWER));
    assertThat(ApiToken.Role.ADMIN.includes(ApiToken.Role.OPERATOR)).isTrue();
    assertThat(ApiToken.Role.VIEWER.includes(ApiToken.Role.OPERATOR)).isFalse();
  }

  @Test
  void aTokenGivenInClearInsteadOfItsHashIsRefused() {
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                parse(
                    """
                    site: {name: S}
                    web:
                      tokens:
                        - {name: agents, sha256: my-secret-token, role: writer}
                    """));

    assertThat(e.problems())
        .extracting(p -> p.line() + " " + p.path())
        .containsExactlyInAnyOrder("4 web.tokens[0].sha256", "4 web.tokens[0].role");
    assertThat(e.problems()).anySatisfy(p -> assertThat(p.message()).contains("64 hex digits"));
  }

  @Test
  void withoutTokensTheWebConfigHasNone() throws ConfigException {
    assertThat(parse("site: {name: S}\n").web().tokens()).isEmpty();
  }
}
