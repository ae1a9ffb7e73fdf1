package io.kilowatch.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Binds the energy model; its references are checked once every device is known. */
final class EnergyBinder {
  static final String DEFAULT_ENERGY_FIELD = "energy_kwh";
  static final String DEFAULT_POWER_FIELD = "power_w";

  static final Set<String> ENERGY_KEYS =
      Set.of("itLevel", "facility", "it", "cooling", "losses", "other");
  static final Set<String> CHANNEL_KEYS =
      Set.of("device", "kind", "cluster", "energyField", "powerField");

  private record Bound(Fields fields, EnergyModel.Channel channel) {}

  private final Binder binder;
  private final List<Bound> bound = new ArrayList<>();

  EnergyBinder(Binder binder) {
    this.binder = binder;
  }

  /** The model, or {@code null} when the file has no {@code energy} section. */
  EnergyModel energy(At at) {
    if (at == null) {
      return null;
    }
    Fields f = binder.fields(at, ENERGY_KEYS);
    if (f == null) {
      return null;
    }
    return new EnergyModel(
        f.requireEnum("itLevel", EnergyModel.ItLevel.class),
        channels(f, "facility"),
        channels(f, "it"),
        channels(f, "cooling"),
        channels(f, "losses"),
        channels(f, "other"));
  }

  private List<EnergyModel.Channel> channels(Fields energy, String key) {
    List<EnergyModel.Channel> out = new ArrayList<>();
    for (At at : energy.list(key)) {
      EnergyModel.Channel c = channel(at);
      if (c != null) {
        out.add(c);
      }
    }
    return out;
  }

  private EnergyModel.Channel channel(At at) {
    Fields f = binder.fields(at, CHANNEL_KEYS);
    if (f == null) {
      return null;
    }
    String device = f.optionalString("device", null);
    DeviceKind kind = f.optionalEnum("kind", DeviceKind.class, null);
    String cluster = f.optionalString("cluster", null);
    String energyField = f.optionalString("energyField", DEFAULT_ENERGY_FIELD);
    String powerField = f.optionalString("powerField", DEFAULT_POWER_FIELD);
    if (f.has("device") && f.has("kind")) {
      binder.problem(at, "give either device or kind, not both");
      return null;
    }
    if (!f.has("device") && !f.has("kind")) {
      binder.problem(at, "needs a device (one meter) or a kind (every device of that kind)");
      return null;
    }
    if (device == null && kind == null || energyField == null || powerField == null) {
      return null;
    }
    var channel = new EnergyModel.Channel(device, kind, cluster, energyField, powerField);
    bound.add(new Bound(f, channel));
    return channel;
  }

  /** Every channel must select at least one existing device. */
  void checkReferences(List<Device> devices, Set<String> clusterIds) {
    for (Bound b : bound) {
      EnergyModel.Channel c = b.channel();
      if (c.cluster() != null && !clusterIds.contains(c.cluster())) {
        binder.problem(
            b.fields().get("cluster"),
            "unknown cluster '" + c.cluster() + "'; clusters: " + listOrNone(clusterIds));
        continue;
      }
      if (c.device() != null) {
        if (devices.stream().noneMatch(d -> c.device().equals(d.id()))) {
          String known = Binder.closest(c.device(), devices.stream().map(Device::id).toList());
          binder.problem(
              b.fields().get("device"),
              "unknown device '"
                  + c.device()
                  + "'"
                  + (known == null ? "" : " (did you mean '" + known + "'?)"));
        }
      } else if (devices.stream()
          .noneMatch(
              d ->
                  d.kind() == c.kind()
                      && (c.cluster() == null
                          || d.location() != null
                              && Objects.equals(c.cluster(), d.location().cluster())))) {
        binder.problem(
            b.fields().get("kind"),
            "selects no device: there is no "
                + Binder.yamlName(c.kind())
                + " device"
                + (c.cluster() == null ? "" : " in cluster '" + c.cluster() + "'"));
      }
    }
  }

