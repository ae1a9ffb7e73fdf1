package io.kilowatch.analytics;

import io.kilowatch.analytics.carbon.IntensityCache;
import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.AnalyticsConfig.Instrument;
import io.kilowatch.config.units.Quantity;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Location- and market-based Scope 2 emissions, hour by hour, from facility energy and the grid's
 * hourly intensity.
 *
 * <p>Market-based (GHG Protocol Scope 2 Guidance): each hour's energy is covered first by hourly
 * instruments, then by monthly ones, each at its own factor; what no instrument covers is charged
 * at the residual-mix factor (or, where none is configured, the hour's grid intensity). A monthly
 * volume is matched against the month's energy pro rata: for the part of a month inside the
 * interval, the volume available is {@code MWh × hours in the interval / hours in the month},
 * spread over those hours in proportion to their energy.
 */
public final class CarbonEngine {
  private static final Duration HOUR = Duration.ofHours(1);

  private final EnergyEngine energy;
  private final PueEngine pue;
  private final IntensityCache intensity;
  private final AnalyticsConfig settings;
  private final ZoneId zone;

  public CarbonEngine(EnergyEngine energy, PueEngine pue, IntensityCache intensity) {
    this.energy = energy;
    this.pue = pue;
    this.intensity = intensity;
    this.settings = energy.site().analytics();
    this.zone = energy.site().site().timezone();
  }

  public CarbonReport compute(Instant from, Instant to, StepPlan.Step step) {
    return compute(from, to, step, h -> {});
  }

  /** The grid intensity of {@code n} UTC hours from {@code hour}, gCO2e/kWh, NaN where none. */
  double[] intensity(Instant hour, int n) {
    return intensity.hourly(hour, n).g();
  }

  /**
   * As {@link #compute(Instant, Instant, StepPlan.Step)}, telling {@code used} the hourly
   * intensities the figures were computed with (for a report's input hash).
   */
  public CarbonReport compute(
      Instant from,
      Instant to,
      StepPlan.Step step,
      java.util.function.Consumer<IntensityCache.Hourly> used) {
    Instant hFrom = from.truncatedTo(ChronoUnit.HOURS);
    // Hour pieces of [from, to): piece i lies in the UTC hour hFrom + i.
    PueReport hourly = pue.compute(from, to, new StepPlan.Step.Fixed(HOUR));
    int n = hourly.steps().size();
    Instant hTo = hFrom.plus(HOUR.multipliedBy(n));
    IntensityCache.Hourly ci = intensity.hourly(hFrom, n);
    used.accept(ci);

    double[] e = new double[n];
    boolean[] has = new boolean[n];
    for (int i = 0; i < n; i++) {
      Double f = hourly.steps().get(i).facilityKwh();
      has[i] = f != null;
      e[i] = f == null ? 0 : f;
    }
    Market market = market(hourly, e, ci.g(), from, to);

    double[] loc = new double[n];
    boolean[] locOk = new boolean[n];
    double locTotal = 0;
    double mktTotal = 0;
    double eWithCarbon = 0;
    double itWithCarbon = 0;
    // CUE over T_cue: facility and IT known, and the hour has an intensity.
    double cueF = 0;
    double cueIt = 0;
    double cueLoc = 0;
    double cueMkt = 0;
    long periodMs = 0;
    double knownMs = 0;
    double cueMs = 0;
    long now = energy.nowMs();
    for (int i = 0; i < n; i++) {
      var st = hourly.steps().get(i);
      long len = Math.max(0, Math.min(st.end().toEpochMilli(), now) - st.start().toEpochMilli());
      periodMs += len;
      if (!Double.isNaN(ci.g()[i]) && !Double.isNaN(market.kg[i])) {
        knownMs += st.facilityCoverage() * len;
        cueMs += st.coverage() * len;
        if (has[i]) {
          loc[i] = e[i] * ci.g()[i] / 1000;
          locOk[i] = true;
          locTotal += loc[i];
          mktTotal += market.kg[i];
          eWithCarbon += e[i];
          itWithCarbon += st.itKwh() == null ? 0 : st.itKwh();
        }
        cueF += st.pueFacilityKwh();
        cueIt += st.pueItKwh();
        cueLoc += st.pueFacilityKwh() * ci.g()[i] / 1000;
        cueMkt += e[i] > 0 ? market.kg[i] * st.pueFacilityKwh() / e[i] : 0;
      }
    }
    double coverage = periodMs == 0 ? 0 : knownMs / periodMs;
    double cueCoverage = periodMs == 0 ? 0 : cueMs / periodMs;
    KpiStatus status =
        hourly.window().status() == KpiStatus.NOT_CONFIGURED
            ? KpiStatus.NOT_CONFIGURED
            : hourly.window().facilityCoverage() <= 0
                ? KpiStatus.NO_DATA
                : coverage < settings.coverageThreshold() ? KpiStatus.LOW_COVERAGE : KpiStatus.OK;
    KpiStatus cueStatus =
        status == KpiStatus.NOT_CONFIGURED || status == KpiStatus.NO_DATA
            ? status
            : KpiStatus.of(cueLoc, cueIt, cueCoverage, settings.coverageThreshold(), 0);
    boolean ok = status == KpiStatus.OK;
    boolean cueOk = cueStatus == KpiStatus.OK;
    double eDc = hourly.window().facilityKwh();
    double energyCoverage = hourly.window().facilityCoverage();
    var totals =
        new CarbonReport.Totals(
            eWithCarbon,
            itWithCarbon,
            ok ? locTotal : null,
            ok ? mktTotal : null,
            cueOk ? cueLoc / cueIt : null,
            cueOk ? cueMkt / cueIt : null,
            status,
            coverage,
            market.renewableKwh,
            eDc > 0 && energyCoverage >= settings.coverageThreshold()
                ? market.renewableKwh / eDc
                : null,
            wue(from, to, hourly.window().itKwh()),
            erf(from, to, eDc),
            market.renewables(null),
            new CarbonReport.Cue(cueF, cueIt, cueLoc, cueMkt, cueCoverage, cueStatus));

    StepPlan out = energy.plan(from, to, step);
    var steps = new ArrayList<CarbonReport.StepCarbon>();
    double[] se = new double[out.size()];
    double[] sg = new double[out.size()];
    double[] sl = new double[out.size()];
    double[] sm = new double[out.size()];
    boolean[] sh = new boolean[out.size()];
    for (int i = 0; i < n; i++) {
      int k = out.indexOf(hourly.steps().get(i).start().toEpochMilli());
      if (k < 0 || !locOk[i]) {
        continue;
      }
      sh[k] = true;
      se[k] += e[i];
      sg[k] += e[i] * ci.g()[i];
      sl[k] += loc[i];
      sm[k] += market.kg[i];
    }
    for (int k = 0; k < out.size(); k++) {
      steps.add(
          new CarbonReport.StepCarbon(
              out.start(k),
              out.end(k),
              sh[k] ? se[k] : null,
              sh[k] && se[k] > 0 ? sg[k] / se[k] : null,
              sh[k] ? sl[k] : null,
              sh[k] ? sm[k] : null));
    }

    var clusters = new ArrayList<CarbonReport.ClusterCarbon>();
    for (PueReport.ClusterPue c : hourly.clusters()) {
      double share = 0;
      double l = 0;
      double m = 0;
      double[] part = new double[n];
      for (int i = 0; i < n; i++) {
        Double s = c.stepFacilityShareKwh().get(i);
        double fT = hourly.steps().get(i).pueFacilityKwh();
        if (s == null || !locOk[i] || fT <= 0) {
          continue;
        }
        // The cluster's part of the hour's facility energy inside T, applied to all of it, so the
        // clusters add up to the site.
        part[i] = s / fT;
        share += part[i] * e[i];
        l += part[i] * e[i] * ci.g()[i] / 1000;
        m += part[i] * market.kg[i];
      }
      clusters.add(
          new CarbonReport.ClusterCarbon(
              c.cluster(), share, ok ? l : null, ok ? m : null, market.renewables(part)));
    }

    var info =
        new CarbonReport.IntensityInfo(
            ci.source(),
            ci.coverage(),
            ci.count(IntensityCache.Origin.SOURCE),
            ci.count(IntensityCache.Origin.CARRIED_FORWARD),
            ci.count(IntensityCache.Origin.FALLBACK),
            ci.lastGoodAt(),
            ci.age() == null ? null : ci.age().toSeconds(),
            ci.lastError());
    return new CarbonReport(from, to, step.label(), info, totals, steps, clusters);
  }

  /**
   * Market-based kg per hour (NaN where the residual factor is unknown), renewable kWh and, per
   * hour, the renewable kWh of each instrument kind (indexed by {@link
   * AnalyticsConfig.InstrumentKind#ordinal()}).
   */
  private record Market(
      double[] kg, double renewableKwh, double[][] renewableByKind, String onsiteBasis) {

    /** The renewables of every hour, each hour weighted by {@code part} (all of it when null). */
    CarbonReport.Renewables renewables(double[] part) {
      double[] sum = new double[renewableByKind.length];
      for (int k = 0; k < sum.length; k++) {
        for (int i = 0; i < renewableByKind[k].length; i++) {
          sum[k] += renewableByKind[k][i] * (part == null ? 1 : part[i]);
        }
      }
      return new CarbonReport.Renewables(
          sum[AnalyticsConfig.InstrumentKind.CERTIFICATE.ordinal()],
          sum[AnalyticsConfig.InstrumentKind.PPA.ordinal()],
          sum[AnalyticsConfig.InstrumentKind.ONSITE.ordinal()],
          onsiteBasis);
    }
  }

  private Market market(PueReport hourly, double[] e, double[] g, Instant hFrom, Instant hTo) {
    int n = e.length;
    double[] remaining = e.clone();
    double[] kg = new double[n];
    double renewable = 0;
    double[][] byKind = new double[AnalyticsConfig.InstrumentKind.values().length][n];
    int onsite = AnalyticsConfig.InstrumentKind.ONSITE.ordinal();
    AnalyticsConfig.Meter meter = settings.carbon().onsiteGeneration();
    if (meter != null) {
      // Metered on-site generation is what physically supplied the site that hour: it covers E_DC
      // first, at factor 0 (renewable), before any contractual instrument.
      EnergySeries gen =
          energy.counter(
              meter.device(),
              meter.field(),
              Quantity.ENERGY,
              "kW.h",
              hFrom,
              hTo,
              new StepPlan.Step.Fixed(HOUR));
      for (int i = 0; i < n && i < gen.steps().size(); i++) {
        Double kwh = gen.kwh(i);
        double used = kwh == null || kwh <= 0 ? 0 : Math.min(remaining[i], kwh);
        remaining[i] -= used;
        byKind[onsite][i] += used;
        renewable += used;
      }
    }
    var ordered = new ArrayList<>(settings.carbon().instruments());
    // Hourly matching is the stricter claim, so it is applied first.
    ordered.sort(
        (a, b) ->
            Boolean.compare(
                a.granularity() != AnalyticsConfig.Granularity.HOUR,
                b.granularity() != AnalyticsConfig.Granularity.HOUR));
    for (Instrument in : ordered) {
      double[] alloc = allocation(in, hourly, e);
      for (int i = 0; i < n; i++) {
        double used = Math.min(remaining[i], alloc[i]);
        if (used <= 0) {
          continue;
        }
        remaining[i] -= used;
        kg[i] += used * in.factorGPerKwh() / 1000;
        if (in.renewable()) {
          renewable += used;
          byKind[in.kind().ordinal()][i] += used;
        }
      }
    }
    Double residual = settings.carbon().residualMixGPerKwh();
    for (int i = 0; i < n; i++) {
      double f = residual != null ? residual : g[i];
      kg[i] = remaining[i] > 0 && Double.isNaN(f) ? Double.NaN : kg[i] + remaining[i] * f / 1000;
    }
    return new Market(kg, renewable, byKind, meter != null ? "measured" : "declared");
  }

  /** The instrument's volume available in each hour, kWh. */
  private double[] allocation(Instrument in, PueReport hourly, double[] e) {
    int n = e.length;
    double[] alloc = new double[n];
    if (in.granularity() == AnalyticsConfig.Granularity.HOUR) {
      for (int i = 0; i < n; i++) {
        if (inside(in, hourly.steps().get(i).start())) {
          alloc[i] = in.mwh() * 1000;
        }
      }
      return alloc;
    }
    Map<YearMonth, List<Integer>> byMonth = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Instant h = hourly.steps().get(i).start();
      YearMonth m = YearMonth.from(h.atZone(zone));
      if (inside(in, m.atDay(1).atStartOfDay(zone).toInstant())) {
        byMonth.computeIfAbsent(m, k -> new ArrayList<>()).add(i);
      }
    }
    for (var entry : byMonth.entrySet()) {
      YearMonth m = entry.getKey();
      long monthHours =
          Duration.between(
                  m.atDay(1).atStartOfDay(zone), m.plusMonths(1).atDay(1).atStartOfDay(zone))
              .toHours();
      double volume = in.mwh() * 1000 * entry.getValue().size() / monthHours;
      double energyInMonth = entry.getValue().stream().mapToDouble(i -> e[i]).sum();
      if (energyInMonth <= 0) {
        continue;
      }
      for (int i : entry.getValue()) {
        alloc[i] = volume * e[i] / energyInMonth;
      }
    }
    return alloc;
  }

  private static boolean inside(Instrument in, Instant t) {
    return (in.from() == null || !t.isBefore(in.from()))
        && (in.to() == null || t.isBefore(in.to()));
  }

  private CarbonReport.Declarable wue(Instant from, Instant to, double itKwh) {
    AnalyticsConfig.Meter water = settings.water();
    if (water != null && itKwh > 0) {
      EnergySeries w =
          energy.counter(
              water.device(),
              water.field(),
              Quantity.VOLUME,
              "L",
              from,
              to,
              new StepPlan.Step.Whole());
      if (w.source() != EnergySource.NONE && w.coverage() >= settings.coverageThreshold()) {
        return new CarbonReport.Declarable(w.totalKwh() / itKwh, "L/kWh", "measured");
      }
    }
    Double d = settings.declared().wueLPerKwh();
    return new CarbonReport.Declarable(d, "L/kWh", d == null ? "none" : "declared");
  }

  private CarbonReport.Declarable erf(Instant from, Instant to, double eDc) {
    AnalyticsConfig.Meter reuse = settings.reuse();
    if (reuse != null && eDc > 0) {
      EnergySeries r =
          energy.counter(
              reuse.device(),
              reuse.field(),
              Quantity.ENERGY,
              "kW.h",
              from,
              to,
              new StepPlan.Step.Whole());
      if (r.source() != EnergySource.NONE && r.coverage() >= settings.coverageThreshold()) {
        return new CarbonReport.Declarable(r.totalKwh() / eDc, "ratio", "measured");
      }
    }
    Double d = settings.declared().erf();
    return new CarbonReport.Declarable(d, "ratio", d == null ? "none" : "declared");
  }
}
