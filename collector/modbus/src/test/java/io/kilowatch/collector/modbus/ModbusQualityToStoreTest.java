package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.AddressBase;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.modbus.ModbusAnswer;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GOOD, STALE and BAD readings of a Modbus device reach the store with their quality. */
class ModbusQualityToStoreTest {
  @TempDir Path dir;

  @Test
  void goodStaleAndBadReadingsAreStoredWithTheirQuality() throws Exception {
    // Poll 1 answers, poll 2 is "server device busy", poll 3 refuses the address.
    try (var server =
            ModbusTcpFake.start(
                r ->
                    switch (r.n()) {
                      case 1 -> new ModbusAnswer.Values(new int[] {230});
                      case 2 -> new ModbusAnswer.Exception(6);
                      default -> new ModbusAnswer.Exception(2);
                    });
        var store =
            EmbeddedStore.open(
                dir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(365))) {
      var profile =
          new Profile.Modbus("map", AddressBase.ZERO, List.of(ModbusFaultsTest.u16("volts", 0)));
      Device device =
          TestSites.device(
              "m1",
              DeviceKind.METER,
              Location.FACILITY,
              "map",
              new Source.Modbus("127.0.0.1", server.port(), 1));
      SiteConfig site = TestSites.site(List.of(profile), List.of(device));
      Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
      var now = new java.util.concurrent.atomic.AtomicReference<>(t0);
      Clock clock =
          new Clock() {
            @Override
            public java.time.ZoneId getZone() {
              return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
              return this;
            }

            @Override
            public Instant instant() {
              return now.get();
            }
          };
      try (var c =
          new ModbusCollector(
              device,
              (Source.Modbus) device.source(),
              profile,
              site,
              clock,
              new ModbusEndpoints())) {
        for (int i = 0; i < 3; i++) {
          now.set(t0.plusSeconds(10L * i));
          store.write(c.poll());
        }
      }
      var points =
          store.read(SeriesQuery.of("meter", "volts"), t0, t0.plusSeconds(60)).getFirst().points();

      assertThat(points)
          .extracting(Point::time, Point::quality)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(t0, Quality.GOOD),
              org.assertj.core.groups.Tuple.tuple(t0.plusSeconds(10), Quality.STALE),
              org.assertj.core.groups.Tuple.tuple(t0.plusSeconds(20), Quality.BAD));
      assertThat(points.get(0).value()).isEqualTo(230.0);
      assertThat(points.get(1).value()).isEqualTo(230.0);
      assertThat(points.get(2).value()).isNaN();
    }
  }
}
