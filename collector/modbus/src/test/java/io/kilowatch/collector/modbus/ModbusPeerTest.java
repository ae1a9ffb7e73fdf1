package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.AddressBase;
import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.Profile.PointKind;
import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.config.Profile.WordOrder;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.TestSites;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Polls a Modbus server we did not write: pymodbus (Debian {@code python3-pymodbus}), started as a
 * subprocess serving words that Python's {@code struct} computed. Skipped when pymodbus is absent
 * here; fails when {@code CI} is set, where {@code .ci/run} installs it.
 */
class ModbusPeerTest {
  private static final String PYTHON = Peer.PYTHON;

  private static ModbusPoint point(
      String name, RegisterType type, int address, DataType dataType, WordOrder order, int length) {
    return new ModbusPoint(
        name,
        type,
        address,
        dataType,
        order,
        1,
        0,
        "1",
        PointKind.GAUGE,
        null,
        name,
        Map.of(),
        length);
  }

  private static ModbusPoint point(
      String name, RegisterType type, int address, DataType dataType, WordOrder order) {
    return point(name, type, address, dataType, order, Math.max(1, dataType.registers()));
  }

  @Test
  @RequiresPeer(Peer.PYMODBUS)
  void decodesWhatPymodbusServes() throws Exception {
    Path script = Files.createTempFile("pymodbus_server", ".py");
    try (var in = getClass().getResourceAsStream("/modbus/pymodbus_server.py")) {
      Files.write(script, in.readAllBytes());
    }
    int port = MapImage.freePort();
    Process server =
        new ProcessBuilder(PYTHON, script.toString(), Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      awaitListening(port, server);
      var profile =
          new Profile.Modbus(
              "peer",
              AddressBase.ZERO,
              List.of(
                  point("f32_abcd", RegisterType.HOLDING, 0, DataType.FLOAT32, WordOrder.ABCD),
                  point("i32_cdab", RegisterType.HOLDING, 2, DataType.INT32, WordOrder.CDAB),
                  point("u64_abcd", RegisterType.HOLDING, 4, DataType.UINT64, WordOrder.ABCD),
                  point("i16", RegisterType.HOLDING, 8, DataType.INT16, WordOrder.ABCD),
                  point("f32_badc", RegisterType.HOLDING, 9, DataType.FLOAT32, WordOrder.BADC),
                  point("f64_dcba", RegisterType.HOLDING, 11, DataType.FLOAT64, WordOrder.DCBA),
                  point("name", RegisterType.HOLDING, 20, DataType.STRING, WordOrder.ABCD, 4),
                  point("missing", RegisterType.HOLDING, 30, DataType.UINT16, WordOrder.ABCD),
                  point("in_u16", RegisterType.INPUT, 0, DataType.UINT16, WordOrder.ABCD),
                  point("in_u32", RegisterType.INPUT, 1, DataType.UINT32, WordOrder.ABCD),
                  point("coil0", RegisterType.COIL, 0, DataType.BIT, WordOrder.ABCD),
                  point("coil1", RegisterType.COIL, 1, DataType.BIT, WordOrder.ABCD),
                  point("di3", RegisterType.DISCRETE, 3, DataType.BIT, WordOrder.ABCD)));
      Device device =
          TestSites.device(
              "peer",
              DeviceKind.METER,
              Location.FACILITY,
              "peer",
              new Source.Modbus("127.0.0.1", port, 1));
      SiteConfig site = TestSites.site(List.of(profile), List.of(device));
      try (var c =
          new ModbusCollector(
              device,
              (Source.Modbus) device.source(),
              profile,
              site,
              Clock.systemUTC(),
              new ModbusEndpoints())) {
        for (int poll = 0; poll < 2; poll++) { // the second poll uses the remembered refusal
          List<Sample> samples = c.poll();

          Map<String, Double> good = fields(samples, Quality.GOOD);
          assertThat(good)
              .containsEntry("f32_abcd", 230.5)
              .containsEntry("i32_cdab", -123456.0)
              .containsEntry("u64_abcd", 1234567890123.0)
              .containsEntry("i16", -2.0)
              .containsEntry("f32_badc", -1.5)
              .containsEntry("f64_dcba", -2.5)
              .containsEntry("in_u16", 4660.0)
              .containsEntry("in_u32", 4294967295.0)
              .containsEntry("coil0", 1.0)
              .containsEntry("coil1", 0.0)
              .containsEntry("di3", 1.0);
          assertThat(fields(samples, Quality.BAD)).containsOnlyKeys("missing");
          assertThat(c.pointErrors().get("missing"))
              .isEqualTo("illegal data address (exception 2) at holding 30");
          assertThat(c.text()).containsEntry("name", "PYMODBUS");
        }
      }
    } finally {
      server.destroy();
      if (!server.waitFor(5, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
      Files.deleteIfExists(script);
    }
  }

  private static Map<String, Double> fields(List<Sample> samples, Quality q) {
    return samples.stream()
        .filter(s -> s.quality() == q)
        .findFirst()
        .<Map<String, Double>>map(Sample::fields)
        .orElse(Map.of());
  }

  static void awaitListening(int port, Process process) {
    await("server listening on " + port)
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              try (var s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
              } catch (java.io.IOException e) {
                if (!process.isAlive()) {
                  // No point waiting for a server that is gone.
                  throw new AssertionError("server exited with " + process.exitValue());
                }
                return false;
              }
            });
  }
}
