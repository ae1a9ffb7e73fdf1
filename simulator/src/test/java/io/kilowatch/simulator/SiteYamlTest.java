package io.kilowatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SiteYamlTest {
  private static String render(Duration interval) {
    SiteLayout layout = SiteLayout.demo();
    Map<String, Integer> ports = new LinkedHashMap<>();
    int port = 20_000;
    for (String pdu : layout.pduIds()) {
      ports.put(pdu, port++);
    }
    ports.put(SiteLayout.MAIN_METER, port++);
    ports.put(SiteLayout.COOLING_PLANT, port);
    return SiteYaml.render(
        layout, new SiteYaml.Ports(ports, "opc.tcp://127.0.0.1:4840/kilowatch", 9400), interval);
  }

  @Test
  void durationsUseTheConfigSyntax() {
    assertThat(SiteYaml.duration(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(SiteYaml.duration(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(SiteYaml.duration(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(SiteYaml.duration(Duration.ofMinutes(2))).isEqualTo("2m");
    assertThat(SiteYaml.duration(Duration.ofHours(1))).isEqualTo("1h");
  }

  @Test
  void timeoutNeverExceedsTheInterval() {
    assertThat(render(Duration.ofSeconds(5)))
        .contains("interval: 5s\n")
        .contains("timeout: 2s\n")
        .doesNotContain("timeout: 5s");
    assertThat(render(Duration.ofSeconds(1)))
        .contains("interval: 1s\n")
        .contains("timeout: 1s\n")
        .doesNotContain("timeout: 2s");
  }

  @Test
  void everyDeviceOfTheHallIsListedOnce() {
    String yaml = render(Duration.ofSeconds(5));
    assertThat(yaml.split("kind: pdu\n", -1)).hasSize(17);
    assertThat(yaml.split("kind: gpu-node\n", -1)).hasSize(33);
    assertThat(yaml.split("kind: cdu\n", -1)).hasSize(3);
    assertThat(yaml.split("kind: meter\n", -1)).hasSize(3);
    assertThat(yaml)
        .contains("port: 20000, unitId: 1")
        .contains("url: \"http://127.0.0.1:9400/nodes/c2-r4-n4/metrics\"")
        .contains("- {kind: cdu, cluster: c2}");
  }
}
