package io.kilowatch.analytics;

import io.kilowatch.config.Device;
import io.kilowatch.config.units.Quantity;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.store.Run;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Vocabulary;
import io.kilowatch.store.Vocabulary.Gpu;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Energy and carbon per scheduler job (analytics/README.md, "Jobs", J1–J5): each GPU's energy
 * counter is walked by the energy rules (R1, R4) over pieces cut at UTC hours and at the edges of
 * the holds on it, each piece goes to the jobs holding the GPU then (or to idle), and each hour's
 * share is taken to facility energy at the cluster's PUE of that hour and to emissions at that
 * hour's intensity. The GPU counters are read once for all jobs, so a month of a large site is one
 * scan of its GPU series.
 */
public final class JobAttribution {
  private static final long HOUR_MS = Duration.ofHours(1).toMillis();
  private static final StepPlan.Step HOURLY = new StepPlan.Step.Fixed(Duration.ofHours(1));

  private final EnergyEngine energy;
  private final PueEngine pue;
  private final CarbonEngine carbon;

  public JobAttribution(EnergyEngine energy, PueEngine pue, CarbonEngine carbon) {
    this.energy = energy;
    this.pue = pue;
    this.carbon = carbon;
  }

  /** How much of each job the answer keeps. */
  public enum Detail {
    /** Every job's holds and hours. */
    FULL,
    /** Each job's sums only (a monthly per-account report needs no job's hours). */
    SUMMARY
  }

  /** Which GPUs are read. */
  public enum Scope {
    /** Every GPU of the cluster (or site): the totals and idle energy are complete. */
    CLUSTER,
    /** Only the GPUs the given jobs held: the jobs' figures are the same, the totals are not. */
    HELD
  }

  /**
   * @param cluster only jobs and GPUs of this cluster, or null for all
   * @param jobs the jobs to attribute (typically {@link io.kilowatch.jobs.JobLedger#overlapping});
   *     those of other clusters or outside the interval are left out
   */
  public JobEnergyReport attribute(
      Instant from,
      Instant to,
      String cluster,
      Collection<JobRecord> jobs,
      Detail detail,
      Scope scope) {
    return energy.shared(() -> compute(from, to, cluster, jobs, detail, scope));
  }

  /** The accumulated share of one job, per hour of its span inside the interval. */
  private static final class Acc {
    final JobRecord job;
    final int h0;
    final double[] it;
    final double[] itWithPue;
    final double[] facility;
    final double[] knownMs;
    final double[] heldMs;
    final double[] holdKwh;
    final double[] holdKnownMs;
    final long[] holdMs;

    Acc(JobRecord job, int h0, int h1, int holds) {
      this.job = job;
      this.h0 = h0;
      int len = Math.max(0, h1 - h0 + 1);
      it = new double[len];
      itWithPue = new double[len];
      facility = new double[len];
      knownMs = new double[len];
      heldMs = new double[len];
      holdKwh = new double[holds];
      holdKnownMs = new double[holds];
      holdMs = new long[holds];
    }
  }

  /** One hold cut to the measurable part of the interval. */
  private record Cut(Acc acc, int hold, long from, long to) {}

  /** A GPU counter series to walk: its cluster, its rules and the holds on it. */
  private static final class Gpu1 {
    final SeriesKey key;
    final String cluster;
    final SeriesLedger.Rules rules;
    final double powerFactor;
    final List<Cut> cuts = new ArrayList<>();

    Gpu1(SeriesKey key, String cluster, SeriesLedger.Rules rules, double powerFactor) {
      this.key = key;
      this.cluster = cluster;
      this.rules = rules;
      this.powerFactor = powerFactor;
    }
  }

  private static String gpuId(String device, String gpu) {
    return device + '\u0000' + gpu;
  }

