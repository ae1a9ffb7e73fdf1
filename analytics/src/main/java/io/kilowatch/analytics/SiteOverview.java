package io.kilowatch.analytics;

import io.kilowatch.analytics.EnergyEngine.Group;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

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
    var silent = new LinkedHashMap<String, Map<Instant, List<String>>>();
    KpiSeries facility =
        power("facility_power", model == null ? List.of() : model.facility(), plan, silent);
    KpiSeries it = power("it_power", model == null ? List.of() : model.it(), plan, silent);
    KpiSeries cooling =
        power("cooling_power", model == null ? List.of() : model.cooling(), plan, silent);
    // A PUE step without a value for want of facility or IT names the devices those lacked.
    var pueSilent = new LinkedHashMap<Instant, List<String>>();
    for (KpiSeries.Step s : pueSteps) {
      if (s.value() == null) {
        var ids = new TreeSet<String>();
        ids.addAll(silent.get("facility_power").getOrDefault(s.start(), List.of()));
        ids.addAll(silent.get("it_power").getOrDefault(s.start(), List.of()));
        if (!ids.isEmpty()) {
          pueSilent.put(s.start(), List.copyOf(ids));
        }
      }
    }
    silent.put("pue", pueSilent);
    return new Overview(
        from,
        to,
        step,
        report.category(),
        facility,
        it,
        cooling,
        new KpiSeries("pue", "ratio", pueSteps, w.coverage()),
        w.pue(),
        w.status(),
        w.pueFacilityKwh(),
        w.pueItKwh(),
        n == 0 ? 0 : (double) complete / n,
        Map.copyOf(silent));
  }

  private KpiSeries power(
      String name,
      List<Channel> channels,
      StepPlan plan,
      Map<String, Map<Instant, List<String>>> silent) {
    Group g = energy.group(name, energy.inputs(channels, (c, d) -> true), plan);
    double[] kwh = g.kwhIn(g.known);
    var steps = new ArrayList<KpiSeries.Step>(plan.size());
    var gaps = new LinkedHashMap<Instant, List<String>>();
    for (int i = 0; i < plan.size(); i++) {
      long start = plan.start(i).toEpochMilli();
      long knownMs = g.known.measure(start, plan.end(i).toEpochMilli());
      steps.add(
          new KpiSeries.Step(
              plan.start(i), knownMs == 0 ? null : kwh[i] / (knownMs / 3_600_000.0)));
      long len = g.length(i);
      // Before the group's first reading in the window nothing was down: the site was not yet
      // watched. Such a step is a plain gap, or every device would be named in every step of a
      // window reaching back before monitoring began.
      if (knownMs == 0 && len > 0 && g.anyKnown(g.edges[0], start + len)) {
        List<String> ids = unknownThroughout(g, start, start + len);
        if (!ids.isEmpty()) {
          gaps.put(plan.start(i), ids);
        }
      }
    }
    silent.put(name, gaps);
    return new KpiSeries(name, "kW", steps, g.coverage(g.known));
  }

  /**
   * The group's devices not known over all of {@code [a, b)}: down, BAD, or with nothing stored
   * while others of the group reported. The step's gap is theirs; a device known throughout is not
   * named.
   */
  private static List<String> unknownThroughout(Group g, long a, long b) {
    var ids = new TreeSet<String>();
    var withLedger =
        java.util.Collections.newSetFromMap(
            new java.util.IdentityHashMap<EnergyEngine.Input, Boolean>());
    for (int k = 0; k < g.ledgers.size(); k++) {
      withLedger.add(g.ledgerInputs.get(k));
      if (g.ledgers.get(k).known.measure(a, b) < b - a) {
        ids.add(g.ledgerInputs.get(k).device().id());
      }
    }
    for (EnergyEngine.Input in : g.inputs) {
      if (!withLedger.contains(in)) {
        ids.add(in.device().id());
      }
    }
    return List.copyOf(ids);
  }

  /**
   * @param pueCategory ISO/IEC 30134-2 measurement category, reported with every PUE (0: no energy
   *     model)
   * @param windowPue the PUE engine's PUE over the window, or null (see {@code pueStatus})
   * @param facilityEnergyKwh facility energy inside the time where facility and IT are both known
   * @param itEnergyKwh IT energy inside that time
   * @param pueStepCoverage share of steps that produced a PUE value
   * @param silentDevices by series name ({@code facility_power}, {@code it_power}, {@code
   *     cooling_power}, {@code pue}), for each step without a value, the ids of the devices that
   *     had no reading over it (down, BAD, or nothing stored); steps with a value, and steps before
   *     the group's first reading in the window (nothing was watched yet), are absent
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
      double pueStepCoverage,
      Map<String, Map<Instant, List<String>>> silentDevices) {

    public Overview {
      var copy = new LinkedHashMap<String, Map<Instant, List<String>>>();
      silentDevices.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
      silentDevices = Map.copyOf(copy);
    }
  }
}
