package io.kilowatch.testkit;

import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Rack;
import io.kilowatch.config.Site;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.config.WebConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/** Builds configuration records in code, as the config loader would. */
public final class TestSites {
  public static final String SITE_NAME = "Test hall";

  private TestSites() {}

  public static Device device(
      String id, DeviceKind kind, Location location, String profile, Source source) {
    return new Device(
        id,
        kind,
        location,
        profile,
        source,
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        Map.of());
  }

  public static Device device(
      String id, DeviceKind kind, Source source, Duration interval, Duration timeout) {
    return new Device(id, kind, Location.FACILITY, null, source, interval, timeout, Map.of());
  }

  /** A site whose devices all sit at facility level. */
  public static SiteConfig site(List<Profile> profiles, List<Device> devices) {
    return new SiteConfig(
        null,
        new Site(SITE_NAME, ZoneId.of("UTC"), null, null),
        StoreConfig.embedded(Path.of("data")),
        WebConfig.DEFAULT,
        profiles,
        List.of(),
        devices,
        null);
  }

  /** A site with one cluster {@code c1} holding one rack {@code c1-r1} with these devices. */
  public static SiteConfig siteWithRack(List<Profile> profiles, List<Device> rackDevices) {
    return new SiteConfig(
        null,
        new Site(SITE_NAME, ZoneId.of("UTC"), null, null),
        StoreConfig.embedded(Path.of("data")),
        WebConfig.DEFAULT,
        profiles,
        List.of(new Cluster("c1", "Cluster 1", List.of(new Rack("c1-r1", rackDevices)), List.of())),
        List.of(),
        null);
  }

  /** The profile {@link #withMeterProfile} gives devices built without one. */
  public static final String METER_PROFILE = "test-meter";

  /**
   * A meter as most tests write one: {@code power_w} in W, {@code energy_kwh} in kWh (a float
   * register, so it never wraps), a water counter {@code water_m3} in m³, a heat counter {@code
   * reuse_kwh} in kWh, and a coolant loop ({@code cooling_loop}: supply °C, flow L/min, ΔP kPa).
   * Analytics reads units only from configuration, so a test device needs these.
   */
  public static Profile.Modbus meterProfile() {
    return new Profile.Modbus(
        METER_PROFILE,
        Profile.AddressBase.ZERO,
        List.of(
            point("power", 0, "W", Profile.PointKind.GAUGE, "power_w"),
            point("energy", 4, "kWh", Profile.PointKind.COUNTER, "energy_kwh"),
            point("water", 8, "m3", Profile.PointKind.COUNTER, "water_m3"),
            point("reuse", 12, "kWh", Profile.PointKind.COUNTER, "reuse_kwh"),
            loop("supply", 16, "Cel", "supply_temp_c"),
            loop("flow", 20, "L/min", "flow_lpm"),
            loop("dp", 24, "kPa", "diff_pressure_kpa")));
  }

  private static Profile.ModbusPoint point(
      String name, int address, String unit, Profile.PointKind kind, String field) {
    return point(name, address, unit, kind, null, field);
  }

  private static Profile.ModbusPoint loop(String name, int address, String unit, String field) {
    return point(name, address, unit, Profile.PointKind.GAUGE, "cooling_loop", field);
  }

  private static Profile.ModbusPoint point(
      String name,
      int address,
      String unit,
      Profile.PointKind kind,
      String measurement,
      String field) {
    return new Profile.ModbusPoint(
        name,
        Profile.RegisterType.HOLDING,
        address,
        Profile.DataType.FLOAT64,
        Profile.WordOrder.ABCD,
        1,
        0,
        unit,
        kind,
        measurement,
        field,
        Map.of());
  }

  /**
   * This site with {@link #meterProfile()} given to every device built without a profile (other
   * than GPU nodes and pushed devices, whose units come from elsewhere).
   */
  public static SiteConfig withMeterProfile(SiteConfig s) {
    var profiles = new java.util.ArrayList<>(s.profiles());
    if (profiles.stream().noneMatch(p -> p.id().equals(METER_PROFILE))) {
      profiles.add(meterProfile());
    }
    return new SiteConfig(
        s.source(),
        s.site(),
        s.store(),
        s.web(),
        profiles,
        s.clusters().stream()
            .map(
                c ->
                    new Cluster(
                        c.id(),
                        c.name(),
                        c.racks().stream()
                            .map(r -> new Rack(r.id(), metered(r.devices())))
                            .toList(),
                        metered(c.devices())))
            .toList(),
        metered(s.devices()),
        s.energy(),
        s.collector(),
        s.analytics(),
        s.alerts());
  }

  private static List<Device> metered(List<Device> devices) {
    return devices.stream()
        .map(
            d ->
                d.profile() != null
                        || d.kind() == DeviceKind.GPU_NODE
                        || d.source() instanceof Source.Push
                    ? d
                    : new Device(
                        d.id(),
                        d.kind(),
                        d.location(),
                        METER_PROFILE,
                        d.source(),
                        d.interval(),
                        d.timeout(),
                        d.tags()))
        .toList();
  }
}