  private JobEnergyReport compute(
      Instant from,
      Instant to,
      String cluster,
      Collection<JobRecord> jobs,
      Detail detail,
      Scope scope) {
    StepPlan hp = energy.plan(from, to, HOURLY);
    int n = hp.size();
    long[] he = EnergyEngine.edges(hp);
    long now = energy.nowMs();
    // What can be measured: up to now.
    long end = Math.min(he[n], Math.max(he[0], now));

    // J3: each cluster's PUE of each hour, and each hour's intensity and market factor (J4).
    // One hourly PUE for both: it is most of the work besides the GPU counters.
    PueReport hourly = pue.compute(from, to, HOURLY);
    Map<String, double[]> pueOf = pueByHour(hourly, n);
    double[] locG = new double[n];
    double[] mktG = new double[n];
    factors(from, to, hp, hourly, locG, mktG);

    // The jobs and their holds, cut to [from, end).
    var accs = new ArrayList<Acc>();
    var byGpu = new HashMap<String, List<Cut>>();
    for (JobRecord j : jobs) {
      if ((cluster != null && !cluster.equals(j.cluster())) || !j.overlaps(from, to)) {
        continue;
      }
      long a = Math.max(j.start().toEpochMilli(), he[0]);
      long b = Math.min(j.end() == null ? he[n] : j.end().toEpochMilli(), he[n]);
      for (GpuHold g : j.gpus()) {
        a = Math.min(a, Math.max(g.from().toEpochMilli(), he[0]));
        b = Math.max(b, Math.min(g.to() == null ? he[n] : g.to().toEpochMilli(), he[n]));
      }
      int h0 = Math.max(0, hp.indexOf(a));
      int h1 = b > a ? hp.indexOf(b - 1) : h0;
      Acc acc = new Acc(j, h0, h1 < 0 ? n - 1 : h1, j.gpus().size());
      accs.add(acc);
      for (int k = 0; k < j.gpus().size(); k++) {
        GpuHold g = j.gpus().get(k);
        long ga = Math.max(g.from().toEpochMilli(), he[0]);
        long gb = Math.min(g.to() == null ? he[n] : g.to().toEpochMilli(), end);
        if (gb <= ga) {
          continue;
        }
        acc.holdMs[k] = gb - ga;
        for (int h = hp.indexOf(ga); h >= 0 && h < n && he[h] < gb; h++) {
          acc.heldMs[h - acc.h0] += Math.min(gb, he[h + 1]) - Math.max(ga, he[h]);
        }
        byGpu
            .computeIfAbsent(gpuId(g.device(), g.gpu()), x -> new ArrayList<>())
            .add(new Cut(acc, k, ga, gb));
      }
    }

    // The GPU counter series to read.
    var wanted = new LinkedHashMap<SeriesKey, Gpu1>();
    var keys = energy.store().listSeries(SeriesQuery.of(Gpu.MEASUREMENT, Gpu.ENERGY_MJ.name()));
    for (SeriesKey key : keys) {
      String dev = key.tags().get(Vocabulary.Tag.DEVICE);
      String idx = key.tags().get(Vocabulary.Tag.GPU);
      if (dev == null || idx == null) {
        continue;
      }
      String c = clusterOf(dev, key);
      if (cluster != null && !cluster.equals(c)) {
        continue;
      }
      List<Cut> cuts = byGpu.getOrDefault(gpuId(dev, idx), List.of());
      if (scope == Scope.HELD && cuts.isEmpty()) {
        continue;
      }
      double factor =
          energy.units().of(key).filter(u -> u.quantity() == Quantity.ENERGY).isPresent()
              ? energy.units().of(key).get().factorTo("kW.h")
              : Double.NaN;
      double powerFactor =
          energy
              .units()
              .of(dev, Gpu.MEASUREMENT, Gpu.POWER_W.name())
              .filter(u -> u.quantity() == Quantity.POWER)
              .map(u -> u.factorTo("kW"))
              .orElse(0.0);
      long interval =
          energy.site().device(dev).map(Device::interval).map(Duration::toMillis).orElse(60_000L);
      var g = new Gpu1(key, c, energy.rules(true, factor, 0, interval), powerFactor);
      g.cuts.addAll(cuts);
      g.cuts.sort(Comparator.comparingLong(Cut::from));
      wanted.put(key, g);
    }

    var clusterIt = new LinkedHashMap<String, double[]>();
    var idleIt = new LinkedHashMap<String, double[]>();
    double[] gpuKnownMs = new double[1];
    var sink =
        new Object() {
          void walk(Gpu1 g, List<Run> runs, Map<Long, Double> fills) {
            if (Double.isNaN(g.rules.factor())) {
              // A series of unknown unit contributes nothing and is known nowhere (R3).
              return;
            }
            long[] edges = edges(he, g.cuts);
            double[] kwh = new double[edges.length - 1];
            var kb = new IntervalSet.Builder();
            SeriesLedger.walk(runs, g.rules, fills, new Spread(edges, kwh, null), null, kb);
            IntervalSet known = kb.build().intersect(he[0], he[n]);
            gpuKnownMs[0] += known.measure(he[0], end);
            double[] cIt = clusterIt.computeIfAbsent(g.cluster, x -> new double[n]);
            double[] cIdle = idleIt.computeIfAbsent(g.cluster, x -> new double[n]);
            double[] p = pueOf.get(g.cluster);
            // The holds covering each piece, swept in time order: pieces are cut at every hold's
            // edges, so a hold either covers a piece or misses it.
            var holders = new ArrayList<Cut>();
            int next = 0;
            int h = 0;
            for (int j = 0; j < kwh.length; j++) {
              long s = edges[j];
              long e = edges[j + 1];
              while (he[h + 1] <= s) {
                h++;
              }
              double kw = kwh[j];
              cIt[h] += kw;
              holders.removeIf(c -> c.to() <= s);
              while (next < g.cuts.size() && g.cuts.get(next).from() <= s) {
                Cut c = g.cuts.get(next++);
                if (c.to() > s) {
                  holders.add(c);
                }
              }
              if (holders.isEmpty()) {
                cIdle[h] += kw;
                continue;
              }
              // J2: GPUs held by several jobs at once are shared evenly between them.
              double part = kw / holders.size();
              long knownMs = known.measure(s, e);
              double ph = p == null ? Double.NaN : p[h];
              for (Cut c : holders) {
                Acc acc = c.acc();
                int i = h - acc.h0;
                acc.it[i] += part;
                acc.knownMs[i] += knownMs;
                acc.holdKwh[c.hold()] += part;
                acc.holdKnownMs[c.hold()] += knownMs;
                if (!Double.isNaN(ph)) {
                  acc.itWithPue[i] += part;
                  acc.facility[i] += part * ph;
                }
              }
            }
          }
        };
    if (!wanted.isEmpty()) {
      var deferred = new LinkedHashMap<Gpu1, List<Run>>();
      SeriesQuery q = scanQuery(wanted.keySet());
      energy
          .store()
          .runs(
              q,
              from,
              to,
              energy.reach(),
              (key, runs) -> {
                Gpu1 g = wanted.get(key);
                if (g == null) {
                  return;
                }
                // A report's input hash covers the GPU counters its job section was made from.
                energy.told(q, from, to, key, runs);
                if (!SeriesLedger.resets(runs, g.rules, he[0], he[n]).isEmpty()) {
                  // The GPU's power at the reset is read once this scan is done.
                  deferred.put(g, runs);
                  return;
                }
                sink.walk(g, runs, null);
              });
      for (var e : deferred.entrySet()) {
        Gpu1 g = e.getKey();
        var power =
            new SeriesQuery(
                Gpu.MEASUREMENT,
                Gpu.POWER_W.name(),
                Map.of(
                    Vocabulary.Tag.DEVICE,
                    g.key.tags().get(Vocabulary.Tag.DEVICE),
                    Vocabulary.Tag.GPU,
                    g.key.tags().get(Vocabulary.Tag.GPU)));
        var fills =
            energy.fills(g.rules, power, power::matches, g.powerFactor, e.getValue(), he[0], he[n]);
        sink.walk(g, e.getValue(), fills);
      }
      // A GPU series that had no run in the interval still counts, known nowhere.
      for (Gpu1 g : wanted.values()) {
        clusterIt.computeIfAbsent(g.cluster, x -> new double[n]);
        idleIt.computeIfAbsent(g.cluster, x -> new double[n]);
      }
    }
    return report(
        from,
        to,
        cluster,
        hp,
        end,
        pueOf,
        locG,
        mktG,
        accs,
        clusterIt,
        idleIt,
        gpuKnownMs[0],
        wanted.size(),
        detail);
  }

