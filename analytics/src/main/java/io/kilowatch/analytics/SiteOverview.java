package io.kilowatch.analytics;

import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Facility, IT and cooling power and interim PUE over a window, from the energy model.
 *
 * <p>PUE is computed from energy (counter increase per step, ISO/IEC 30134-2), never as a ratio of
 * instantaneous powers: {@code PUE = ΔE_facility / ΔE_IT}. The full analytics (gaps, wrap,
 * per-cluster attribution, coverage thresholds) lives in the energy and PUE engines; this is the
 * live view the dashboard starts from.
 */
public final class SiteOverview {
  private final EnergyModel model;
  private final ChannelSum sums;

  public SiteOverview(SiteConfig site, Store store) {
    this.model = site.energy();
    this.sums = new ChannelSum(new ChannelResolver(site), store);
  }

  /** Power series in kW and interim PUE per step over {@code [from, to)}. */
  public Overview compute(Instant from, Instant to, Duration step) {
    var facility = power(model.facility(), from, to, step).toSeries("facility_power", "kW", 1e-3);
    var it = power(model.it(), from, to, step).toSeries("it_power", "kW", 1e-3);
    var cooling = power(model.cooling(), from, to, step).toSeries("cooling_power", "kW", 1e-3);
    var eFacility = energy(model.facility(), from, to, step);
    var eIt = energy(model.it(), from, to, step);

    var pueSteps = new ArrayList<KpiSeries.Step>();
    double totalFacility = 0;
    double totalIt = 0;
    int complete = 0;
    for (int i = 0; i < eFacility.starts().size(); i++) {
      Double f = eFacility.values().get(i);
      Double t = eIt.values().get(i);
      Double pue = null;
      if (f != null && t != null && t > 0) {
        pue = f / t;
        totalFacility += f;
        totalIt += t;
        complete++;
      }
      pueSteps.add(new KpiSeries.Step(eFacility.starts().get(i), pue));
    }
    int n = eFacility.starts().size();
    double coverage = n == 0 ? 0 : Math.min(eFacility.coverage(), eIt.coverage());
    var pue = new KpiSeries("pue", "ratio", pueSteps, coverage);
    Double windowPue = totalIt > 0 ? totalFacility / totalIt : null;
    return new Overview(
        from,
        to,
        step,
        model.itLevel().category(),
        facility,
        it,
        cooling,
        pue,
        windowPue,
        totalFacility,
        totalIt,
        n == 0 ? 0 : (double) complete / n);
  }

  private ChannelSum.Sums power(List<Channel> channels, Instant from, Instant to, Duration step) {
    return sums.sum(channels, Channel::powerField, Aggregate.MEAN, from, to, step);
  }

  private ChannelSum.Sums energy(List<Channel> channels, Instant from, Instant to, Duration step) {
    return sums.sum(channels, Channel::energyField, Aggregate.COUNTER_DELTA, from, to, step);
  }

  /**
   * @param pueCategory ISO/IEC 30134-2 measurement category, reported with every PUE
   * @param windowPue ΔE_facility / ΔE_IT over the steps where both were complete, or null
   * @param facilityEnergyKwh facility energy over those steps
   * @param itEnergyKwh IT energy over those steps
   * @param pueStepCoverage share of steps that produced a PUE value
   */
  public record Overview(
      Instant from,
      Instant to,
      Duration step,
      int pueCategory,
      KpiSeries facilityPower,
      KpiSeries itPower,
      KpiSeries coolingPower,
      KpiSeries pue,
      Double windowPue,
      double facilityEnergyKwh,
      double itEnergyKwh,
      double pueStepCoverage) {}
}
