package io.kilowatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

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
    Map<String, Integer> snmp = new LinkedHashMap<>();
    int udp = 30_000;
    for (String pdu : layout.snmpPduIds()) {
      snmp.put(pdu, udp++);
    }
    return SiteYaml.render(
        layout,
        new SiteYaml.Ports(ports, snmp, "opc.tcp://127.0.0.1:4840/kilowatch", 9400),
        interval);
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
  @SuppressWarnings("unchecked")
  void everyDeviceOfTheHallIsListedOnce() {
    Map<String, Object> root = new Yaml().load(render(Duration.ofSeconds(5)));
    List<Map<String, Object>> devices = new ArrayList<>(list(root.get("devices")));
    for (Map<String, Object> cluster : list(root.get("clusters"))) {
      devices.addAll(list(cluster.get("devices")));
      for (Map<String, Object> rack : list(cluster.get("racks"))) {
        devices.addAll(list(rack.get("devices")));
      }
    }
    Map<Object, Long> byKind =
        devices.stream().collect(Collectors.groupingBy(d -> d.get("kind"), Collectors.counting()));
    assertThat(byKind)
        .containsOnly(
            entry("pdu", 24L), entry("gpu-node", 32L), entry("cdu", 2L), entry("meter", 2L));
    assertThat(devices)
        .anySatisfy(d -> assertThat(d.get("source").toString()).contains("port=20000, unitId=1"))
        // 16 Modbus PDUs (feeds A and B) and 8 SNMP ones (feed C), the community from the
        // environment.
        .anySatisfy(
            d ->
                assertThat(d.get("source"))
                    .isEqualTo(
                        Map.of(
                            "type", "snmp",
                            "host", "127.0.0.1",
                            "port", 30_007,
                            "version", "v2c",
                            "community", "${KILOWATCH_DEMO_SNMP_COMMUNITY}")))
        .anySatisfy(
            d ->
                assertThat(d.get("source").toString())
                    .contains("url=http://127.0.0.1:9400/nodes/c2-r4-n4/metrics"));
    Map<String, Object> energy = (Map<String, Object>) root.get("energy");
    assertThat(list(energy.get("cooling"))).contains(Map.of("kind", "cdu", "cluster", "c2"));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }
}