  private JobEnergyReport report(
      Instant from,
      Instant to,
      String cluster,
      StepPlan hp,
      long end,
      Map<String, double[]> pueOf,
      double[] locG,
      double[] mktG,
      List<Acc> accs,
      Map<String, double[]> clusterIt,
      Map<String, double[]> idleIt,
      double gpuKnownMs,
      int gpus,
      Detail detail) {
    int n = hp.size();
    // Without any intensity there are no emissions to show: null, not 0 kg.
    boolean anyLoc = Arrays.stream(locG).anyMatch(g -> !Double.isNaN(g));
    boolean anyMkt = Arrays.stream(mktG).anyMatch(g -> !Double.isNaN(g));
    double totalIt = 0;
    double idle = 0;
    double idleFacility = 0;
    double idleLoc = 0;
    double idleMkt = 0;
    for (var e : clusterIt.entrySet()) {
      double[] p = pueOf.get(e.getKey());
      double[] id = idleIt.get(e.getKey());
      for (int h = 0; h < n; h++) {
        totalIt += e.getValue()[h];
        idle += id[h];
        if (p != null && !Double.isNaN(p[h])) {
          double f = id[h] * p[h];
          idleFacility += f;
          idleLoc += carbon(f, locG[h]);
          idleMkt += carbon(f, mktG[h]);
        }
      }
    }
    var out = new ArrayList<JobEnergyReport.JobEnergy>(accs.size());
    double jobsIt = 0;
    double jobsFacility = 0;
    double jobsLoc = 0;
    double jobsMkt = 0;
    for (Acc a : accs) {
      double it = 0;
      double itPue = 0;
      double fac = 0;
      double loc = 0;
      double mkt = 0;
      double known = 0;
      double held = 0;
      var hours = new ArrayList<JobEnergyReport.Hour>();
      for (int i = 0; i < a.it.length; i++) {
        int h = a.h0 + i;
        double l = carbon(a.facility[i], locG[h]);
        double m = carbon(a.facility[i], mktG[h]);
        it += a.it[i];
        itPue += a.itWithPue[i];
        fac += a.facility[i];
        loc += l;
        mkt += m;
        known += a.knownMs[i];
        held += a.heldMs[i];
        if (detail == Detail.FULL) {
          hours.add(
              new JobEnergyReport.Hour(
                  hp.start(h),
                  hp.end(h),
                  a.it[i],
                  // Boxed on both sides: a double there would unbox pueAt's null (an hour
                  // without a PUE) and throw.
                  a.itWithPue[i] > 0
                      ? Double.valueOf(a.facility[i] / a.itWithPue[i])
                      : pueAt(pueOf, a, h),
                  a.facility[i],
                  nullIfNaN(locG[h]),
                  nullIfNaN(mktG[h]),
                  l,
                  m,
                  a.heldMs[i] > 0 ? a.knownMs[i] / a.heldMs[i] : 0));
        }
      }
      var shares = new ArrayList<JobEnergyReport.GpuShare>();
      var distinct = new java.util.HashSet<String>();
      long heldTotal = 0;
      for (int k = 0; k < a.job.gpus().size(); k++) {
        GpuHold g = a.job.gpus().get(k);
        distinct.add(gpuId(g.device(), g.gpu()));
        heldTotal += a.holdMs[k];
        if (detail == Detail.FULL) {
          shares.add(
              new JobEnergyReport.GpuShare(
                  g.device(),
                  g.gpu(),
                  g.from(),
                  g.to(),
                  a.holdKwh[k],
                  a.holdMs[k] > 0 ? a.holdKnownMs[k] / a.holdMs[k] : 0));
        }
      }
      jobsIt += it;
      jobsFacility += fac;
      jobsLoc += loc;
      jobsMkt += mkt;
      out.add(
          new JobEnergyReport.JobEnergy(
              a.job,
              distinct.size(),
              heldTotal / (double) HOUR_MS,
              it,
              fac,
              itPue > 0 ? fac / itPue : null,
              anyLoc ? loc : null,
              anyMkt ? mkt : null,
              held > 0 ? known / held : 0,
              shares,
              hours));
    }
    out.sort(
        Comparator.comparingDouble(JobEnergyReport.JobEnergy::facilityKwh)
            .reversed()
            .thenComparing(Comparator.comparingDouble(JobEnergyReport.JobEnergy::itKwh).reversed())
            .thenComparing(j -> j.job().id()));
    var accounts = new LinkedHashMap<String, double[]>();
    var counts = new HashMap<String, Integer>();
    for (var j : out) {
      double[] s = accounts.computeIfAbsent(j.job().account(), x -> new double[5]);
      s[0] += j.gpuHours();
      s[1] += j.itKwh();
      s[2] += j.facilityKwh();
      s[3] += j.locationKg() == null ? 0 : j.locationKg();
      s[4] += j.marketKg() == null ? 0 : j.marketKg();
      counts.merge(j.job().account(), 1, Integer::sum);
    }
    var accountList = new ArrayList<JobEnergyReport.AccountEnergy>();
    for (var e : accounts.entrySet()) {
      double[] s = e.getValue();
      accountList.add(
          new JobEnergyReport.AccountEnergy(
              e.getKey(),
              counts.get(e.getKey()),
              s[0],
              s[1],
              s[2],
              anyLoc ? s[3] : null,
              anyMkt ? s[4] : null));
    }
    accountList.sort(
        Comparator.comparingDouble(JobEnergyReport.AccountEnergy::facilityKwh)
            .reversed()
            .thenComparing(JobEnergyReport.AccountEnergy::account));
    long span = end - EnergyEngine.edges(hp)[0];
    var totals =
        new JobEnergyReport.Totals(
            totalIt,
            jobsIt,
            idle,
            totalIt > 0 ? idle / totalIt : null,
            jobsFacility + idleFacility,
            jobsFacility,
            idleFacility,
            anyLoc ? jobsLoc + idleLoc : null,
            anyMkt ? jobsMkt + idleMkt : null,
            anyLoc ? idleLoc : null,
            anyMkt ? idleMkt : null,
            gpus == 0 || span <= 0 ? 0 : gpuKnownMs / ((double) gpus * span),
            gpus);
    return new JobEnergyReport(from, to, cluster, totals, out, accountList);
  }

