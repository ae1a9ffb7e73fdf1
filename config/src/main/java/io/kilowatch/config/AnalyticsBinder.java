package io.kilowatch.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Binds the optional {@code analytics:} section; every key has a default. */
final class AnalyticsBinder {
  static final Set<String> ANALYTICS_KEYS =
      Set.of(
          "gapLimit",
          "powerGapLimit",
          "counterGapLimit",
          "coverageThreshold",
          "rawWindow",
          "kpiInterval",
          "loops",
          "hbmLimitC",
          "carbon",
          "water",
          "reuse",
          "declared");
  static final Set<String> METER_KEYS = Set.of("device", "field");
  static final Set<String> DECLARED_KEYS =
      Set.of(
          "wueLPerKwh",
          "erf",
          "installedItPowerKw",
          "floorAreaM2",
          "computerRoomAreaM2",
          "backupGeneratorKwh",
          "waterM3",
          "potableWaterM3",
          "reusedHeatKwh",
          "reuseTemperatureC",
          "intakeAirSetpointC");
  static final Set<String> CARBON_KEYS =
      Set.of(
          "source",
          "fallbackGPerKwh",
          "residualMixGPerKwh",
          "instruments",
          "timeout",
          "onsiteGeneration");
  static final Set<String> SOURCE_KEYS =
      Set.of("type", "gPerKwh", "file", "zone", "region", "signal", "token", "baseUrl");
  static final Set<String> INSTRUMENT_KEYS =
      Set.of("name", "kind", "from", "to", "granularity", "mwh", "factorGPerKwh", "renewable");

  static final URI ELECTRICITY_MAPS = URI.create("https://api.electricitymap.org");
  static final URI UK_CARBON_INTENSITY = URI.create("https://api.carbonintensity.org.uk");
  static final URI WATTTIME = URI.create("https://api.watttime.org");

  enum SourceKind {
    STATIC,
    CSV,
    ELECTRICITY_MAPS,
    UK_CARBON_INTENSITY,
    WATTTIME
  }

  private final Binder binder;
  private final Path baseDir;

  AnalyticsBinder(Binder binder, Path baseDir) {
    this.binder = binder;
    this.baseDir = baseDir;
  }

  AnalyticsConfig analytics(At at) {
    AnalyticsConfig d = AnalyticsConfig.DEFAULT;
    if (at == null) {
      return d;
    }
    Fields f = binder.fields(at, ANALYTICS_KEYS);
    if (f == null) {
      return d;
    }
    // gapLimit is powerGapLimit's old name; rawWindow no longer changes anything (rollups keep
    // the energy rules), so older files still load.
    if (f.get("gapLimit") != null && f.get("powerGapLimit") != null) {
      binder.problem(f.get("gapLimit"), "gapLimit is the old name of powerGapLimit: give only one");
    }
    String gapKey = f.get("powerGapLimit") != null ? "powerGapLimit" : "gapLimit";
    Duration gap = positive(f, gapKey, d.powerGapLimit());
    if (gap.compareTo(Duration.ofMinutes(1)) < 0) {
      binder.problem(
          f.get(gapKey),
          "must be at least 1m (one-minute rollups join the readings inside a minute), got "
              + Binder.shown(f.get(gapKey)));
    }
    Duration counterGap =
        f.get("counterGapLimit") == null ? null : positive(f, "counterGapLimit", null);
    double threshold = f.optionalNumber("coverageThreshold", d.coverageThreshold());
    if (threshold < 0 || threshold > 1) {
      binder.problem(f.get("coverageThreshold"), "must be between 0 and 1, got " + threshold);
    }
    return new AnalyticsConfig(
        gap,
        threshold,
        counterGap,
        positive(f, "kpiInterval", d.kpiInterval()),
        loops(f),
        f.optionalNumber("hbmLimitC", d.hbmLimitC()),
        carbon(f.map("carbon", CARBON_KEYS)),
        meter(f.map("water", METER_KEYS)),
        meter(f.map("reuse", METER_KEYS)),
        declared(f.map("declared", DECLARED_KEYS)));
  }

  private Duration positive(Fields f, String key, Duration fallback) {
    Duration v = f.optionalDuration(key, fallback);
    if (v == null || v.isZero() || v.isNegative()) {
      if (v != null) {
        binder.problem(f.get(key), "must be positive, got " + Binder.shown(f.get(key)));
      }
      return fallback;
    }
    return v;
  }

  private Map<String, AnalyticsConfig.WaterClass> loops(Fields f) {
    var out = new LinkedHashMap<String, AnalyticsConfig.WaterClass>();
    f.stringMap("loops")
        .forEach(
            (loop, cls) -> {
              var match =
                  Arrays.stream(AnalyticsConfig.WaterClass.values())
                      .filter(w -> Binder.yamlName(w).equals(cls.strip()))
                      .findFirst();
              if (match.isEmpty()) {
                binder.problem(
                    f.get("loops"),
                    "loop '"
                        + loop
                        + "': '"
                        + cls
                        + "' is not an ASHRAE liquid class; use one of "
                        + Binder.allowed(AnalyticsConfig.WaterClass.class));
              } else {
                out.put(loop, match.get());
              }
            });
    return out;
  }

