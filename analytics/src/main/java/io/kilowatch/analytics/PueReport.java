package io.kilowatch.analytics;

import java.time.Instant;
import java.util.List;

/**
 * PUE over an interval: the whole window, each step (interim PUE) and each cluster.
 *
 * @param category ISO/IEC 30134-2 measurement category (1, 2 or 3), from where E_IT is metered
 * @param step the step label ({@code 1h}, {@code day}, {@code month}, {@code whole})
 */
public record PueReport(
    Instant from,
    Instant to,
    String step,
    int category,
    String itLevel,
    Window window,
    List<StepPue> steps,
    List<ClusterPue> clusters) {

  public PueReport {
    steps = List.copyOf(steps);
    clusters = List.copyOf(clusters);
  }

  /**
   * @param pue E_DC / E_IT, null unless {@code status} is OK
   * @param coverage the lower of the facility and IT energy coverage
   * @param ppueCooling (E_IT + E_cooling) / E_IT
   * @param ppuePowerDelivery (E_IT + E_losses) / E_IT; when no loss meter exists, derived as the
   *     remainder E_DC − E_IT − E_cooling − E_other and marked so
   */
  public record Window(
      double facilityKwh,
      double itKwh,
      double coolingKwh,
      double lossesKwh,
      double otherKwh,
      Double pue,
      KpiStatus status,
      double coverage,
      Double ppueCooling,
      Double ppuePowerDelivery,
      boolean powerDeliveryDerived) {}

  /** Interim PUE of one step. */
  public record StepPue(
      Instant start,
      Instant end,
      Double facilityKwh,
      Double itKwh,
      Double pue,
      KpiStatus status,
      double coverage) {}

  /**
   * kilowatch's per-cluster PUE: the cluster's IT energy, the cooling energy that serves it (its
   * CDUs) and its IT-energy share of the shared overhead (E_DC − E_IT − attributed cooling).
   * Weighted by IT energy, the clusters' PUEs add back up to the site's.
   *
   * @param facilityShareKwh IT + attributed cooling + overhead share: the cluster's part of E_DC
   * @param stepFacilityShareKwh the same per step (null where the step is incomplete)
   */
  public record ClusterPue(
      String cluster,
      double itKwh,
      double coolingKwh,
      double overheadKwh,
      double facilityShareKwh,
      Double pue,
      KpiStatus status,
      double coverage,
      List<Double> stepFacilityShareKwh) {}
}