  /** The cluster PUE of an hour the job held no energy in (shown, not applied). */
  private static Double pueAt(Map<String, double[]> pueOf, Acc a, int h) {
    double[] p = pueOf.get(a.job.cluster());
    return p == null || Double.isNaN(p[h]) ? null : p[h];
  }

  private static double carbon(double kwh, double gPerKwh) {
    return Double.isNaN(gPerKwh) ? 0 : kwh * gPerKwh / 1000;
  }

  private static Double nullIfNaN(double v) {
    return Double.isNaN(v) ? null : v;
  }

  /** The cluster a GPU is in: its node's configured location, else the series' cluster tag. */
  private String clusterOf(String device, SeriesKey key) {
    return energy
        .site()
        .device(device)
        .filter(d -> d.location() != null && d.location().cluster() != null)
        .map(d -> d.location().cluster())
        .orElseGet(() -> key.tags().getOrDefault(Vocabulary.Tag.CLUSTER, ""));
  }

  /** J3: PUE_c,h = cluster c's share of E_DC(T) in hour h ÷ its IT energy inside T (R5). */
  private static Map<String, double[]> pueByHour(PueReport r, int n) {
    var out = new HashMap<String, double[]>();
    for (PueReport.ClusterPue c : r.clusters()) {
      double[] p = new double[n];
      Arrays.fill(p, Double.NaN);
      for (int h = 0; h < n && h < c.stepItKwh().size(); h++) {
        Double share = c.stepFacilityShareKwh().get(h);
        Double it = c.stepItKwh().get(h);
        if (share != null && it != null && it > 0) {
          p[h] = share / it;
        }
      }
      out.put(c.cluster(), p);
    }
    return out;
  }

