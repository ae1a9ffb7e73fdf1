package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;

import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.testkit.RepoRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each profile shipped in {@code config/profiles/}, loaded through {@link ConfigLoader} as a site
 * would include it, read from a j2mod slave that serves a matching map with a known value in every
 * point.
 */
class ShippedProfilesTest {

  static Path profilesDir() {
    return RepoRoot.resolve("config/profiles");
  }

  /** Every shipped Modbus profile; OPC UA profiles (e.g. the CDU's) are tested with OPC UA. */
  static Stream<String> profileFiles() throws Exception {
    try (var files = Files.list(profilesDir())) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".yaml"))
          .filter(ShippedProfilesTest::isModbus)
          .map(p -> p.getFileName().toString())
          .sorted()
          .toList()
          .stream();
    }
  }

  private static boolean isModbus(Path file) {
    try {
      return Files.readAllLines(file).stream().anyMatch(l -> l.strip().equals("source: modbus"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void atLeastFourProfilesAreShipped() throws Exception {
    assertThat(profileFiles().toList())
        .contains(
            "sunspec-213-meter.yaml",
            "int64-wh-meter.yaml",
            "rack-pdu-metered.yaml",
            "ups-output.yaml");
  }

  /** The raw value the slave holds for the i-th point; signed types get negative ones too. */
  private static double raw(ModbusPoint p, int i) {
    return switch (p.dataType()) {
      case BIT -> i % 2;
      case FLOAT32, FLOAT64 -> 100.25 + i;
      case INT16, INT32, INT64 -> (i % 3 == 0 ? -1 : 1) * (1000 + 7 * i);
      case UINT16, UINT32, UINT64 -> 1000 + 7 * i;
      case STRING -> throw new IllegalArgumentException();
    };
  }

  @ParameterizedTest
  @MethodSource("profileFiles")
  void profileReadsEveryPointFromAMatchingDevice(String file) throws Exception {
    int port = MapImage.freePort();
    String yaml =
        """
        site: {name: Profile test}
        profiles:
          - {file: %s}
        devices:
          - id: dev1
            kind: meter
            profile: %s
            source: {type: modbus, host: 127.0.0.1, port: %d, unitId: 1}
            interval: 10s
            timeout: 2s
        """
            .formatted(file, file.replace(".yaml", ""), port);
    SiteConfig site = ConfigLoader.parse(yaml, "site.yaml", profilesDir(), Map.of());
    Device device = site.device("dev1").orElseThrow();
    var profile = (Profile.Modbus) site.profile(device.profile()).orElseThrow();
    int base = profile.addressBase() == Profile.AddressBase.ONE ? 1 : 0;
    int top = profile.points().stream().mapToInt(p -> p.address() + p.registers()).max().orElse(0);
    var image = new MapImage(1, top + 1);
    var expected = new HashMap<SeriesKey, Double>();
    var texts = new HashMap<String, String>();
    List<ModbusPoint> points = profile.points();
    for (int i = 0; i < points.size(); i++) {
      ModbusPoint p = points.get(i);
      int wire = p.address() - base;
      if (p.dataType() == DataType.STRING) {
        texts.put(p.name(), "KW-" + i);
        put(image, p, wire, Words.text("KW-" + i, p.registers(), p.wordOrder()));
        continue;
      }
      double raw = raw(p, i);
      switch (p.registerType()) {
        case COIL -> image.coil(wire, raw != 0);
        case DISCRETE -> image.discrete(wire, raw != 0);
        default -> put(image, p, wire, Words.of(p.dataType(), p.wordOrder(), raw));
      }
      expected.put(ModbusCounters.key(site, device, p), raw * p.scale() + p.offset());
    }
    ModbusSlave slave = MapImage.serve(port, image);
    // Not Collectors.create: that loads every protocol's classes (Milo takes seconds).
    try (DeviceCollector c =
        new ModbusCollector(
            device,
            (io.kilowatch.config.Source.Modbus) device.source(),
            profile,
            site,
            java.time.Clock.systemUTC())) {
      List<Sample> samples = c.poll();

      var got = new HashMap<SeriesKey, Double>();
      for (Sample s : samples) {
        assertThat(s.quality()).as("%s: %s", s, c.pointErrors()).isEqualTo(Quality.GOOD);
        s.fields().forEach((f, v) -> got.put(s.key(f), v));
      }
      assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      // Every mismatch at once (SoftAssertions would cost seconds of proxy generation).
      var wrong = new java.util.ArrayList<String>();
      expected.forEach(
          (k, v) -> {
            if (Math.abs(got.get(k) - v) > 1e-6) {
              wrong.add(k + " = " + got.get(k) + ", expected " + v);
            }
          });
      assertThat(wrong).isEmpty();
      assertThat(((ModbusCollector) c).text()).isEqualTo(texts);
      // Every profile marks its energy as a counter that analytics can find.
      assertThat(ModbusCounters.of(site).keySet())
          .anyMatch(k -> k.field().startsWith("energy") && k.tags().get("device").equals("dev1"));
    } finally {
      ModbusSlaveFactory.close(slave);
    }
  }

  private static void put(MapImage image, ModbusPoint p, int wire, int[] words) {
    if (p.registerType() == Profile.RegisterType.INPUT) {
      image.input(wire, words);
    } else {
      image.holding(wire, words);
    }
  }
}
