package io.kilowatch.analytics;

import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * PUE (ISO/IEC 30134-2) from the configured energy model: E_DC / E_IT in kWh over the same period,
 * never a mean of instantaneous ratios, always with its measurement category.
 */
public final class PueEngine {
  static final String UNASSIGNED = "unassigned";

  private final EnergyEngine energy;
  private final EnergyModel model;
  private final double threshold;

  public PueEngine(EnergyEngine energy) {
    this.energy = energy;
    this.model = energy.site().energy();
    this.threshold = energy.site().analytics().coverageThreshold();
  }

  /** Annual-style PUE over the twelve months before {@code now}, as one step. */
  public PueReport trailingTwelveMonths(Instant now) {
    Instant from =
        ZonedDateTime.ofInstant(now, energy.site().site().timezone()).minusMonths(12).toInstant();
    return compute(from, now, new StepPlan.Step.Whole());
  }

  public PueReport compute(Instant from, Instant to, StepPlan.Step step) {
    return energy.shared(() -> computeShared(from, to, step));
  }

  private PueReport computeShared(Instant from, Instant to, StepPlan.Step step) {
    StepPlan plan = energy.plan(from, to, step);
    int n = plan.size();
    EnergySeries facility = energy.channels("facility", model.facility(), from, to, step);
    EnergySeries it = energy.channels("it", model.it(), from, to, step);
    EnergySeries cooling = energy.channels("cooling", model.cooling(), from, to, step);
    EnergySeries losses = energy.channels("losses", model.losses(), from, to, step);
    EnergySeries other = energy.channels("other", model.other(), from, to, step);

    var steps = new ArrayList<PueReport.StepPue>(n);
    for (int i = 0; i < n; i++) {
      Double f = facility.kwh(i);
      Double t = it.kwh(i);
      double cov = Math.min(facility.steps().get(i).coverage(), it.steps().get(i).coverage());
      KpiStatus st = KpiStatus.of(f, t, cov, threshold, 1);
      steps.add(
          new PueReport.StepPue(
              plan.start(i), plan.end(i), f, t, st == KpiStatus.OK ? f / t : null, st, cov));
    }
    double e = facility.totalKwh();
    double eIt = it.totalKwh();
    double cov = Math.min(facility.coverage(), it.coverage());
    KpiStatus st =
        KpiStatus.of(
            facility.source() == EnergySource.NONE ? null : e,
            it.source() == EnergySource.NONE ? null : eIt,
            cov,
            threshold,
            1);
    boolean ok = st == KpiStatus.OK;
    boolean lossesMetered = !model.losses().isEmpty();
    double lossesKwh =
        lossesMetered ? losses.totalKwh() : e - eIt - cooling.totalKwh() - other.totalKwh();
    var window =
        new PueReport.Window(
            e,
            eIt,
            cooling.totalKwh(),
            losses.totalKwh(),
            other.totalKwh(),
            ok ? e / eIt : null,
            st,
            cov,
            ok ? (eIt + cooling.totalKwh()) / eIt : null,
            ok ? (eIt + lossesKwh) / eIt : null,
            !lossesMetered);
    var clusters = clusters(from, to, step, plan, facility, it, cooling);
    return new PueReport(
        from,
        to,
        step.label(),
        model.itLevel().category(),
        model.itLevel().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
        window,
        steps,
        clusters);
  }

  /** The cluster a cooling device serves: the channel's cluster, else where the device sits. */
  public static String servedCluster(Channel c, Device d) {
    if (c.cluster() != null) {
      return c.cluster();
    }
    return d.location() == null ? null : d.location().cluster();
  }

  private List<PueReport.ClusterPue> clusters(
      Instant from,
      Instant to,
      StepPlan.Step step,
      StepPlan plan,
      EnergySeries facility,
      EnergySeries it,
      EnergySeries cooling) {
    int n = plan.size();
    var ids = new ArrayList<String>();
    for (Cluster c : energy.site().clusters()) {
      ids.add(c.id());
    }
    var itC = new ArrayList<EnergySeries>();
    var coolC = new ArrayList<EnergySeries>();
    for (String id : ids) {
      itC.add(energy.itOf(id, null, from, to, step));
      coolC.add(
          energy.select(
              "cooling:" + id,
              model.cooling(),
              (c, d) -> id.equals(servedCluster(c, d)),
              from,
              to,
              step));
    }
    // IT energy metered outside any cluster still gets its share, so the clusters add up.
    double[] unassigned = new double[n];
    double unassignedTotal = 0;
    for (int i = 0; i < n; i++) {
      double sum = 0;
      for (EnergySeries s : itC) {
        sum += Objects.requireNonNullElse(s.kwh(i), 0.0);
      }
      unassigned[i] = Objects.requireNonNullElse(it.kwh(i), 0.0) - sum;
      unassignedTotal += unassigned[i];
    }
    boolean hasUnassigned = Math.abs(unassignedTotal) > 1e-9 * Math.max(1, it.totalKwh());

    // Overhead that serves no single cluster, per step and over the window.
    double[] overhead = new double[n];
    for (int i = 0; i < n; i++) {
      double attributed = 0;
      for (EnergySeries s : coolC) {
        attributed += Objects.requireNonNullElse(s.kwh(i), 0.0);
      }
      overhead[i] =
          Objects.requireNonNullElse(facility.kwh(i), 0.0)
              - Objects.requireNonNullElse(it.kwh(i), 0.0)
              - attributed;
    }
    var out = new ArrayList<PueReport.ClusterPue>();
    int count = ids.size() + (hasUnassigned ? 1 : 0);
    for (int k = 0; k < count; k++) {
      boolean un = k == ids.size();
      double itK = 0;
      double coolK = 0;
      double ohK = 0;
      var stepShares = new ArrayList<Double>(n);
      for (int i = 0; i < n; i++) {
        double itStep = un ? unassigned[i] : Objects.requireNonNullElse(itC.get(k).kwh(i), 0.0);
        double coolStep = un ? 0 : Objects.requireNonNullElse(coolC.get(k).kwh(i), 0.0);
        Double siteIt = it.kwh(i);
        double share = siteIt == null || siteIt <= 0 ? 0 : itStep / siteIt;
        double oh = overhead[i] * share;
        itK += itStep;
        coolK += coolStep;
        ohK += oh;
        stepShares.add(facility.kwh(i) == null || siteIt == null ? null : itStep + coolStep + oh);
      }
      double cov =
          un
              ? Math.min(facility.coverage(), it.coverage())
              : Math.min(Math.min(facility.coverage(), it.coverage()), itC.get(k).coverage());
      double share = itK + coolK + ohK;
      KpiStatus st = KpiStatus.of(share, itK, cov, threshold, 1);
      out.add(
          new PueReport.ClusterPue(
              un ? UNASSIGNED : ids.get(k),
              itK,
              coolK,
              ohK,
              share,
              st == KpiStatus.OK ? share / itK : null,
              st,
              cov,
              stepShares));
    }
    return out;
  }
}
