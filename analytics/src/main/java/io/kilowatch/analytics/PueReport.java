package io.kilowatch.analytics;

import java.time.Instant;
import java.util.List;

/**
 * PUE over an interval: the whole window, each step (interim PUE) and each cluster, computed over
 * the time where facility and IT energy are both known (R5).
 *
 * @param category ISO/IEC 30134-2 measurement category (1, 2 or 3), from where E_IT is metered; 0
 *     when the site has no energy model
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
   * @param facilityKwh facility energy over its own known time (R3), as are the other energies
   * @param pue {@code pueFacilityKwh / pueItKwh}, null unless {@code status} is OK
   * @param coverage share of the window where facility and IT energy are both known (the time T the
   *     PUE is computed over)
   * @param facilityCoverage share where facility energy is known
   * @param itCoverage share where IT energy is known
   * @param pueFacilityKwh facility energy inside T: the numerator
   * @param pueItKwh IT energy inside T: the denominator
   * @param ppueCooling (E_IT + E_cooling) / E_IT over the time both are known
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
      boolean powerDeliveryDerived,
      double facilityCoverage,
      double itCoverage,
      double pueFacilityKwh,
      double pueItKwh) {}

  /**
   * Interim PUE of one step.
   *
   * @param facilityKwh facility energy over its own known time, null where none was known
   * @param itKwh IT energy over its own known time, null where none was known
   * @param coverage share of the step where both are known (T)
   * @param pueFacilityKwh facility energy inside T
   * @param pueItKwh IT energy inside T
   */
  public record StepPue(
      Instant start,
      Instant end,
      Double facilityKwh,
      Double itKwh,
      Double pue,
      KpiStatus status,
      double coverage,
      double facilityCoverage,
      double itCoverage,
      double pueFacilityKwh,
      double pueItKwh) {}

  /**
   * kilowatch's per-cluster PUE: the cluster's IT energy, the cooling energy that serves it (its
   * CDUs) and its IT-energy share of the shared overhead (E_DC − E_IT − attributed cooling), hour
   * by hour over the site's T. The shares add up to the site's facility energy inside T.
   *
   * @param facilityShareKwh IT + attributed cooling + overhead share: the cluster's part of E_DC
   * @param stepFacilityShareKwh the same per step (null where no facility energy was known)
   * @param stepItKwh the cluster's IT energy inside T per step, what its share is divided by (null
   *     where no facility energy was known)
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
      List<Double> stepFacilityShareKwh,
      List<Double> stepItKwh) {}
}