  /**
   * Energy is computed from units, never from field names, so every device a channel selects must
   * say what its fields measure: a profile point's unit must be an energy (energyField) or a power
   * (powerField); a pushed device must declare the unit of at least one of the two. GPU nodes
   * report known units.
   */
  void checkUnits(SiteConfig site) {
    for (Bound b : bound) {
      EnergyModel.Channel c = b.channel();
      if (unknownField(site, b, "energyField", c.energyField())
          | unknownField(site, b, "powerField", c.powerField())) {
        continue;
      }
      for (Device d : site.allDevices().toList()) {
        boolean selected =
            c.device() != null
                ? c.device().equals(d.id())
                : d.kind() == c.kind()
                    && (c.cluster() == null
                        || d.location() != null
                            && Objects.equals(c.cluster(), d.location().cluster()));
        if (!selected || d.kind() == DeviceKind.GPU_NODE) {
          continue;
        }
        String problem = unitProblem(site, d, c);
        if (problem != null) {
          binder.problem(b.fields().at(), problem);
        }
      }
    }
  }

  /**
   * Reports a field named in the channel that no device it selects has, so a typo is an error at
   * the key rather than an energy silently missing from every report. Only a field written in the
   * file is checked (the defaults name the usual fields, of which a meter often has one), and for a
   * {@code kind} it is enough that one device of the kind has it: a site may mix PDUs with and
   * without an energy counter. Fields are a profile's points or what a pushed device declares in
   * {@code units} or {@code counterWidth}; devices that describe their own fields (GPU nodes) and
   * pushed devices declaring none (reported by the unit check) are not judged.
   */
  private boolean unknownField(SiteConfig site, Bound b, String key, String field) {
    if (!b.fields().has(key)) {
      return false;
    }
    EnergyModel.Channel c = b.channel();
    java.util.SortedSet<String> known = new java.util.TreeSet<>();
    for (Device d : site.allDevices().toList()) {
      if (!selects(c, d) || d.kind() == DeviceKind.GPU_NODE) {
        continue;
      }
      java.util.Set<String> own = new java.util.HashSet<>();
      if (d.source() instanceof Source.Push push) {
        own.addAll(push.units().keySet());
        own.addAll(push.counterWidth().keySet());
      } else if (d.profile() != null) {
        site.profile(d.profile()).stream()
            .flatMap(p -> p.points().stream())
            .forEach(p -> own.add(p.field()));
      }
      if (own.isEmpty() || own.contains(field)) {
        return false;
      }
      known.addAll(own);
    }
    if (known.isEmpty()) {
      return false;
    }
    String closest = Binder.closest(field, List.copyOf(known));
    binder.problem(
        b.fields().get(key),
        (c.device() != null
                ? "device '" + c.device() + "' has no field '"
                : "no " + Binder.yamlName(c.kind()) + " device has a field '")
            + field
            + "'"
            + (closest == null ? "" : " (did you mean '" + closest + "'?)")
            + (c.device() != null ? "; its fields: " : "; their fields: ")
            + String.join(", ", known));
    return true;
  }

  private static boolean selects(EnergyModel.Channel c, Device d) {
    return c.device() != null
        ? c.device().equals(d.id())
        : d.kind() == c.kind()
            && (c.cluster() == null
                || d.location() != null && Objects.equals(c.cluster(), d.location().cluster()));
  }

  private static String unitProblem(SiteConfig site, Device d, EnergyModel.Channel c) {
    var units = new java.util.LinkedHashMap<String, io.kilowatch.config.units.PointUnit>();
    for (String field : List.of(c.energyField(), c.powerField())) {
      var unitless = unitlessPoint(site, d, field);
      if (unitless != null) {
        // A report computed offline (kilowatch report) cannot ask the OPC UA server.
        return "point '"
            + unitless.name()
            + "' of profile '"
            + d.profile()
            + "' feeds the energy model: give it a unit, not the server's";
      }
      try {
        declared(site, d, field).ifPresent(u -> units.put(field, u));
      } catch (IllegalArgumentException e) {
        return null; // reported at the point
      }
    }
    if (d.source() instanceof Source.Push && units.isEmpty()) {
      return "pushed device '"
          + d.id()
          + "' declares no unit for "
          + c.energyField()
          + " or "
          + c.powerField()
          + ": add source.units, e.g. {"
          + c.energyField()
          + ": kWh}";
    }
    var energy = units.get(c.energyField());
    if (energy != null && energy.quantity() != io.kilowatch.config.units.Quantity.ENERGY) {
      return "energyField "
          + c.energyField()
          + " of device '"
          + d.id()
          + "' is in "
          + energy.shown()
          + ", which is no energy (e.g. kWh)";
    }
    var power = units.get(c.powerField());
    if (power != null && power.quantity() != io.kilowatch.config.units.Quantity.POWER) {
      return "powerField "
          + c.powerField()
          + " of device '"
          + d.id()
          + "' is in "
          + power.shown()
          + ", which is no power (e.g. W or kW)";
    }
    return null;
  }

