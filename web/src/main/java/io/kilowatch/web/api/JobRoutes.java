package io.kilowatch.web.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.JobAttribution;
import io.kilowatch.analytics.JobEnergyReport;
import io.kilowatch.jobs.JobLedger;
import io.kilowatch.jobs.JobRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Energy and carbon per scheduler job (analytics/README.md, "Jobs", J1–J5): {@code /api/jobs} for
 * the totals, the top jobs and the accounts of an interval, {@code /api/jobs/{id}} for one job's
 * GPUs and hours. Jobs come from the {@link JobLedger} the process keeps; without one both answer
 * with no jobs and the reason.
 */
public final class JobRoutes {
  static final String NO_LEDGER =
      "no job ledger is configured: kilowatch records jobs only where a job source (Slurm,"
          + " Kubernetes) is configured";

  /** Units of every figure; said in each answer so that no page guesses them. */
  private static final Map<String, String> UNITS =
      Map.of(
          "energy",
          "kWh",
          "carbon",
          "kgCO2e",
          "intensity",
          "gCO2e/kWh",
          "gpuHours",
          "h",
          "pue",
          "1",
          "coverage",
          "1");

  private final Analytics analytics;
  private volatile JobLedger ledger;

  public JobRoutes(Analytics analytics) {
    this.analytics = analytics;
  }

  /** The ledger jobs are read from; null for none. */
  public void ledger(JobLedger ledger) {
    this.ledger = ledger;
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/jobs", this::list);
    // <id>: job ids hold slashes (slurm/<cluster>/<id>, k8s/<namespace>/<pod>).
    routes.get("/api/jobs/<id>", this::one);
  }

  private void list(Context ctx) {
    Instant now = Instant.now();
    var p = new Params(ctx, now);
    Instant to = p.time("to", now);
    Instant from = p.time("from", to.minus(Duration.ofDays(1)));
    if (!from.isBefore(to)) {
      throw new BadRequest("from", "from (" + from + ") must be before to (" + to + ")");
    }
    Budget.range(from, to, Budget.MAX_JOBS_RANGE, ctx.path());
    String cluster = cluster(p);
    String user = p.optional("user");
    String account = p.optional("account");
    int top = top(p);
    var body = new LinkedHashMap<String, Object>();
    body.put("interval", StepFloor.interval(from, to, from, to, now, null));
    body.put("cluster", cluster);
    body.put("units", UNITS);
    JobLedger l = ledger;
    if (l == null) {
      body.put("reason", NO_LEDGER);
      body.put("totals", null);
      body.put("jobCount", 0);
      body.put("jobs", List.of());
      body.put("accounts", List.of());
      ctx.json(body);
      return;
    }
    // Every job of the cluster is attributed, whatever user or account is asked for: the idle
    // energy is what no job held, not what no job of this user held.
    var r =
        analytics
            .jobs()
            .attribute(
                from,
                to,
                cluster,
                l.overlapping(from, to),
                JobAttribution.Detail.SUMMARY,
                JobAttribution.Scope.CLUSTER);
    var chosen =
        r.jobs().stream()
            .filter(j -> user == null || user.equals(j.job().user()))
            .filter(j -> account == null || account.equals(j.job().account()))
            .toList();
    body.put("totals", totals(r.totals()));
    body.put("jobCount", chosen.size());
    body.put("jobs", chosen.stream().limit(top).map(JobRoutes::job).toList());
    body.put("accounts", accounts(chosen));
    ctx.json(body);
  }

  private void one(Context ctx) {
    Instant now = Instant.now();
    var p = new Params(ctx, now);
    String id = ctx.pathParam("id");
    JobLedger l = ledger;
    if (l == null) {
      ctx.status(404).json(Map.of("error", "no job '" + id + "': " + NO_LEDGER, "id", id));
      return;
    }
    // Where to look for it: by default the longest interval one answer may cover, up to now.
    Instant to = p.time("to", now);
    Instant from = p.time("from", to.minus(Budget.MAX_JOBS_RANGE));
    if (!from.isBefore(to)) {
      throw new BadRequest("from", "from (" + from + ") must be before to (" + to + ")");
    }
    Budget.range(from, to, Budget.MAX_JOBS_RANGE, ctx.path());
    JobRecord job =
        l.overlapping(from, to).stream().filter(j -> j.id().equals(id)).findFirst().orElse(null);
    if (job == null) {
      ctx.status(404)
          .json(
              Map.of("error", "no job '" + id + "' ran between " + from + " and " + to, "id", id));
      return;
    }
    // The job's own span, cut to now and to the longest interval one answer may cover.
    Instant end = job.end() == null || job.end().isAfter(now) ? now : job.end();
    Instant start = job.start();
    String why = null;
    if (Duration.between(start, end).compareTo(Budget.MAX_JOBS_RANGE) > 0) {
      start = end.minus(Budget.MAX_JOBS_RANGE);
      why =
          "the job ran longer than "
              + Budget.MAX_JOBS_RANGE.toDays()
              + " days: its last "
              + Budget.MAX_JOBS_RANGE.toDays()
              + " days";
    }
    var body = new LinkedHashMap<String, Object>();
    body.put("interval", StepFloor.interval(job.start(), end, start, end, now, why));
    body.put("units", UNITS);
    if (!start.isBefore(end)) {
      body.putAll(
          job(
              new JobEnergyReport.JobEnergy(
                  job, 0, 0, 0, 0, null, null, null, 0, List.of(), List.of())));
      body.put("gpus", List.of());
      body.put("hours", List.of());
      ctx.json(body);
      return;
    }
    var r =
        analytics
            .jobs()
            .attribute(
                start,
                end,
                job.cluster(),
                List.of(job),
                JobAttribution.Detail.FULL,
                JobAttribution.Scope.HELD);
    var j = r.jobs().getFirst();
    body.putAll(job(j));
    var gpus = new ArrayList<Map<String, Object>>();
    for (var g : j.gpus()) {
      var m = new LinkedHashMap<String, Object>();
      m.put("device", g.device());
      m.put("gpu", g.gpu());
      m.put("from", g.from());
      m.put("to", g.to());
      m.put("itEnergyKwh", g.itKwh());
      m.put("coverage", g.coverage());
      gpus.add(m);
    }
    body.put("gpus", gpus);
    var hours = new ArrayList<Map<String, Object>>();
    for (var h : j.hours()) {
      var m = new LinkedHashMap<String, Object>();
      m.put("from", h.from());
      m.put("to", h.to());
      m.put("itEnergyKwh", h.itKwh());
      m.put("pue", h.pue());
      m.put("facilityEnergyKwh", h.facilityKwh());
      m.put("locationGPerKwh", h.locationGPerKwh());
      m.put("marketGPerKwh", h.marketGPerKwh());
      m.put("locationKgCo2e", h.locationKg());
      m.put("marketKgCo2e", h.marketKg());
      m.put("coverage", h.coverage());
      hours.add(m);
    }
    body.put("hours", hours);
    ctx.json(body);
  }

