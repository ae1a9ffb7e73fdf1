package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import io.kilowatch.testkit.modbus.RegisterBank;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The case on a running kilowatch with its real Modbus collector: a meter whose profile
 * names a register the device does not have. Why the point is BAD was only in the log; it must be
 * on {@code /api/devices} and {@code /api/latest}. And once the meter stops answering, its last
 * values must be shown as stale with the device's state, not as good readings growing old.
 */
class PointReasonsEndToEndTest {
  @TempDir Path dir;

  private static final String SITE =
      """
      site: {name: reasons}
      store: {kind: embedded, dataDir: ./data}
      profiles:
        - id: meter
          source: modbus
          addressBase: zero
          points:
            - {name: power, registerType: holding, address: 0, dataType: uint16, unit: W, field: power}
            - {name: ghost, registerType: holding, address: 101, dataType: uint16, unit: W, field: ghost}
      devices:
        - {id: m1, kind: meter, profile: meter, interval: 1s, timeout: 500ms, source: {type: modbus, host: 127.0.0.1, port: PORT, unitId: 1}}
      """;

  /** A point of a device on a page of /api/devices. */
  private static JsonNode point(JsonNode page, String device, String name) {
    for (JsonNode d : page.path("devices")) {
      if (d.get("deviceId").asText().equals(device)) {
        for (JsonNode p : d.get("points")) {
          if (p.get("name").asText().equals(name)) {
            return p;
          }
        }
      }
    }
    return null;
  }

  @Test
  void aRefusedRegisterSaysWhyAndADownDevicesValuesAreStale() throws Exception {
    // The meter holds registers 0..3 only: holding 101 is refused with exception 2.
    var meter = ModbusTcpFake.start(new RegisterBank(1, new int[] {1234, 0, 0, 0}));
    Path file = dir.resolve("site.yaml");
    Files.writeString(file, SITE.replace("PORT", String.valueOf(meter.port())));
    String reason = "illegal data address (exception 2) at holding 101";
    boolean stopped = false;

    try (var app = Kilowatch.start(ConfigLoader.load(file), 0)) {
      var api = ApiPoller.of(app);
      JsonNode devices =
          api.awaitJson(
              "/api/devices",
              n ->
                  point(n, "m1", "ghost") != null
                      && "bad".equals(point(n, "m1", "ghost").path("state").asText()),
              Duration.ofSeconds(30));
      assertThat(point(devices, "m1", "ghost").get("reason").asText()).isEqualTo(reason);
      assertThat(point(devices, "m1", "power").get("state").asText()).isEqualTo("good");
      assertThat(point(devices, "m1", "power").get("reason").isNull()).isTrue();
      assertThat(devices.at("/devices/0/pointErrors").get("ghost").asText()).isEqualTo(reason);
      // The device's own answer (what the device page reads) says the same.
      JsonNode one = api.awaitJson("/api/devices/m1", n -> true, Duration.ofSeconds(5));
      assertThat(one.get("pointErrors").get("ghost").asText()).isEqualTo(reason);

      JsonNode ghost =
          api.awaitJson(
              "/api/latest?measurement=meter&field=ghost&tags=device:m1",
              n -> n.get("series").size() == 1,
              Duration.ofSeconds(10));
      assertThat(ghost.at("/series/0/quality").asText()).isEqualTo("bad");
      assertThat(ghost.at("/series/0/value").isNull()).isTrue();
      assertThat(ghost.at("/series/0/reason").asText()).isEqualTo(reason);
      assertThat(ghost.at("/series/0/deviceState").asText()).isEqualTo("up");
      JsonNode power =
          api.awaitJson(
              "/api/latest?measurement=meter&field=power&tags=device:m1",
              n -> n.get("series").size() == 1,
              Duration.ofSeconds(10));
      assertThat(power.at("/series/0/value").asDouble()).isEqualTo(1234.0);
      assertThat(power.at("/series/0/quality").asText()).isEqualTo("good");
      assertThat(power.at("/series/0/reason").isNull()).isTrue();

      meter.close();
      stopped = true;

      JsonNode stale =
          api.awaitJson(
              "/api/latest?measurement=meter&field=power&tags=device:m1",
              n -> "down".equals(n.at("/series/0/deviceState").asText()),
              Duration.ofSeconds(30));
      JsonNode s = stale.at("/series/0");
      assertThat(s.get("quality").asText()).isEqualTo("stale");
      assertThat(s.get("readingQuality").asText()).isEqualTo("good");
      assertThat(s.get("value").asDouble()).isEqualTo(1234.0);
      assertThat(s.get("reason").asText()).startsWith("device down (last read ");
      assertThat(s.get("ageSeconds").asDouble()).isPositive();
      // The refused register's value is stale too: the device, not the register, is the news now.
      JsonNode staleGhost =
          api.awaitJson(
              "/api/latest?measurement=meter&field=ghost&tags=device:m1",
              n -> n.get("series").size() == 1,
              Duration.ofSeconds(10));
      assertThat(staleGhost.at("/series/0/quality").asText()).isEqualTo("stale");
      assertThat(staleGhost.at("/series/0/deviceState").asText()).isEqualTo("down");

      JsonNode down =
          api.awaitJson(
              "/api/devices",
              n -> "stale".equals(point(n, "m1", "power").path("state").asText()),
              Duration.ofSeconds(10));
      assertThat(point(down, "m1", "power").get("reason").asText())
          .startsWith("device down (last read ");
    } finally {
      if (!stopped) {
        meter.close();
      }
    }
  }

