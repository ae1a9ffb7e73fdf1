package io.kilowatch.analytics.report;

import io.kilowatch.analytics.CarbonReport;
import java.time.Instant;
import java.util.List;

/**
 * An energy report for an audit: what was asked, where the numbers came from and the figures.
 * Everything in it is a function of the stored data and the config, never of the time it was made,
 * so the same data gives the same bytes.
 */
public record Report(
    Provenance provenance,
    Headline headline,
    List<Month> months,
    List<ClusterRow> clusters,
    Carbon carbon,
    List<EedField> eed,
    List<MeterCoverage> meters,
    Jobs jobs,
    Detail detail) {

  public Report {
    months = List.copyOf(months);
    clusters = List.copyOf(clusters);
    eed = List.copyOf(eed);
    meters = List.copyOf(meters);
  }

  /**
   * Energy and carbon per account and job (analytics/README.md J1–J5); null where the report was
   * made without a job ledger.
   *
   * @param gpuItKwh the GPUs' energy, = jobsItKwh + idleItKwh (J2)
   * @param top the jobs with the most facility energy, at most {@link #TOP_JOBS}
   */
  public record Jobs(
      int jobs,
      double gpuItKwh,
      double jobsItKwh,
      double idleItKwh,
      double facilityKwh,
      double idleFacilityKwh,
      Double locationKg,
      Double marketKg,
      double coverage,
      List<JobAccount> accounts,
      List<TopJob> top) {
    public Jobs {
      accounts = List.copyOf(accounts);
      top = List.copyOf(top);
    }
  }

  /**
   * What the documents (HTML, PDF) show beside the figures: breakdowns at the period's resolution
   * and the settings the methodology section quotes. Not part of the CSV and JSON, whose schema
   * stays the figures'; every number here comes from the same engines over the same data.
   *
   * @param breakdownStep {@code day} for periods up to two months, else {@code month}
   * @param breakdown the period cut at {@code breakdownStep} (site time zone)
   * @param chartStep {@code hour} for a period of at most two days, else {@code breakdownStep}
   * @param chart the period cut at {@code chartStep}
   * @param coverageThreshold {@code analytics.coverageThreshold}: below it no PUE is shown
   * @param residualMixGPerKwh market-based factor for energy no instrument covers, null: the grid's
   * @param instruments the contractual instruments, one line each
   */
  public record Detail(
      String breakdownStep,
      List<Month> breakdown,
      String chartStep,
      List<Month> chart,
      double coverageThreshold,
      String gridZone,
      String powerGapLimit,
      String counterGapLimit,
      Double residualMixGPerKwh,
      Double fallbackGPerKwh,
      List<String> instruments) {
    public Detail {
      breakdown = List.copyOf(breakdown);
      chart = List.copyOf(chart);
      instruments = List.copyOf(instruments);
    }
  }

  /** How many jobs the report lists one by one. */
  public static final int TOP_JOBS = 20;

  public record JobAccount(
      String account,
      int jobs,
      double gpuHours,
      double itKwh,
      double facilityKwh,
      Double locationKg,
      Double marketKg) {}

  public record TopJob(
      String id,
      String account,
      String user,
      double gpuHours,
      double itKwh,
      double facilityKwh,
      Double locationKg,
      Double marketKg,
      double coverage) {}

  /** What the report was asked for. */
  public record Params(String site, Instant from, Instant to, String cluster, String zone) {}

  /**
   * @param configSha256 SHA-256 of the config file's bytes
   * @param inputSha256 SHA-256 over the canonical serialization of the raw readings, rollup rows
   *     and hourly intensities read (see {@link InputHash})
   */
  public record Provenance(
      String kilowatchVersion,
      String configSha256,
      String store,
      Params params,
      String inputSha256,
      long inputPoints,
      long inputSeries,
      long inputRuns,
      long inputIntensityHours) {}

  /**
   * Site figures, or for a cluster report that cluster's: metered IT energy and, by the per-cluster
   * PUE rules, its allocated part of the rest.
   *
   * @param pue null unless {@code pueStatus} is OK
   * @param peakItKw highest hourly mean IT power
   * @param meanItKw E_IT over the hours of the period
   * @param itShare for a cluster, E_IT,cluster / E_IT,site (the share of unattributed cooling,
   *     losses and other energy it is allocated); null for the site
   * @param allocationRule for a cluster, how its E_DC, cooling, losses and other energy were
   *     allocated; null for the site
   */
  public record Headline(
      double facilityKwh,
      double itKwh,
      double coolingKwh,
      double lossesKwh,
      double otherKwh,
      Double pue,
      String pueStatus,
      int pueCategory,
      String itLevel,
      double coverage,
      Double ppueCooling,
      Double ppuePowerDelivery,
      boolean powerDeliveryDerived,
      Double peakItKw,
      Double meanItKw,
      Double itShare,
      String allocationRule) {}

  /**
   * One calendar month (site time zone), clipped to the period.
   *
   * @param otherKwh E_DC − E_IT − cooling: power delivery losses and everything else
   */
  public record Month(
      Instant start,
      Instant end,
      Double facilityKwh,
      Double itKwh,
      Double coolingKwh,
      Double otherKwh,
      Double pue,
      String pueStatus,
      double coverage,
      Double locationKg,
      Double marketKg,
      Double intensityGPerKwh) {}

  /** kilowatch's per-cluster PUE and emissions (see analytics README). */
  public record ClusterRow(
      String cluster,
      double itKwh,
      double coolingKwh,
      double overheadKwh,
      double facilityShareKwh,
      Double pue,
      String pueStatus,
      Double locationKg,
      Double marketKg) {}

  /** Scope 2 emissions and the companion KPIs. */
  public record Carbon(
      Double locationKg,
      Double marketKg,
      Double cueLocation,
      Double cueMarket,
      String status,
      double coverage,
      String intensitySource,
      double intensityCoverage,
      long sourceHours,
      long carriedForwardHours,
      long fallbackHours,
      double renewableKwh,
      CarbonReport.Renewables renewables,
      Double ref,
      Double wue,
      String wueBasis,
      Double erf,
      String erfBasis) {}

  /**
   * One EU EED reporting item (Delegated Regulation (EU) 2024/1364).
   *
   * @param basis {@code measured}, {@code computed}, {@code declared} or {@code not-available}
   */
  public record EedField(
      String id, String label, Double value, String unit, String basis, String note) {}

  /**
   * Data coverage of one meter and what was done about the missing parts.
   *
   * @param rule how gaps and resets were handled
   */
  public record MeterCoverage(
      String role,
      String device,
      String source,
      double coverage,
      Double kwh,
      int resets,
      int wraps,
      int gaps,
      String rule,
      io.kilowatch.analytics.Applied applied) {}
}
