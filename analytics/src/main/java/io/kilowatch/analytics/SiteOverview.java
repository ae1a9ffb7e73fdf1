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
 * same engine as every other energy figure. Power per step is the sum of each meter's mean power
 * over its own known time in the step (README, "Site power"): a site of 1,536 PDUs polled at
 * staggered phases has a value in every step where each PDU reported, not only where all of them
 * were known at the same instants. PUE per step is that step's facility power over its IT power;
 * the window's PUE is the PUE engine's (R5).
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
    // The window's PUE and the energies it divides are the PUE engine's (R5, over the time where
    // facility and IT are both known); the steps below are the power tiles' own.
    PueReport report = pue.compute(from, to, fixed);
    int n = plan.size();
    var w = report.window();
    var silent = new LinkedHashMap<String, Map<Instant, List<String>>>();
    Power facility =
        power("facility_power", model == null ? List.of() : model.facility(), plan, silent);
    Power it = power("it_power", model == null ? List.of() : model.it(), plan, silent);
    Power cooling =
        power("cooling_power", model == null ? List.of() : model.cooling(), plan, silent);
    // A step's PUE is its facility power over its IT power: the two tiles' own figures, so the
    // tiles and the PUE agree. Both are means over the same step, so this is the ratio of the
    // step's energies. No value where either is missing, IT is not positive, or it is below one.
    var pueSteps = new ArrayList<KpiSeries.Step>(n);
    var pueSilent = new LinkedHashMap<Instant, List<String>>();
    int complete = 0;
    Instant latest = null;
    for (int i = 0; i < n; i++) {
      Double v = null;
      if (facility.valued()[i] && it.valued()[i] && it.kw()[i] > 0) {
        double r = facility.kw()[i] / it.kw()[i];
        v = r >= 1 ? r : null;
        latest = plan.start(i);
      }
      pueSteps.add(new KpiSeries.Step(plan.start(i), v));
      if (v != null) {
        complete++;
      } else {
        // A PUE step without a value for want of facility or IT names the devices those lacked.
        var ids = new TreeSet<String>();
        ids.addAll(silent.get("facility_power").getOrDefault(plan.start(i), List.of()));
        ids.addAll(silent.get("it_power").getOrDefault(plan.start(i), List.of()));
        if (!ids.isEmpty()) {
          pueSilent.put(plan.start(i), List.copyOf(ids));
        }
      }
    }
    silent.put("pue", pueSilent);
    var unmetered = new ArrayList<String>();
    for (Power p : List.of(facility, it, cooling)) {
      if (!p.metered()) {
        unmetered.add(p.series().name());
      }
    }
    return new Overview(
        from,
        to,
        step,
        report.category(),
        facility.series(),
        it.series(),
        cooling.series(),
        new KpiSeries("pue", "ratio", pueSteps, w.coverage()),
        w.pue(),
        w.status(),
        w.pueFacilityKwh(),
        w.pueItKwh(),
        n == 0 ? 0 : (double) complete / n,
        Map.copyOf(silent),
        latest,
        List.copyOf(unmetered));
  }

  /**
   * A group's power per step (README, "Site power"): the sum over its series of each series' mean
   * power over its own known time in the step, so no step needs every meter's readings to cover the
   * same instants. A series whose known time ended before the step and that is not yet overdue (its
   * newest reading at most two poll intervals before now) stands at its last step's mean: its next
   * reading is simply not due yet. A step where any series has neither is a gap that names the
   * devices without a reading. A group without channels is not metered: every step is empty.
   */
  private Power power(
      String name,
      List<Channel> channels,
      StepPlan plan,
      Map<String, Map<Instant, List<String>>> silent) {
    Group g = energy.group(name, energy.inputs(channels, (c, d) -> true), plan);
    int n = plan.size();
    var steps = new ArrayList<KpiSeries.Step>(n);
    var gaps = new LinkedHashMap<Instant, List<String>>();
    double[] kw = new double[n];
    boolean[] valued = new boolean[n];
    if (!g.inputs.isEmpty()) {
      java.util.Arrays.fill(valued, true);
    }
    // Inputs without any series are known nowhere: no step of the group has a value.
    if (g.ledgers.isEmpty() || !withoutSeries(g).isEmpty()) {
      java.util.Arrays.fill(valued, false);
    }
    var missing = new ArrayList<java.util.Set<String>>(n);
    for (int i = 0; i < n; i++) {
      missing.add(new TreeSet<>());
    }
    for (int k = 0; k < g.ledgers.size(); k++) {
      SeriesLedger l = g.ledgers.get(k);
      EnergyEngine.Input in = g.ledgerInputs.get(k);
      long knownEnd = l.known.isEmpty() ? Long.MIN_VALUE : l.known.end(l.known.size() - 1);
      // Not overdue: the newest reading is at most two poll intervals old.
      boolean current =
          l.lastMs != Long.MIN_VALUE && g.nowMs - l.lastMs <= 2 * in.device().interval().toMillis();
      double last = Double.NaN;
      for (int i = 0; i < n; i++) {
        long knownMs = l.known.measure(g.edges[i], g.edges[i + 1]);
        double p;
        if (knownMs > 0) {
          p = l.kwh[i] / (knownMs / 3_600_000.0);
          last = p;
        } else if (current && knownEnd <= g.edges[i] && l.lastMs < g.edges[i + 1]) {
          // Past its known time and not overdue: a power meter reads its newest reading (its
          // only one, on a meter that just started), a counter the rate of its last known step.
          p = Double.isNaN(l.lastKw) ? last : l.lastKw;
          if (Double.isNaN(p)) {
            valued[i] = false;
            missing.get(i).add(in.device().id());
            continue;
          }
        } else {
          valued[i] = false;
          missing.get(i).add(in.device().id());
          continue;
        }
        kw[i] += p;
      }
    }
    for (int i = 0; i < n; i++) {
      steps.add(new KpiSeries.Step(plan.start(i), valued[i] ? kw[i] : null));
      long start = plan.start(i).toEpochMilli();
      long len = g.length(i);
      // Before the group's first reading in the window nothing was down: the site was not yet
      // watched. Such a step is a plain gap, or every device would be named in every step of a
      // window reaching back before monitoring began.
      if (!valued[i] && !g.inputs.isEmpty() && len > 0 && g.anyKnown(g.edges[0], start + len)) {
        var ids = new TreeSet<>(missing.get(i));
        ids.addAll(withoutSeries(g));
        if (!ids.isEmpty()) {
          gaps.put(plan.start(i), List.copyOf(ids));
        }
      }
    }
    silent.put(name, gaps);
    return new Power(
        new KpiSeries(name, "kW", steps, g.inputs.isEmpty() ? 0 : g.coverage(g.known)),
        valued,
        kw,
        !g.inputs.isEmpty());
  }

  /** One group's power: the series, and per step whether it has a value and the value in kW. */
  private record Power(KpiSeries series, boolean[] valued, double[] kw, boolean metered) {}

  /** The group's devices that have no series at all: nothing stored while others reported. */
  private static List<String> withoutSeries(Group g) {
    var ids = new TreeSet<String>();
    var withLedger =
        java.util.Collections.newSetFromMap(
            new java.util.IdentityHashMap<EnergyEngine.Input, Boolean>());
    withLedger.addAll(g.ledgerInputs);
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
   * @param latest the start of the newest step where facility and IT both have a value (the step
   *     the headline tiles show, so that they and the PUE are of the same time), or null
   * @param unmetered the power series whose group has no channel in the energy model: no value is a
   *     fact of the configuration, not a missing reading
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
      Map<String, Map<Instant, List<String>>> silentDevices,
      Instant latest,
      List<String> unmetered) {

    public Overview {
      unmetered = List.copyOf(unmetered);
      var copy = new LinkedHashMap<String, Map<Instant, List<String>>>();
      silentDevices.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
      silentDevices = Map.copyOf(copy);
    }
  }
}
