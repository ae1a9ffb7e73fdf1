package io.kilowatch.store;

import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.units.Quantity;
import java.util.List;

/**
 * The measurements, tags and fields that collectors write and analytics, alerts and the web layer
 * read, named once: a collector that writes {@link Gpu#ENERGY_MJ} and the energy engine that reads
 * it use the same constant, so a rename cannot split them. Fields a site maps itself (register and
 * node maps in profiles) are named in its configuration instead; {@link #measurementOf} is the one
 * rule that says where those land.
 */
public final class Vocabulary {
  private Vocabulary() {}

  /**
   * One field of one measurement.
   *
   * @param unit the unit kilowatch itself writes it in (GPU readings, KPIs); {@code null} for a
   *     field whose unit the site's configuration gives
   * @param quantity what it measures where the unit alone does not say (a margin is a temperature
   *     difference); {@code null} for the quantity the unit measures
   */
  public record Field(String measurement, String name, String unit, Quantity quantity) {
    public Field(String measurement, String name, String unit) {
      this(measurement, name, unit, null);
    }

    public Field(String measurement, String name) {
      this(measurement, name, null, null);
    }

    /** Every series of this field, whatever its tags. */
    public SeriesQuery query() {
      return SeriesQuery.of(measurement, name);
    }
  }

  /** Tag keys with a fixed meaning. */
  public static final class Tag {
    private Tag() {}

    public static final String SITE = "site";
    public static final String DEVICE = "device";
    public static final String CLUSTER = "cluster";
    public static final String RACK = "rack";

    /** A GPU's index on its node (NVML and dcgm-exporter alike). */
    public static final String GPU = "gpu";

    public static final String GPU_UUID = "gpu_uuid";
    public static final String MODEL = "model";

    /** What a KPI sample is about: {@code site} or {@code cluster}. */
    public static final String SCOPE = "scope";

    /**
     * The tags that say where a reading comes from; the collectors set them on every sample and
     * they win over a device's or point's own tags. A series whose tags are only these (and the
     * device's configured tags) is the device's total, not a part such as one phase.
     */
    public static final List<String> IDENTITY = List.of(SITE, DEVICE, CLUSTER, RACK);
  }

  /** Per-GPU readings; NVML and the dcgm-exporter scrape write the same names. */
  public static final class Gpu {
    private Gpu() {}

    public static final String MEASUREMENT = "gpu";

    public static final Field POWER_W = field("power_w", "W");
    public static final Field POWER_LIMIT_W = field("power_limit_w", "W");

    /** Energy counter since the driver loaded, in millijoules. */
    public static final Field ENERGY_MJ = field("energy_mj", "mJ");

    public static final Field TEMP_C = field("temp_c", "Cel");
    public static final Field MEM_TEMP_C = field("mem_temp_c", "Cel");
    public static final Field SLOWDOWN_TEMP_C = field("slowdown_temp_c", "Cel");
    public static final Field SHUTDOWN_TEMP_C = field("shutdown_temp_c", "Cel");
    public static final Field GPU_MAX_TEMP_C = field("gpu_max_temp_c", "Cel");
    public static final Field MEM_MAX_TEMP_C = field("mem_max_temp_c", "Cel");

    /** Degrees left before the GPU slows itself down. */
    public static final Field MARGIN_C =
        new Field(MEASUREMENT, "margin_c", "Cel", Quantity.TEMPERATURE_DIFFERENCE);

    public static final Field UTIL_PCT = field("util_pct", "%");
    public static final Field MEM_UTIL_PCT = field("mem_util_pct", "%");
    public static final Field SM_CLOCK_MHZ = field("sm_clock_mhz", "MHz");
    public static final Field MEM_CLOCK_MHZ = field("mem_clock_mhz", "MHz");
    public static final Field CLOCKS_EVENT_REASONS = field("clocks_event_reasons", "1");
    public static final Field THERMAL_VIOLATION_NS = field("thermal_violation_ns", "ns");
    public static final Field POWER_VIOLATION_NS = field("power_violation_ns", "ns");

    private static Field field(String name, String unit) {
      return new Field(MEASUREMENT, name, unit);
    }
  }

  /**
   * A CDU's coolant loop. Its points come from the site's OPC UA profile; these are the fields the
   * thermal-risk engine reads, so a profile must map them under these names.
   */
  public static final class CoolingLoop {
    private CoolingLoop() {}

    public static final String MEASUREMENT = "cooling_loop";

    public static final Field SUPPLY_TEMP_C = new Field(MEASUREMENT, "supply_temp_c");
    public static final Field FLOW_LPM = new Field(MEASUREMENT, "flow_lpm");
    public static final Field DIFF_PRESSURE_KPA = new Field(MEASUREMENT, "diff_pressure_kpa");

    /**
     * The same readings under names without a unit suffix, for a CDU that reports kelvin, m³/h or
     * bar: the configured unit says what they are, and the risk engine converts.
     */
    public static final Field SUPPLY_TEMP = new Field(MEASUREMENT, "supply_temp");

    public static final Field FLOW = new Field(MEASUREMENT, "flow");
    public static final Field DIFF_PRESSURE = new Field(MEASUREMENT, "diff_pressure");

    /** Supply temperature, flow and differential pressure, each under either name. */
    public static final List<List<Field>> READINGS =
        List.of(
            List.of(SUPPLY_TEMP_C, SUPPLY_TEMP),
            List.of(FLOW_LPM, FLOW),
            List.of(DIFF_PRESSURE_KPA, DIFF_PRESSURE));
  }

  /** Figures the KPI job derives and stores, for dashboards and alert rules. */
  public static final class Kpi {
    private Kpi() {}

    public static final String MEASUREMENT = "kpi";

    public static final Field PUE = field("pue", "1");
    public static final Field COVERAGE = field("coverage", "1");
    public static final Field PUE_CATEGORY = field("pue_category", "1");
    public static final Field PUE_STATUS = field("pue_status", "1");
    public static final Field CO2E_LOCATION_KG = field("co2e_location_kg", "kg");
    public static final Field CO2E_MARKET_KG = field("co2e_market_kg", "kg");
    public static final Field CUE_KG_PER_KWH = field("cue_kg_per_kwh", "kg/(kW.h)");
    public static final Field IT_ENERGY_KWH = field("it_energy_kwh", "kW.h");
    public static final Field FACILITY_ENERGY_KWH = field("facility_energy_kwh", "kW.h");
    public static final Field RISK_SCORE = field("risk_score", "1");

    /** 0 ok, 1 watch, 2 warning, 3 critical. */
    public static final Field RISK_LEVEL = field("risk_level", "1");

    public static final Field MINUTES_TO_SLOWDOWN = field("minutes_to_slowdown", "min");

    private static Field field(String name, String unit) {
      return new Field(MEASUREMENT, name, unit);
    }
  }

  /** The measurement a profile point lands in: its own, or else the device kind's name. */
  public static String measurementOf(Profile.Point point, Device device) {
    return point.measurement() != null ? point.measurement() : device.kind().yamlName();
  }

  /**
   * The measurement that holds a device's {@code field} (its total: the point without tags of its
   * own), by the same rule the collectors write with.
   */
  public static String measurementOf(SiteConfig site, Device device, String field) {
    if (device.profile() != null) {
      var profile = site.profile(device.profile());
      if (profile.isPresent()) {
        for (Profile.Point p : profile.get().points()) {
          if (p.field().equals(field) && p.tags().isEmpty()) {
            return measurementOf(p, device);
          }
        }
      }
    }
    return device.kind().yamlName();
  }
}