  /**
   * J4: each hour's grid intensity and the site's market-based factor (its market-based kgCO2e ÷
   * its facility kWh that hour), NaN where the hour has none.
   */
  private void factors(
      Instant from, Instant to, StepPlan hp, PueReport hourly, double[] locG, double[] mktG) {
    int n = hp.size();
    double[] g = carbon.intensity(from.truncatedTo(java.time.temporal.ChronoUnit.HOURS), n);
    CarbonReport r = carbon.compute(from, to, HOURLY, h -> {}, hourly);
    for (int h = 0; h < n; h++) {
      locG[h] = h < g.length ? g[h] : Double.NaN;
      mktG[h] = Double.NaN;
      if (h < r.steps().size()) {
        var s = r.steps().get(h);
        if (s.marketKg() != null && s.facilityKwh() != null && s.facilityKwh() > 0) {
          mktG[h] = s.marketKg() / s.facilityKwh() * 1000;
        }
      }
    }
  }

  /** Hour edges and every hold's edges inside them, sorted and distinct. */
  private static long[] edges(long[] hours, List<Cut> cuts) {
    if (cuts.isEmpty()) {
      return hours;
    }
    long[] all = Arrays.copyOf(hours, hours.length + 2 * cuts.size());
    int k = hours.length;
    for (Cut c : cuts) {
      all[k++] = c.from();
      all[k++] = c.to();
    }
    Arrays.sort(all);
    long lo = hours[0];
    long hi = hours[hours.length - 1];
    int m = 0;
    for (long t : all) {
      if (t < lo || t > hi || (m > 0 && all[m - 1] == t)) {
        continue;
      }
      all[m++] = t;
    }
    return Arrays.copyOf(all, m);
  }

  /** One node's series by its tag when all are on one node, else every GPU counter series. */
  private static SeriesQuery scanQuery(java.util.Set<SeriesKey> keys) {
    if (keys.size() == 1) {
      SeriesKey k = keys.iterator().next();
      return new SeriesQuery(Gpu.MEASUREMENT, Gpu.ENERGY_MJ.name(), k.tags());
    }
    String dev = null;
    for (SeriesKey k : keys) {
      String d = k.tags().get(Vocabulary.Tag.DEVICE);
      if (dev != null && !dev.equals(d)) {
        return SeriesQuery.of(Gpu.MEASUREMENT, Gpu.ENERGY_MJ.name());
      }
      dev = d;
    }
    return new SeriesQuery(
        Gpu.MEASUREMENT, Gpu.ENERGY_MJ.name(), Map.of(Vocabulary.Tag.DEVICE, dev));
  }
}
