package io.kilowatch.web.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.EnergySeries;
import io.kilowatch.analytics.PueEngine;
import io.kilowatch.analytics.Risk;
import io.kilowatch.analytics.RiskLevel;
import io.kilowatch.analytics.RiskReport;
import io.kilowatch.analytics.StepPlan;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.SiteConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Energy, PUE, carbon and risk over HTTP. Every answer carries its units, coverage and, for PUE,
 * the measurement category; a flagged value is null with its status, never a number.
 *
 * <p>Parameters: {@code from}, {@code to} (as {@code /api/query}), {@code step} ({@code 15m},
 * {@code 1h}, {@code day}, {@code month}, {@code whole}; days and months in the site's time zone).
 */
public final class AnalyticsRoutes {
  private final SiteConfig site;
  private final Analytics analytics;

  /** How long an assessed risk report answers requests without an {@code at}. */
  private final Duration freshFor;

  public AnalyticsRoutes(SiteConfig site, Analytics analytics) {
    this.site = site;
    this.analytics = analytics;
    // The shortest poll interval: within it no device has a newer reading to change the report.
    this.freshFor =
        site.allDevices()
            .map(d -> d.interval())
            .min(Comparator.naturalOrder())
            .orElse(Duration.ZERO);
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/energy", this::energy);
    routes.get("/api/pue", this::pue);
    routes.get("/api/carbon", this::carbon);
    routes.get("/api/risk", this::risk);
  }

  private record Window(Instant from, Instant to, StepPlan.Step step, Instant now) {
    /** The interval computed over, said in the answer so that no page guesses it. */
    Map<String, Object> interval() {
      return StepFloor.interval(from, to, from, to, now, null);
    }
  }

  private Window window(Context ctx, Params p, Instant now, Duration span, String defaultStep) {
    Instant to = p.time("to", now);
    Instant from = p.time("from", to.minus(span));
    if (!from.isBefore(to)) {
      throw new BadRequest("from", "from (" + from + ") must be before to (" + to + ")");
    }
    String text = p.optional("step");
    StepPlan.Step step;
    try {
      step = StepPlan.Step.parse(text == null ? defaultStep : text);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(
          "step", "'" + text + "' is not a step: use 15m, 1h, day, month or whole");
    }
    Budget.steps(from, to, step, site.site().timezone());
    Budget.range(from, to, Budget.MAX_RANGE, ctx.path());
    return new Window(from, to, step, now);
  }

  private void energy(Context ctx) {
    // One now for the relative from and the default to: a 10 min window is 10 min long.
    Instant now = Instant.now();
    var p = new Params(ctx, now);
    Window w = window(ctx, p, now, Duration.ofDays(1), "1h");
    String scope = p.optional("scope") == null ? "site" : p.optional("scope");
    String id = p.optional("id");
    var e = analytics.energy();
    EnergyModel m = site.energy();
    if (m == null) {
      throw new BadRequest("scope", "the site has no energy model (energy: section)");
    }
    var series = new ArrayList<EnergySeries>();
    switch (scope) {
      case "site" -> {
        series.add(e.channels("facility", m.facility(), w.from(), w.to(), w.step()));
        series.add(e.channels("it", m.it(), w.from(), w.to(), w.step()));
        series.add(e.channels("cooling", m.cooling(), w.from(), w.to(), w.step()));
        series.add(e.channels("losses", m.losses(), w.from(), w.to(), w.step()));
        series.add(e.channels("other", m.other(), w.from(), w.to(), w.step()));
      }
      case "cluster" -> {
        String c = requireId(id, site.cluster(id).isPresent(), "cluster");
        series.add(e.itOf(c, null, w.from(), w.to(), w.step()));
        series.add(
            e.select(
                "cooling:" + c,
                m.cooling(),
                (ch, d) -> c.equals(PueEngine.servedCluster(ch, d)),
                w.from(),
                w.to(),
                w.step()));
      }
      case "clusters" -> {
        // IT energy of every cluster in one answer: the overview orders its cluster cards by it,
        // one request however many clusters.
        for (var c : site.clusters()) {
          series.add(e.itOf(c.id(), null, w.from(), w.to(), w.step()));
        }
      }
      case "rack" -> {
        boolean known =
            site.clusters().stream()
                .flatMap(c -> c.racks().stream())
                .anyMatch(r -> r.id().equals(id));
        series.add(e.itOf(null, requireId(id, known, "rack"), w.from(), w.to(), w.step()));
      }
      case "device" -> {
        requireId(id, site.device(id).isPresent(), "device");
        series.add(e.device(id, w.from(), w.to(), w.step()));
      }
      default ->
          throw new BadRequest(
              "scope", "scope must be site, cluster, clusters, rack or device: " + scope);
    }
    var body = new LinkedHashMap<String, Object>();
    body.put("from", w.from());
    body.put("to", w.to());
    body.put("interval", w.interval());
    body.put("step", w.step().label());
    body.put("unit", "kWh");
    body.put("series", series);
    ctx.json(body);
  }

  private static String requireId(String id, boolean known, String what) {
    if (id == null) {
      throw new BadRequest("id", "scope " + what + " needs id=<" + what + " id>");
    }
    if (!known) {
      throw new BadRequest("id", "unknown " + what + " '" + id + "'");
    }
    return id;
  }

  /** Every {@code …Kwh} figure is kWh; PUE, pPUE and coverages are ratios. */
  private static final Map<String, String> PUE_UNITS =
      Map.of("energy", "kWh", "pue", "1", "coverage", "1");

  private void pue(Context ctx) {
    Instant now = Instant.now();
    var p = new Params(ctx, now);
    // Without an energy model the answer says NOT_CONFIGURED rather than failing.
    if ("trailing-12-months".equals(p.optional("window"))) {
      Instant to = p.time("to", now);
      var r = analytics.pue().trailingTwelveMonths(to);
      var body = UnitJson.withUnits(ctx, r, PUE_UNITS);
      body.put(
          "interval",
          StepFloor.interval(
              null,
              to,
              r.from(),
              r.to(),
              now,
              "window=trailing-12-months: from is 12 calendar months before to in the site's time"
                  + " zone"));
      ctx.json(body);
      return;
    }
    Window w = window(ctx, p, now, Duration.ofDays(1), "1h");
    var body =
        UnitJson.withUnits(ctx, analytics.pue().compute(w.from(), w.to(), w.step()), PUE_UNITS);
    body.put("interval", w.interval());
    ctx.json(body);
  }

  private void carbon(Context ctx) {
    // One now for the relative from and the default to: a 10 min window is 10 min long.
    Instant now = Instant.now();
    var p = new Params(ctx, now);
    Window w = window(ctx, p, now, Duration.ofDays(1), "1h");
    var r = analytics.carbon().compute(w.from(), w.to(), w.step());
    var body = new LinkedHashMap<String, Object>();
    body.put(
        "units",
        Map.of(
            "emissions", "kgCO2e",
            "intensity", "gCO2e/kWh",
            "energy", "kWh",
            "cue", "kgCO2e/kWh"));
    body.put("interval", w.interval());
    body.put("report", r);
    ctx.json(body);
  }

  /**
   * Thermal risk. {@code cluster} keeps one cluster's scopes and GPUs (a cluster page at 25,000
   * GPUs needs its 32 racks, not the site's 768); {@code detail}: {@code summary} (default: the 20
   * riskiest GPUs that are not ok; site-wide, the 50 riskiest racks that are not ok), {@code
   * margins} (the same, plus each GPU's margin as {@code [gpu, rack, K]}, a tenth of a kelvin, for
   * a heatmap), {@code clusters} (clusters only) or {@code gpus} (every GPU with its factors:
   * megabytes at a large site, for tools, not pages). Every answer names each scope's lowest GPU
   * margin and counts the GPUs that have none, by why.
   *
   * <p>Without {@code at}, a report assessed within the site's shortest poll interval is reused
   * (see {@link io.kilowatch.analytics.RiskEngine#recent}): no newer reading could change it.
   */
  private void risk(Context ctx) {
    var p = new Params(ctx, Instant.now());
    String at = p.optional("at");
    String detail = p.optional("detail");
    if (detail == null) {
      detail = "summary";
    }
    if (!List.of("summary", "margins", "clusters", "gpus").contains(detail)) {
      throw new BadRequest("detail", "detail must be summary, margins, clusters or gpus");
    }
    String cluster = p.optional("cluster");
    RiskReport r =
        at == null
            ? analytics.risk().recent(Instant.now(), freshFor)
            : analytics.risk().assess(p.time("at", Instant.now()));
    java.util.function.Predicate<Risk> in = x -> cluster == null || cluster.equals(x.cluster());
    List<Risk> gpusIn = r.gpus().stream().filter(in).toList();
    var body = new LinkedHashMap<String, Object>();
    body.put("at", r.at());
    // Scores are points out of 100; each factor carries its own unit (K of margin, % of drop).
    body.put("units", Map.of("score", "1", "factor", "per factor", "margin", "K"));
    body.put("levels", List.of("ok", "watch", "warning", "critical"));
    body.put("cluster", cluster);
    List<Risk> clusters = r.clusters().stream().filter(in).toList();
    List<Risk> racksIn = r.racks().stream().filter(in).toList();
    // Site-wide, the summary lists the 50 riskiest racks that are not ok: at 25,000 GPUs the 768
    // racks were 210 KB (380 KB once every GPU had a margin), fetched on every refresh. One
    // cluster's answer lists all its racks (32 there).
    List<Risk> racks =
        switch (detail) {
          case "clusters" -> List.of();
          case "summary" ->
              cluster == null
                  ? racksIn.stream()
                      .filter(x -> x.level() != RiskLevel.OK)
                      .sorted(
                          Comparator.comparing(Risk::level)
                              .thenComparingDouble(Risk::score)
                              .reversed())
                      .limit(50)
                      .toList()
                  : racksIn;
          default -> racksIn;
        };
    body.put("clusters", clusters);
    body.put("racks", racks);
    body.put("rackCount", racksIn.size());
    List<Risk> gpus =
        switch (detail) {
          case "gpus" -> gpusIn;
          case "clusters" -> List.of();
          default ->
              gpusIn.stream()
                  .filter(g -> g.level() != RiskLevel.OK)
                  .sorted(Comparator.comparingDouble(Risk::score).reversed())
                  .limit(20)
                  .toList();
        };
    body.put("gpus", gpus);
    body.put("gpuCount", gpusIn.size());
    body.put("lowestMargins", lowestMargins(gpusIn, clusters, racks));
    var noMargin = new java.util.TreeMap<String, Integer>();
    for (Risk g : gpusIn) {
      if (g.noMargin() != null) {
        noMargin.merge(g.noMargin().name(), 1, Integer::sum);
      }
    }
    body.put("noMargin", noMargin);
    if (detail.equals("margins")) {
      var rows = new ArrayList<List<Object>>();
      for (Risk g : gpusIn) {
        Double m = margin(g);
        if (m != null) {
          rows.add(List.of(g.id(), g.rack() == null ? "" : g.rack(), tenth(m)));
        }
      }
      body.put("margins", rows);
    }
    ctx.json(body);
  }

  private static double tenth(double k) {
    return Math.round(k * 10) / 10.0;
  }

  /** A GPU's margin to slowdown (K) as the engine scored it, or null without one. */
  private static Double margin(Risk gpu) {
    for (Risk.Factor f : gpu.factors()) {
      if (f.name().equals("gpu_margin")) {
        return f.value();
      }
    }
    return null;
  }

  /**
   * Per scope answered, its GPU closest to slowdown: {@code {cluster: {id: {gpu, k}}, rack: ...}}.
   * A rack's or cluster's own factors are its riskiest GPU's, which need not be the one with the
   * lowest margin, so the pages show this one number for "lowest margin" everywhere.
   */
  private static Map<String, Object> lowestMargins(
      List<Risk> gpus, List<Risk> clusters, List<Risk> racks) {
    var byCluster = new java.util.TreeMap<String, Map<String, Object>>();
    var byRack = new java.util.TreeMap<String, Map<String, Object>>();
    var wantClusters = new java.util.HashSet<String>();
    clusters.forEach(c -> wantClusters.add(c.id()));
    var wantRacks = new java.util.HashSet<String>();
    racks.forEach(x -> wantRacks.add(x.id()));
    for (Risk g : gpus) {
      Double m = margin(g);
      if (m == null) {
        continue;
      }
      if (g.cluster() != null && wantClusters.contains(g.cluster())) {
        lower(byCluster, g.cluster(), g.id(), m);
      }
      if (g.rack() != null && wantRacks.contains(g.rack())) {
        lower(byRack, g.rack(), g.id(), m);
      }
    }
    // To a tenth of a kelvin, as the heatmap's cells: the tile and the smallest cell agree.
    for (var by : List.of(byCluster, byRack)) {
      by.replaceAll((k, v) -> Map.of("gpu", v.get("gpu"), "k", tenth((double) v.get("k"))));
    }
    var out = new LinkedHashMap<String, Object>();
    out.put("cluster", byCluster);
    out.put("rack", byRack);
    return out;
  }

  private static void lower(
      Map<String, Map<String, Object>> by, String scope, String gpu, double margin) {
    var cur = by.get(scope);
    if (cur == null || margin < (double) cur.get("k")) {
      by.put(scope, Map.of("gpu", gpu, "k", margin));
    }
  }
}