  private static final String CDU_SITE =
      """
      site: {name: reasons}
      store: {kind: embedded, dataDir: ./data}
      profiles:
        - id: cdu
          source: opcua
          points:
            - {name: supply, nodeId: "nsu=NS;s=cdu1/SupplyTemp", unit: Cel, measurement: cooling_loop, field: supply_temp}
            - {name: missing, nodeId: "nsu=NS;s=cdu1/NoSuchNode", unit: Cel, measurement: cooling_loop, field: return_temp}
            - {name: elsewhere, nodeId: "nsu=urn:not:on:server;s=x", unit: kPa, measurement: cooling_loop, field: diff_pressure}
      devices:
        - {id: cdu1, kind: cdu, profile: cdu, interval: 2s, timeout: 2s, source: {type: opcua, endpoint: "ENDPOINT", mode: poll}}
      """;

  // The OPC UA side of the issue: a node the server does not have and a namespace it does not
  // know were only in the log too. Read mode, so every poll stores the BAD value again (a
  // subscription reports it once, and an old value is stale whatever its quality).
  @Test
  void anUnknownOpcUaNodeOrNamespaceSaysWhyOnDevicesAndLatest() throws Exception {
    try (var server =
        new OpcUaFakeServer(Map.of("cdu1/SupplyTemp", new DataValue(new Variant(18.5))))) {
      Path file = dir.resolve("site.yaml");
      Files.writeString(
          file,
          CDU_SITE.replace("NS", server.namespaceUri()).replace("ENDPOINT", server.endpoint()));
      try (var app = Kilowatch.start(ConfigLoader.load(file), 0)) {
        var api = ApiPoller.of(app);
        JsonNode devices =
            api.awaitJson(
                "/api/devices",
                n ->
                    point(n, "cdu1", "missing") != null
                        && "bad".equals(point(n, "cdu1", "missing").path("state").asText())
                        && "bad".equals(point(n, "cdu1", "elsewhere").path("state").asText()),
                Duration.ofSeconds(60));
        assertThat(point(devices, "cdu1", "missing").get("reason").asText())
            .contains("Bad_NodeIdUnknown");
        assertThat(point(devices, "cdu1", "elsewhere").get("reason").asText())
            .contains("urn:not:on:server");
        assertThat(point(devices, "cdu1", "supply").get("state").asText()).isEqualTo("good");

        JsonNode latest =
            api.awaitJson(
                "/api/latest?measurement=cooling_loop&field=return_temp&tags=device:cdu1",
                n -> n.get("series").size() == 1,
                Duration.ofSeconds(10));
        assertThat(latest.at("/series/0/quality").asText()).isEqualTo("bad");
        assertThat(latest.at("/series/0/reason").asText()).contains("Bad_NodeIdUnknown");
      }
    }
  }
}