  private String cluster(Params p) {
    String c = p.optional("cluster");
    if (c != null && analytics.site().cluster(c).isEmpty()) {
      throw new BadRequest("cluster", "unknown cluster '" + c + "'");
    }
    return c;
  }

  private static int top(Params p) {
    String t = p.optional("top");
    if (t == null) {
      return Budget.DEFAULT_JOBS_TOP;
    }
    int n;
    try {
      n = Integer.parseInt(t.trim());
    } catch (NumberFormatException e) {
      throw new BadRequest("top", "top must be a whole number from 1 to " + Budget.MAX_JOBS_TOP);
    }
    if (n < 1 || n > Budget.MAX_JOBS_TOP) {
      throw new BadRequest(
          "top", "top=" + n + " is over the limit: from 1 to " + Budget.MAX_JOBS_TOP + " jobs");
    }
    return n;
  }

  private static Map<String, Object> totals(JobEnergyReport.Totals t) {
    var m = new LinkedHashMap<String, Object>();
    m.put("clusterItEnergyKwh", t.clusterItKwh());
    m.put("jobsItEnergyKwh", t.jobsItKwh());
    m.put("idleItEnergyKwh", t.idleItKwh());
    m.put("idleShare", t.idleShare());
    m.put("facilityEnergyKwh", t.facilityKwh());
    m.put("jobsFacilityEnergyKwh", t.jobsFacilityKwh());
    m.put("idleFacilityEnergyKwh", t.idleFacilityKwh());
    m.put("locationKgCo2e", t.locationKg());
    m.put("marketKgCo2e", t.marketKg());
    m.put("coverage", t.coverage());
    m.put("gpus", t.gpus());
    return m;
  }

  static Map<String, Object> job(JobEnergyReport.JobEnergy j) {
    var r = j.job();
    var m = new LinkedHashMap<String, Object>();
    m.put("id", r.id());
    m.put("origin", r.origin());
    m.put("cluster", r.cluster());
    m.put("name", r.name());
    m.put("user", r.user());
    m.put("account", r.account());
    m.put("partition", r.partition());
    m.put("start", r.start());
    m.put("end", r.end());
    m.put("running", r.running());
    m.put("gpuCount", j.gpuCount());
    m.put("gpuHours", j.gpuHours());
    m.put("itEnergyKwh", j.itKwh());
    m.put("facilityEnergyKwh", j.facilityKwh());
    m.put("pue", j.pue());
    m.put("locationKgCo2e", j.locationKg());
    m.put("marketKgCo2e", j.marketKg());
    m.put("coverage", j.coverage());
    return m;
  }

  /** The chosen jobs per account, by facility energy. */
  private static List<Map<String, Object>> accounts(List<JobEnergyReport.JobEnergy> jobs) {
    var sums = new LinkedHashMap<String, double[]>();
    for (var j : jobs) {
      double[] s = sums.computeIfAbsent(j.job().account(), k -> new double[6]);
      if (j.locationKg() == null) {
        s[4] = Double.NaN;
      }
      if (j.marketKg() == null) {
        s[5] = Double.NaN;
      }
      s[0]++;
      s[1] += j.gpuHours();
      s[2] += j.itKwh();
      s[3] += j.facilityKwh();
      s[4] += j.locationKg() == null ? 0 : j.locationKg();
      s[5] += j.marketKg() == null ? 0 : j.marketKg();
    }
    var out = new ArrayList<Map<String, Object>>();
    sums.entrySet().stream()
        .sorted((a, b) -> Double.compare(b.getValue()[3], a.getValue()[3]))
        .forEach(
            e -> {
              double[] s = e.getValue();
              var m = new LinkedHashMap<String, Object>();
              m.put("account", e.getKey());
              m.put("jobs", (long) s[0]);
              m.put("gpuHours", s[1]);
              m.put("itEnergyKwh", s[2]);
              m.put("facilityEnergyKwh", s[3]);
              m.put("locationKgCo2e", Double.isNaN(s[4]) ? null : s[4]);
              m.put("marketKgCo2e", Double.isNaN(s[5]) ? null : s[5]);
              out.add(m);
            });
    return out;
  }
}
