package io.kilowatch.analytics;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Site;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.config.WebConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/** Small hand-built sites for analytics tests. */
final class TestSites {
  private TestSites() {}

  static Device device(String id, DeviceKind kind, Location loc, String profile, int intervalS) {
    return new Device(
        id,
        kind,
        loc,
        profile,
        new Source.Modbus("127.0.0.1", 502, 1),
        Duration.ofSeconds(intervalS),
        Duration.ofSeconds(2),
        Map.of());
  }

  /**
   * A Modbus meter profile whose energy counter is a UINT32 register of 0.001 kWh, and power in W.
   */
  static Profile.Modbus uint32Meter() {
    return new Profile.Modbus(
        "u32-meter",
        Profile.AddressBase.ZERO,
        List.of(
            new Profile.ModbusPoint(
                "energy",
                Profile.RegisterType.HOLDING,
                0,
                Profile.DataType.UINT32,
                Profile.WordOrder.ABCD,
                0.001,
                0,
                "kWh",
                Profile.PointKind.COUNTER,
                null,
                "energy_kwh",
                Map.of()),
            new Profile.ModbusPoint(
                "power",
                Profile.RegisterType.HOLDING,
                2,
                Profile.DataType.FLOAT32,
                Profile.WordOrder.ABCD,
                1,
                0,
                "W",
                Profile.PointKind.GAUGE,
                null,
                "power_w",
                Map.of())));
  }

  static SiteConfig site(
      Path dir,
      ZoneId zone,
      List<Profile> profiles,
      List<Cluster> clusters,
      List<Device> devices,
      EnergyModel energy,
      AnalyticsConfig analytics) {
    return io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("test", zone, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                profiles,
                clusters,
                devices,
                energy))
        .withAnalytics(analytics);
  }

  static void put(Store store, String measurement, String device, long second, String f, double v) {
    store.write(List.of(sample(measurement, device, second, f, v)));
  }

  static Sample sample(String measurement, String device, long second, String f, double v) {
    return Sample.of(
        Instant.ofEpochSecond(second),
        measurement,
        Map.of("site", "test", "device", device),
        Map.of(f, v));
  }
}
