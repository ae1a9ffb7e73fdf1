package io.kilowatch.analytics;

import io.kilowatch.analytics.EnergyEngine.Group;
import io.kilowatch.analytics.EnergyEngine.Input;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * PUE (ISO/IEC 30134-2) from the configured energy model: E_DC / E_IT in kWh over the same time
 * (R5: where both are known), never a mean of instantaneous ratios, always with its measurement
 * category.
 */
public final class PueEngine {
  static final String UNASSIGNED = "unassigned";
  private static final long HOUR_MS = Duration.ofHours(1).toMillis();

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

  /** The cluster a cooling device serves: the channel's cluster, else where the device sits. */
  public static String servedCluster(Channel c, Device d) {
    if (c.cluster() != null) {
      return c.cluster();
    }
    return d.location() == null ? null : d.location().cluster();
  }

  /**
   * The allocation pieces: every step cut at UTC hour edges (per-cluster shares are taken hour by
   * hour), or the steps themselves where they are shorter than an hour.
   */
  static StepPlan pieces(StepPlan out) {
    if (out.step() instanceof StepPlan.Step.Fixed f && f.length().toMillis() < HOUR_MS) {
      return out;
    }
    var edges = new TreeSet<Instant>(out.edges());
    long first = out.first().toEpochMilli();
    long last = out.last().toEpochMilli();
    for (long h = Math.floorDiv(first, HOUR_MS) * HOUR_MS + HOUR_MS; h < last; h += HOUR_MS) {
      edges.add(Instant.ofEpochMilli(h));
    }
    return new StepPlan(out.step(), new ArrayList<>(edges));
  }

  private PueReport computeShared(Instant from, Instant to, StepPlan.Step step) {
    StepPlan out = energy.plan(from, to, step);
    int n = out.size();
    if (model == null) {
      var steps = new ArrayList<PueReport.StepPue>();
      for (int i = 0; i < n; i++) {
        steps.add(
            new PueReport.StepPue(
                out.start(i),
                out.end(i),
                null,
                null,
                null,
                KpiStatus.NOT_CONFIGURED,
                0,
                0,
                0,
                0,
                0));
      }
      var w =
          new PueReport.Window(
              0, 0, 0, 0, 0, null, KpiStatus.NOT_CONFIGURED, 0, null, null, false, 0, 0, 0, 0);
      return new PueReport(from, to, step.label(), 0, "not-configured", w, steps, List.of());
    }
    StepPlan plan = pieces(out);
    int m = plan.size();
    int[] stepOf = new int[m];
    for (int p = 0, i = 0; p < m; p++) {
      while (i < n - 1 && !plan.start(p).isBefore(out.end(i))) {
        i++;
      }
      stepOf[p] = i;
    }
    Group facility =
        energy.group("facility", energy.inputs(model.facility(), (c, d) -> true), plan);
    Group it = energy.group("it", energy.inputs(model.it(), (c, d) -> true), plan);
    Group cooling = energy.group("cooling", energy.inputs(model.cooling(), (c, d) -> true), plan);
    Group losses = energy.group("losses", energy.inputs(model.losses(), (c, d) -> true), plan);
    Group other = energy.group("other", energy.inputs(model.other(), (c, d) -> true), plan);

    IntervalSet t = facility.known.intersect(it.known);
    double[] fOwn = facility.kwh();
    double[] itOwn = it.kwh();
    double[] fT = facility.kwhIn(t);
    double[] itT = it.kwhIn(t);

    // Steps.
    var steps = new ArrayList<PueReport.StepPue>(n);
    double[] sf = new double[n];
    double[] si = new double[n];
    double[] sfT = new double[n];
    double[] siT = new double[n];
    for (int p = 0; p < m; p++) {
      int i = stepOf[p];
      sf[i] += fOwn[p];
      si[i] += itOwn[p];
      sfT[i] += fT[p];
      siT[i] += itT[p];
    }
    long[] oe = EnergyEngine.edges(out);
    long now = facility.nowMs;
    for (int i = 0; i < n; i++) {
      long len = Math.max(0, Math.min(oe[i + 1], now) - oe[i]);
      double covF = share(facility.known, oe[i], len);
      double covI = share(it.known, oe[i], len);
      double covT = share(t, oe[i], len);
      Double f = facility.anyKnown(oe[i], oe[i + 1]) ? sf[i] : null;
      Double e = it.anyKnown(oe[i], oe[i + 1]) ? si[i] : null;
      KpiStatus st = status(facility, covF, siT[i], covT, sfT[i]);
      steps.add(
          new PueReport.StepPue(
              out.start(i),
              out.end(i),
              f,
              e,
              st == KpiStatus.OK ? sfT[i] / siT[i] : null,
              st,
              covT,
              covF,
              covI,
              sfT[i],
              siT[i]));
    }

    // The whole window.
    long wLen = Math.max(0, Math.min(oe[n], now) - oe[0]);
    double covF = share(facility.known, oe[0], wLen);
    double covI = share(it.known, oe[0], wLen);
    double covT = share(t, oe[0], wLen);
    double eF = sum(fOwn);
    double eIt = sum(itOwn);
    double eFT = sum(fT);
    double eItT = sum(itT);
    KpiStatus st = status(facility, covF, eItT, covT, eFT);
    boolean ok = st == KpiStatus.OK;

    IntervalSet tc = it.known.intersect(cooling.known);
    double itC = sum(it.kwhIn(tc));
    double coolC = sum(cooling.kwhIn(tc));
    Double ppueCooling =
        model.cooling().isEmpty() || itC <= 0 || share(tc, oe[0], wLen) < threshold
            ? null
            : (itC + coolC) / itC;
    boolean lossesMetered = !model.losses().isEmpty();
    Double ppuePd;
    if (lossesMetered) {
      IntervalSet tl = it.known.intersect(losses.known);
      double itL = sum(it.kwhIn(tl));
      double l = sum(losses.kwhIn(tl));
      ppuePd = itL <= 0 || share(tl, oe[0], wLen) < threshold ? null : (itL + l) / itL;
    } else {
      IntervalSet td = t.intersect(cooling.known).intersect(other.known);
      double fD = sum(facility.kwhIn(td));
      double itD = sum(it.kwhIn(td));
      double derived = fD - itD - sum(cooling.kwhIn(td)) - sum(other.kwhIn(td));
      ppuePd = !ok || itD <= 0 || share(td, oe[0], wLen) < threshold ? null : (itD + derived) / itD;
    }
    double lossesKwh =
        lossesMetered ? sum(losses.kwh()) : eF - eIt - sum(cooling.kwh()) - sum(other.kwh());
    var window =
        new PueReport.Window(
            eF,
            eIt,
            sum(cooling.kwh()),
            lossesKwh,
            sum(other.kwh()),
            ok ? eFT / eItT : null,
            st,
            covT,
            ok ? ppueCooling : null,
            ok ? ppuePd : null,
            !lossesMetered,
            covF,
            covI,
            eFT,
            eItT);
    var clusters = clusters(plan, stepOf, n, t, fT, itT, covT, facility);
    return new PueReport(
        from,
        to,
        step.label(),
        model.itLevel().category(),
        model.itLevel().name().toLowerCase(Locale.ROOT).replace('_', '-'),
        window,
        steps,
        clusters);
  }

