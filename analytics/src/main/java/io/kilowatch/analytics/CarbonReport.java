package io.kilowatch.analytics;

import java.time.Instant;
import java.util.List;

/**
 * Scope 2 emissions over an interval (GHG Protocol), both location- and market-based, and the
 * companion KPIs (ISO/IEC 30134 CUE, REF, WUE, ERF).
 */
public record CarbonReport(
    Instant from,
    Instant to,
    String step,
    IntensityInfo intensity,
    Totals totals,
    List<StepCarbon> steps,
    List<ClusterCarbon> clusters) {

  public CarbonReport {
    steps = List.copyOf(steps);
    clusters = List.copyOf(clusters);
  }

  /**
   * Where the grid intensity came from and how fresh it is.
   *
   * @param coverage share of the hours that have an intensity (from the source, carried forward or
   *     the fallback factor)
   * @param ageSeconds seconds since the source last answered, or null if it never did
   * @param lastError the source's last failure, or null
   */
  public record IntensityInfo(
      String source,
      double coverage,
      long sourceHours,
      long carriedForwardHours,
      long fallbackHours,
      Instant lastGoodAt,
      Long ageSeconds,
      String lastError) {}

  /**
   * @param facilityKwh E_DC over the hours that have an intensity (facility's own known time)
   * @param locationKg Σ_h E_DC,h × CI_h / 1000, kgCO2e; null unless {@code status} is OK
   * @param marketKg instruments at their factors, the rest at the residual mix, kgCO2e
   * @param cueLocation location-based kgCO2e / E_IT kWh (ISO/IEC 30134-8) over the time where
   *     facility and IT energy and the intensity are known; {@code cue} holds what was divided
   * @param status of the emissions: facility energy known over enough of the hours with an
   *     intensity
   * @param coverage share of the period where facility energy and the intensity are known
   * @param renewableKwh energy covered by renewable instruments
   * @param ref E_renewable / E_DC (ISO/IEC 30134-3)
   */
  public record Totals(
      double facilityKwh,
      double itKwh,
      Double locationKg,
      Double marketKg,
      Double cueLocation,
      Double cueMarket,
      KpiStatus status,
      double coverage,
      double renewableKwh,
      Double ref,
      Declarable wue,
      Declarable erf,
      Renewables renewables,
      Cue cue) {}

  /**
   * What CUE divided (R5): facility energy, its emissions and IT energy over the same time T_cue
   * (facility and IT energy known, an intensity for the hour), so CUE can be recomputed from it.
   */
  public record Cue(
      double facilityKwh,
      double itKwh,
      double locationKg,
      double marketKg,
      double coverage,
      KpiStatus status) {}

  /**
   * Renewable energy that covered E_DC, by kind of supply (the EU EED's E_RES-TOT split): each kWh
   * is counted once, by the instrument that covered it in the market-based matching.
   *
   * @param certificatesKwh guarantees of origin / energy attribute certificates ({@code
   *     certificate} instruments), declared
   * @param ppaKwh power purchase agreements ({@code ppa} instruments), declared
   * @param onsiteKwh on-site generation: measured by {@code carbon.onsiteGeneration}, else declared
   *     by {@code onsite} instruments
   * @param onsiteBasis {@code measured} or {@code declared}
   */
  public record Renewables(
      double certificatesKwh, double ppaKwh, double onsiteKwh, String onsiteBasis) {
    public double totalKwh() {
      return certificatesKwh + ppaKwh + onsiteKwh;
    }
  }

  /**
   * A KPI that is measured where meters exist and declared (entered in config) otherwise.
   *
   * @param basis {@code measured}, {@code declared} or {@code none}
   */
  public record Declarable(Double value, String unit, String basis) {}

  /** One output step; intensity is the energy-weighted mean over its hours. */
  public record StepCarbon(
      Instant start,
      Instant end,
      Double facilityKwh,
      Double intensityGPerKwh,
      Double locationKg,
      Double marketKg) {}

  /**
   * A cluster's emissions: its part of E_DC (see per-cluster PUE) hour by hour.
   *
   * @param renewables the renewable supply of each hour shared like the market-based emissions, in
   *     proportion to the cluster's part of that hour's E_DC
   */
  public record ClusterCarbon(
      String cluster,
      double facilityShareKwh,
      Double locationKg,
      Double marketKg,
      Renewables renewables) {}
}
