package io.kilowatch.app;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.dcgm.DcgmCollector;
import io.kilowatch.collector.modbus.ModbusCollector;
import io.kilowatch.collector.nvml.NvmlCollector;
import io.kilowatch.collector.opcua.OpcUaCollector;
import io.kilowatch.collector.opcua.PointUnitListener;
import io.kilowatch.collector.snmp.SnmpCollector;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Units;
import io.kilowatch.store.SeriesUnits;
import java.time.Clock;

/** Picks the collector for a device by its source type. */
public final class Collectors {
  private Collectors() {}

  /**
   * A collector for {@code device}; samples are stamped with the system clock (UTC).
   *
   * @throws IllegalArgumentException when the device cannot be polled as configured (missing or
   *     mismatched profile, unsupported option, a push device)
   */
  public static DeviceCollector create(Device device, SiteConfig site) {
    return create(device, site, Clock.systemUTC());
  }

  /** As {@link #create(Device, SiteConfig)}, stamping samples with {@code clock}. */
  public static DeviceCollector create(Device device, SiteConfig site, Clock clock) {
    return create(device, site, clock, null);
  }

  /**
   * As above; an OPC UA collector tells {@code units} the units and state names its server declares
   * for points configured without them, and the units it contradicts.
   */
  public static DeviceCollector create(
      Device device, SiteConfig site, Clock clock, SeriesUnits units) {
    return switch (device.source()) {
      case Source.Modbus m ->
          new ModbusCollector(device, m, profile(device, site, Profile.Modbus.class), site, clock);
      case Source.OpcUa o ->
          new OpcUaCollector(
              device,
              o,
              profile(device, site, Profile.OpcUa.class),
              site,
              clock,
              units == null ? PointUnitListener.NONE : listener(units));
      case Source.Snmp s ->
          new SnmpCollector(device, s, profile(device, site, Profile.Snmp.class), site, clock);
      case Source.Dcgm g -> new DcgmCollector(device, g, site, clock);
      case Source.Nvml n -> new NvmlCollector(device, n, site, clock);
      case Source.Push p ->
          throw new IllegalArgumentException(
              "device " + device.id() + " is a push device: its readings arrive, nothing polls it");
    };
  }

  private static PointUnitListener listener(SeriesUnits units) {
    return new PointUnitListener() {
      @Override
      public void declared(String deviceId, String measurement, String field, PointUnit unit) {
        units.learn(deviceId, measurement, field, unit);
      }

      @Override
      public void mismatch(
          String deviceId,
          String point,
          PointUnit configured,
          Units.Parsed server,
          String message) {
        units.warn(deviceId, message);
      }
    };
  }

  private static <P extends Profile> P profile(Device device, SiteConfig site, Class<P> type) {
    if (device.profile() == null) {
      throw new IllegalArgumentException("device " + device.id() + " has no profile");
    }
    Profile p =
        site.profile(device.profile())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "device " + device.id() + ": unknown profile " + device.profile()));
    if (!type.isInstance(p)) {
      throw new IllegalArgumentException(
          "device "
              + device.id()
              + ": profile "
              + p.id()
              + " is not a "
              + type.getSimpleName().toLowerCase(java.util.Locale.ROOT)
              + " profile");
    }
    return type.cast(p);
  }
}