  private KpiStatus status(Group facility, double covF, double itT, double covT, double fT) {
    if (facility.source == EnergySource.NONE || covF <= 0) {
      return KpiStatus.NO_DATA;
    }
    return KpiStatus.of(fT, itT, covT, threshold, 1);
  }

  private static double share(IntervalSet set, long from, long len) {
    return len <= 0 ? 0 : (double) set.measure(from, from + len) / len;
  }

  static double sum(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s;
  }

  private List<PueReport.ClusterPue> clusters(
      StepPlan plan,
      int[] stepOf,
      int n,
      IntervalSet t,
      double[] fT,
      double[] itT,
      double covT,
      Group facility) {
    int m = plan.size();
    var ids = new ArrayList<String>();
    for (Cluster c : energy.site().clusters()) {
      ids.add(c.id());
    }
    var itC = new ArrayList<double[]>();
    var coolC = new ArrayList<double[]>();
    for (String id : ids) {
      itC.add(energy.group(id, energy.itInputs(id, null), plan).kwhIn(t));
      List<Input> cool = energy.inputs(model.cooling(), (c, d) -> id.equals(servedCluster(c, d)));
      coolC.add(energy.group("cooling:" + id, cool, plan).kwhIn(t));
    }
    double[] unassigned = new double[m];
    double unassignedTotal = 0;
    double[] overhead = new double[m];
    for (int p = 0; p < m; p++) {
      double sumIt = 0;
      double sumCool = 0;
      for (int k = 0; k < ids.size(); k++) {
        sumIt += itC.get(k)[p];
        sumCool += coolC.get(k)[p];
      }
      unassigned[p] = itT[p] - sumIt;
      unassignedTotal += unassigned[p];
      overhead[p] = fT[p] - itT[p] - sumCool;
    }
    boolean hasUnassigned = Math.abs(unassignedTotal) > 1e-9 * Math.max(1, sum(itT));
    long[] pe = EnergyEngine.edges(plan);
    var out = new ArrayList<PueReport.ClusterPue>();
    int count = ids.size() + (hasUnassigned ? 1 : 0);
    for (int k = 0; k < count; k++) {
      boolean un = k == ids.size();
      double itK = 0;
      double coolK = 0;
      double ohK = 0;
      double[] stepShare = new double[n];
      double[] stepIt = new double[n];
      boolean[] stepHas = new boolean[n];
      for (int p = 0; p < m; p++) {
        double itP = un ? unassigned[p] : itC.get(k)[p];
        double coolP = un ? 0 : coolC.get(k)[p];
        double oh = itT[p] > 0 ? overhead[p] * itP / itT[p] : 0;
        itK += itP;
        coolK += coolP;
        ohK += oh;
        stepShare[stepOf[p]] += itP + coolP + oh;
        stepIt[stepOf[p]] += itP;
        stepHas[stepOf[p]] |= facility.anyKnown(pe[p], pe[p + 1]);
      }
      var shares = new ArrayList<Double>(n);
      var its = new ArrayList<Double>(n);
      for (int i = 0; i < n; i++) {
        shares.add(stepHas[i] ? stepShare[i] : null);
        its.add(stepHas[i] ? stepIt[i] : null);
      }
      double share = itK + coolK + ohK;
      KpiStatus st =
          facility.source == EnergySource.NONE
              ? KpiStatus.NO_DATA
              : KpiStatus.of(share, itK, covT, threshold, 1);
      out.add(
          new PueReport.ClusterPue(
              un ? UNASSIGNED : ids.get(k),
              itK,
              coolK,
              ohK,
              share,
              st == KpiStatus.OK ? share / itK : null,
              st,
              covT,
              shares,
              its));
    }
    return out;
  }
}