  private AnalyticsConfig.Meter meter(Fields f) {
    if (f == null) {
      return null;
    }
    String device = f.requireString("device");
    String field = f.requireString("field");
    return device == null || field == null ? null : new AnalyticsConfig.Meter(device, field);
  }

  private AnalyticsConfig.Declared declared(Fields f) {
    if (f == null) {
      return AnalyticsConfig.Declared.NONE;
    }
    return new AnalyticsConfig.Declared(
        number(f, "wueLPerKwh"),
        number(f, "erf"),
        new AnalyticsConfig.EedDeclared(
            number(f, "installedItPowerKw"),
            number(f, "floorAreaM2"),
            number(f, "computerRoomAreaM2"),
            number(f, "backupGeneratorKwh"),
            number(f, "waterM3"),
            number(f, "potableWaterM3"),
            number(f, "reusedHeatKwh"),
            number(f, "reuseTemperatureC"),
            number(f, "intakeAirSetpointC")));
  }

  private static Double number(Fields f, String key) {
    return f.has(key) ? f.optionalNumber(key, 0) : null;
  }

  private AnalyticsConfig.CarbonConfig carbon(Fields f) {
    var d = AnalyticsConfig.CarbonConfig.NONE;
    if (f == null) {
      return d;
    }
    var instruments = new ArrayList<AnalyticsConfig.Instrument>();
    var onsite = meter(f.map("onsiteGeneration", METER_KEYS));
    for (At item : f.list("instruments")) {
      Fields i = binder.fields(item, INSTRUMENT_KEYS);
      var in = instrument(i);
      if (in != null) {
        instruments.add(in);
        if (onsite != null && in.kind() == AnalyticsConfig.InstrumentKind.ONSITE) {
          // The meter already gives the on-site supply hour by hour; a declared volume on top
          // would cover the same kWh twice in the market-based figure and in REF.
          binder.problem(
              i.get("kind"),
              "instrument '"
                  + in.name()
                  + "': on-site generation is metered by carbon.onsiteGeneration; declaring it"
                  + " too would count it twice");
        }
      }
    }
    return new AnalyticsConfig.CarbonConfig(
        source(f.map("source", SOURCE_KEYS)),
        number(f, "fallbackGPerKwh"),
        number(f, "residualMixGPerKwh"),
        instruments,
        positive(f, "timeout", d.timeout()),
        onsite);
  }

  private AnalyticsConfig.IntensitySource source(Fields f) {
    if (f == null) {
      return null;
    }
    SourceKind kind = f.requireEnum("type", SourceKind.class);
    if (kind == null) {
      return null;
    }
    return switch (kind) {
      case STATIC -> {
        Double g = number(f, "gPerKwh");
        if (g == null) {
          f.require("gPerKwh", "the factor in gCO2e/kWh");
          yield null;
        }
        yield new AnalyticsConfig.IntensitySource.Static(g);
      }
      case CSV -> {
        String file = f.requireString("file");
        yield file == null
            ? null
            : new AnalyticsConfig.IntensitySource.CsvProfile(baseDir.resolve(file).normalize());
      }
      case ELECTRICITY_MAPS -> {
        // Without a zone, the site's gridZone is used (filled in by analytics).
        String zone = f.optionalString("zone", null);
        binder.requireFromEnvironment(f.get("token"), "token");
        yield new AnalyticsConfig.IntensitySource.ElectricityMaps(
            uri(f, ELECTRICITY_MAPS), zone, f.optionalString("token", null));
      }
      case UK_CARBON_INTENSITY ->
          new AnalyticsConfig.IntensitySource.UkCarbonIntensity(uri(f, UK_CARBON_INTENSITY));
      case WATTTIME -> {
        String region = f.requireString("region");
        binder.requireFromEnvironment(f.get("token"), "token");
        yield new AnalyticsConfig.IntensitySource.WattTime(
            uri(f, WATTTIME),
            region,
            f.optionalString("signal", "co2_aoer"),
            f.optionalString("token", null));
      }
    };
  }

  private URI uri(Fields f, URI fallback) {
    return f.has("baseUrl") ? f.requireUri("baseUrl", Set.of("http", "https")) : fallback;
  }

  private AnalyticsConfig.Instrument instrument(Fields f) {
    if (f == null) {
      return null;
    }
    String name = f.requireString("name");
    var kind = f.requireEnum("kind", AnalyticsConfig.InstrumentKind.class);
    var granularity =
        f.optionalEnum(
            "granularity", AnalyticsConfig.Granularity.class, AnalyticsConfig.Granularity.MONTH);
    Double mwh = number(f, "mwh");
    if (mwh == null) {
      f.require("mwh", "volume in MWh per month or per hour");
    }
    String renewable = f.optionalString("renewable", "true");
    if (!List.of("true", "false").contains(renewable)) {
      binder.problem(f.get("renewable"), "must be true or false");
    }
    if (name == null || kind == null || mwh == null) {
      return null;
    }
    return new AnalyticsConfig.Instrument(
        name,
        kind,
        instant(f, "from"),
        instant(f, "to"),
        granularity,
        mwh,
        f.optionalNumber("factorGPerKwh", 0),
        !"false".equals(renewable));
  }

  private Instant instant(Fields f, String key) {
    String text = f.optionalString(key, null);
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      binder.problem(f.get(key), "not an ISO-8601 instant like 2026-01-01T00:00:00Z: " + text);
      return null;
    }
  }
}
