package io.kilowatch.analytics;

import io.kilowatch.analytics.EnergyEngine.Group;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Facility, IT and cooling power and interim PUE over a window: the dashboard's live view, from the
 * same engine as every other energy figure. Power per step is the energy over the time the group
 * was known divided by that time (a mean that a missing PDU cannot pull down); PUE per step is the
 * PUE engine's (R5).
 */
public final class SiteOverview {
  private final EnergyEngine energy;
  private final PueEngine pue;
  private final EnergyModel model;

  public SiteOverview(Analytics analytics) {
    this.energy = analytics.energy();
    this.pue = analytics.pue();
    this.model = analytics.site().energy();
  }

  /** Power series in kW and interim PUE per step over {@code [from, to)}. */
  public Overview compute(Instant from, Instant to, Duration step) {
    return energy.shared(() -> computeShared(from, to, step));
  }

  private Overview computeShared(Instant from, Instant to, Duration step) {
    var fixed = new StepPlan.Step.Fixed(step);
    StepPlan plan = energy.plan(from, to, fixed);
    PueReport report = pue.compute(from, to, fixed);
    var pueSteps = new ArrayList<KpiSeries.Step>();
    int complete = 0;
    for (PueReport.StepPue s : report.steps()) {
      pueSteps.add(new KpiSeries.Step(s.start(), s.pue()));
      if (s.pue() != null) {
        complete++;
      }
    }
    int n = plan.size();
    var w = report.window();
    return new Overview(
        from,
        to,
        step,
        report.category(),
        power("facility_power", model == null ? List.of() : model.facility(), plan),
        power("it_power", model == null ? List.of() : model.it(), plan),
        power("cooling_power", model == null ? List.of() : model.cooling(), plan),
        new KpiSeries("pue", "ratio", pueSteps, w.coverage()),
        w.pue(),
        w.status(),
        w.pueFacilityKwh(),
        w.pueItKwh(),
        n == 0 ? 0 : (double) complete / n);
  }

  private KpiSeries power(String name, List<Channel> channels, StepPlan plan) {
    Group g = energy.group(name, energy.inputs(channels, (c, d) -> true), plan);
    double[] kwh = g.kwhIn(g.known);
    var steps = new ArrayList<KpiSeries.Step>(plan.size());
    for (int i = 0; i < plan.size(); i++) {
      long start = plan.start(i).toEpochMilli();
      long knownMs = g.known.measure(start, plan.end(i).toEpochMilli());
      steps.add(
          new KpiSeries.Step(
              plan.start(i), knownMs == 0 ? null : kwh[i] / (knownMs / 3_600_000.0)));
    }
    return new KpiSeries(name, "kW", steps, g.coverage(g.known));
  }

  /**
   * @param pueCategory ISO/IEC 30134-2 measurement category, reported with every PUE (0: no energy
   *     model)
   * @param windowPue the PUE engine's PUE over the window, or null (see {@code pueStatus})
   * @param facilityEnergyKwh facility energy inside the time where facility and IT are both known
   * @param itEnergyKwh IT energy inside that time
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
      KpiStatus pueStatus,
      double facilityEnergyKwh,
      double itEnergyKwh,
      double pueStepCoverage) {}
}
