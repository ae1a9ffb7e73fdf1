package io.kilowatch.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settings of the energy, PUE, carbon and risk analytics ({@code analytics:} in the site file).
 * Every key has a default, so a site without the section still gets analytics.
 *
 * @param powerGapLimit two power readings further apart than this are a gap, never joined by a
 *     straight line (R2); also the longest interval a reset is filled from the meter's power (R1)
 * @param coverageThreshold a KPI whose inputs cover less than this share (0..1) is flagged
 * @param counterGapLimit two counter readings further apart than this are not joined; {@code null}
 *     (the default): a counter that kept counting through a gap knows its energy however long the
 *     gap (R1)
 * @param kpiInterval how often the KPI job writes the {@code kpi} measurement
 * @param loops ASHRAE liquid class of each cooling loop, keyed by CDU device id or cluster id
 * @param hbmLimitC HBM temperature limit used where the device reports none
 * @param carbon grid intensity and contractual instruments
 * @param water a water meter (counter) for WUE, or {@code null}
 * @param reuse a meter of heat energy reused outside the data centre, for ERF, or {@code null}
 * @param declared values entered by hand where nothing is metered
 */
public record AnalyticsConfig(
    Duration powerGapLimit,
    double coverageThreshold,
    Duration counterGapLimit,
    Duration kpiInterval,
    Map<String, WaterClass> loops,
    double hbmLimitC,
    CarbonConfig carbon,
    Meter water,
    Meter reuse,
    Declared declared) {

  public static final AnalyticsConfig DEFAULT =
      new AnalyticsConfig(
          Duration.ofMinutes(5),
          0.9,
          null,
          Duration.ofMinutes(5),
          Map.of(),
          95,
          CarbonConfig.NONE,
          null,
          null,
          Declared.NONE);

  public AnalyticsConfig {
    loops = Map.copyOf(loops);
  }

  /** ASHRAE liquid-cooling classes name the maximum facility supply temperature. */
  public enum WaterClass {
    W17(17),
    W27(27),
    W32(32),
    W40(40),
    W45(45),
    /** Above 45 °C: no upper limit is implied; the loop's own setting applies. */
    W_PLUS(60);

    private final double maxSupplyC;

    WaterClass(double maxSupplyC) {
      this.maxSupplyC = maxSupplyC;
    }

    public double maxSupplyC() {
      return maxSupplyC;
    }
  }

  /**
   * One cumulative meter outside the energy model.
   *
   * @param field the counter field; its unit is the one its profile point or push declaration gives
   *     (a volume for water, an energy for reuse)
   */
  public record Meter(String device, String field) {}

  /**
   * Values that are declared, not measured, and shown as such.
   *
   * @param wueLPerKwh water usage effectiveness, L/kWh
   * @param erf energy reuse factor, 0..1
   */
  public record Declared(Double wueLPerKwh, Double erf, EedDeclared eed) {
    public static final Declared NONE = new Declared(null, null);

    public Declared {
      eed = eed == null ? EedDeclared.NONE : eed;
    }

    /** Without EED items. */
    public Declared(Double wueLPerKwh, Double erf) {
      this(wueLPerKwh, erf, EedDeclared.NONE);
    }
  }

  /**
   * EU EED reporting items no meter gives (Delegated Regulation (EU) 2024/1364), entered by hand
   * and shown in energy reports as "declared"; null where not declared.
   */
  public record EedDeclared(
      Double installedItPowerKw,
      Double floorAreaM2,
      Double computerRoomAreaM2,
      Double backupGeneratorKwh,
      Double waterM3,
      Double potableWaterM3,
      Double reusedHeatKwh,
      Double reuseTemperatureC,
      Double intakeAirSetpointC) {
    public static final EedDeclared NONE =
        new EedDeclared(null, null, null, null, null, null, null, null, null);
  }

  /**
   * Grid carbon intensity and contractual instruments (GHG Protocol Scope 2).
   *
   * @param source where hourly grid intensity comes from, or {@code null} for none
   * @param fallbackGPerKwh used for hours the source has no value for, or {@code null}
   * @param residualMixGPerKwh market-based factor for energy no instrument covers; {@code null}
   *     uses the location-based intensity of the hour
   * @param timeout every request to an intensity API ends within this
   * @param onsiteGeneration a meter (energy counter) of on-site renewable generation consumed on
   *     site, or {@code null}: when set, on-site supply is measured hour by hour instead of
   *     declared by {@code onsite} instruments (both at once would count it twice, the config
   *     rejects that)
   */
  public record CarbonConfig(
      IntensitySource source,
      Double fallbackGPerKwh,
      Double residualMixGPerKwh,
      List<Instrument> instruments,
      Duration timeout,
      Meter onsiteGeneration) {

    public static final CarbonConfig NONE =
        new CarbonConfig(null, null, null, List.of(), Duration.ofSeconds(10));

    public CarbonConfig {
      instruments = List.copyOf(instruments);
    }

    /** Without an on-site generation meter. */
    public CarbonConfig(
        IntensitySource source,
        Double fallbackGPerKwh,
        Double residualMixGPerKwh,
        List<Instrument> instruments,
        Duration timeout) {
      this(source, fallbackGPerKwh, residualMixGPerKwh, instruments, timeout, null);
    }
  }

  /** Where hourly grid carbon intensity comes from. */
  public sealed interface IntensitySource {
    /** One factor for every hour, gCO2e/kWh. */
    record Static(double gPerKwh) implements IntensitySource {}

    /**
     * A CSV file: {@code timestamp,g_per_kwh} rows (ISO-8601 hour starts), or {@code
     * hour,g_per_kwh} rows with hours 0..23 as a typical day in the site's time zone.
     */
    record CsvProfile(java.nio.file.Path file) implements IntensitySource {}

    /**
     * Electricity Maps v3 ({@code /v3/carbon-intensity/history?zone=}, header auth-token).
     *
     * @param zone {@code null} uses the site's {@code gridZone}
     */
    record ElectricityMaps(java.net.URI baseUrl, String zone, String token)
        implements IntensitySource {
      @Override
      public String toString() {
        return "ElectricityMaps[baseUrl=" + baseUrl + ", zone=" + zone + ", token=****]";
      }
    }

    /** National Grid ESO / NESO Carbon Intensity API (Great Britain, {@code /intensity}). */
    record UkCarbonIntensity(java.net.URI baseUrl) implements IntensitySource {}

    /** WattTime v3 historical; {@code co2_aoer} (average) is the accounting signal. */
    record WattTime(java.net.URI baseUrl, String region, String signal, String token)
        implements IntensitySource {
      @Override
      public String toString() {
        return "WattTime[baseUrl=" + baseUrl + ", region=" + region + ", signal=" + signal + "]";
      }
    }
  }

  /**
   * A contractual instrument: a PPA, certificates (guarantees of origin, RECs) or on-site supply.
   *
   * @param granularity whether {@code mwh} is per calendar month (site time zone) or per hour
   * @param mwh volume per month or per hour within {@code [from, to)}
   * @param factorGPerKwh the instrument's emission factor (0 for renewable certificates)
   * @param renewable counts in REF
   */
  public record Instrument(
      String name,
      InstrumentKind kind,
      java.time.Instant from,
      java.time.Instant to,
      Granularity granularity,
      double mwh,
      double factorGPerKwh,
      boolean renewable) {}

  public enum InstrumentKind {
    PPA,
    CERTIFICATE,
    ONSITE
  }

  public enum Granularity {
    MONTH,
    HOUR
  }
}