  /**
   * The meters outside the energy model must measure what they are used for: water a volume, heat
   * reuse and on-site generation an energy.
   */
  void checkMeterUnits(SiteConfig site, At analyticsAt) {
    var a = site.analytics();
    check(site, a.water(), io.kilowatch.config.units.Quantity.VOLUME, "water", analyticsAt);
    check(site, a.reuse(), io.kilowatch.config.units.Quantity.ENERGY, "reuse", analyticsAt);
    check(
        site,
        a.carbon().onsiteGeneration(),
        io.kilowatch.config.units.Quantity.ENERGY,
        "carbon.onsiteGeneration",
        analyticsAt);
  }

  private void check(
      SiteConfig site,
      AnalyticsConfig.Meter meter,
      io.kilowatch.config.units.Quantity quantity,
      String key,
      At analyticsAt) {
    if (meter == null || analyticsAt == null) {
      return;
    }
    var d = site.device(meter.device()).orElse(null);
    if (d == null) {
      return;
    }
    io.kilowatch.config.units.PointUnit unit;
    try {
      unit = declared(site, d, meter.field()).orElse(null);
    } catch (IllegalArgumentException e) {
      return; // reported at the point
    }
    String where = key + " meter";
    if (unit == null) {
      binder.problem(
          analyticsAt,
          where
              + ": device '"
              + d.id()
              + "' gives no unit for "
              + meter.field()
              + " (a profile point's unit, or source.units for a pushed device)");
    } else if (unit.quantity() != quantity) {
      binder.problem(
          analyticsAt,
          where
              + ": "
              + meter.field()
              + " of device '"
              + d.id()
              + "' is in "
              + unit.shown()
              + ", which is no "
              + quantity.configName());
    }
  }

  /**
   * The unit a device declares for one of its own fields: its pushed {@code source.units}, or the
   * unit of its profile's untagged point writing that field; empty when it declares none.
   *
   * @throws IllegalArgumentException when that point's unit is invalid (reported at the point)
   */
  private static java.util.Optional<io.kilowatch.config.units.PointUnit> declared(
      SiteConfig site, Device d, String field) {
    if (d.source() instanceof Source.Push push) {
      return java.util.Optional.ofNullable(push.units().get(field))
          .map(io.kilowatch.config.units.PointUnit::of);
    }
    return ownPoint(site, d, field).filter(p -> p.unit() != null).map(Profile.Point::pointUnit);
  }

  /** The device's profile point that writes {@code field} without a unit, or null. */
  private static Profile.Point unitlessPoint(SiteConfig site, Device d, String field) {
    return d.source() instanceof Source.Push
        ? null
        : ownPoint(site, d, field).filter(p -> p.unit() == null).orElse(null);
  }

  private static java.util.Optional<Profile.Point> ownPoint(
      SiteConfig site, Device d, String field) {
    if (d.profile() == null) {
      return java.util.Optional.empty();
    }
    return site.profile(d.profile()).stream()
        .flatMap(p -> p.points().stream())
        .filter(p -> p.field().equals(field) && p.tags().isEmpty())
        .map(p -> (Profile.Point) p)
        .findFirst();
  }

  private static String listOrNone(Set<String> ids) {
    return ids.isEmpty() ? "(none)" : String.join(", ", ids);
  }
}
