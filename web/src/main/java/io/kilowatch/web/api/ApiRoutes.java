package io.kilowatch.web.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.KpiSeries;
import io.kilowatch.analytics.SiteOverview;
import io.kilowatch.analytics.StepPlan;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Version;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.StoreHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/** The read-only JSON API the dashboard and integrations use. */
public final class ApiRoutes {
  private final Analytics analytics;

  private final SiteConfig site;
  private final Store store;
  private final io.kilowatch.store.BatchingWriter writer;
  private final Supplier<List<DeviceStatus>> statuses;
  private final SiteOverview overview;
  private final Instant started = Instant.now();

  private final ResponseCache cache = new ResponseCache(Duration.ofSeconds(1));

  /**
   * @param writer the store writer, whose failing writes turn the health {@code failing}; or null
   */
  public ApiRoutes(
      SiteConfig site,
      Store store,
      Analytics analytics,
      Supplier<List<DeviceStatus>> statuses,
      io.kilowatch.store.BatchingWriter writer) {
    this.writer = writer;
    this.analytics = analytics;
    this.site = site;
    this.store = store;
    this.statuses = statuses;
    this.overview = new SiteOverview(analytics);
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/health", this::health);
    new DeviceRoutes(site, analytics, statuses).register(routes);
    routes.get("/api/series", this::series);
    routes.get("/api/query", ctx -> cache.respond(ctx, () -> query(ctx)));
    routes.get("/api/overview", ctx -> cache.respond(ctx, () -> overview(ctx)));
    new AnalyticsRoutes(site, analytics).register(routes);
  }

  private void health(Context ctx) {
    var counts = new LinkedHashMap<String, Integer>();
    for (var s : DeviceStatus.State.values()) {
      counts.put(s.name().toLowerCase(Locale.ROOT), 0);
    }
    var all = statuses.get();
    all.forEach(s -> counts.merge(s.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum));
    var body = new LinkedHashMap<String, Object>();
    body.put("status", counts.get("down") == 0 ? "ok" : "degraded");
    body.put("version", Version.current());
    body.put("site", site.site().name());
    body.put("store", site.store().kind().name().toLowerCase(Locale.ROOT));
    body.put("uptimeSeconds", Duration.between(started, Instant.now()).toSeconds());
    body.put("devices", Map.of("total", all.size(), "byState", counts));
    store
        .bufferState()
        .ifPresent(
            b -> {
              // Writes waiting on disk for the store, and what a full buffer has cost.
              body.put(
                  "buffer",
                  Map.of(
                      "buffering", b.buffering(),
                      "bytes", b.bytes(),
                      "batches", b.batches(),
                      "replayedSamples", b.replayedSamples(),
                      "droppedSamples", b.droppedSamples(),
                      "rejectedSamples", b.rejectedSamples()));
              if (b.droppedSamples() > 0 || b.buffering()) {
                body.put("status", "degraded");
              }
            });
    if (writer != null) {
      writer
          .failure()
          .ifPresent(
              f -> {
                // Nothing new is stored while this lasts, whatever the devices say.
                body.put("status", "failing");
                body.put(
                    "storeWrites",
                    Map.of(
                        "status", "failing",
                        "cause", f.cause(),
                        "since", f.since().toString(),
                        // Collected readings kept in memory until the store takes writes again.
                        "heldSamples", writer.held()));
              });
    }
    var health = store.health();
    if (health.state() == StoreHealth.State.FAILING) {
      // A damaged store answers every query with an error; "ok" beside 500s misleads whoever
      // watches this endpoint.
      var failing = new LinkedHashMap<String, Object>();
      failing.put("state", "failing");
      failing.put("cause", health.cause());
      failing.put("since", String.valueOf(health.since()));
      body.put("storeHealth", failing);
      body.put("status", "failing");
    } else {
      body.put("storeHealth", Map.of("state", "ok"));
    }
    ctx.json(body);
  }

  private void series(Context ctx) {
    var p = new Params(ctx, Instant.now());
    String measurement = p.optional("measurement");
    var q =
        new SeriesQuery(
            measurement == null ? "" : measurement, p.optional("field"), p.tags("tags"));
    int limit =
        (int)
            Budget.whole(
                p.optional("limit"), "limit", 1, Budget.MAX_SERIES_PAGE, Budget.MAX_SERIES_PAGE);
    long offset = Budget.whole(p.optional("offset"), "offset", 0, Long.MAX_VALUE, 0);
    var all = store.listSeries(q);
    int from = (int) Math.min(offset, all.size());
    int to = (int) Math.min(all.size(), (long) from + limit);
    var body = new LinkedHashMap<String, Object>();
    // A page at a time: a 25,000-GPU site has half a million series, some 70 MB as one answer.
    body.put("series", all.subList(from, to).stream().map(this::keyJson).toList());
    body.put("total", all.size());
    body.put("offset", from);
    body.put("next", to < all.size() ? to : null);
    ctx.json(body);
  }

  private Object query(Context ctx) {
    Instant now = Instant.now();
    var p = new Params(ctx, now);
    var q = new SeriesQuery(p.required("measurement"), p.optional("field"), p.tags("tags"));
    Instant to = p.time("to", now);
    Instant from = p.time("from", to.minus(Duration.ofHours(1)));
    if (!from.isBefore(to)) {
      throw new BadRequest("from", "from (" + from + ") must be before to (" + to + ")");
    }
    Duration asked = p.duration("step", null);
    var matchingKeys = store.listSeries(q);
    // The slowest device behind the series asked for sets the shortest step (see StepFloor).
    StepFloor floor =
        StepFloor.of(
            matchingKeys.stream()
                .map(k -> k.tags().get(io.kilowatch.store.Vocabulary.Tag.DEVICE))
                .filter(java.util.Objects::nonNull)
                .distinct()
                .flatMap(id -> site.device(id).stream()));
    Duration step = asked == null ? null : floor.clamp(asked);
    Aggregate agg = p.enumValue("aggregate", Aggregate.class, Aggregate.MEAN);
    var target = UnitParam.of(p, step != null && agg == Aggregate.COUNTER_DELTA);
    var out = new ArrayList<Map<String, Object>>();
    var skipped = new ArrayList<Map<String, Object>>();
    long matching = matchingKeys.size();
    if (step == null) {
      Budget.range(from, to, Budget.MAX_RAW_RANGE, "/api/query without step");
      Budget.cells(matching, Budget.MAX_STEPS, "/api/query without step");
      for (var sp : store.read(q, from, to)) {
        if (sp.points().size() > Budget.MAX_STEPS) {
          throw new BadRequest(
              "step", "more than " + Budget.MAX_STEPS + " raw points: give a step to aggregate");
        }
        var conv = target.converter(analytics.units().of(sp.key()).orElse(null));
        if (conv == null) {
          skipped.add(keyJson(sp.key()));
          continue;
        }
        var pts = new ArrayList<Object[]>(sp.points().size());
        for (var pt : sp.points()) {
          pts.add(
              new Object[] {
                pt.time().toEpochMilli(),
                finite(conv.convert(pt.value())),
                pt.quality().name().toLowerCase(Locale.ROOT)
              });
        }
        var m = target.keyJson(keyJson(sp.key()));
        m.put("points", pts);
        out.add(m);
      }
    } else {
      checkSteps(from, to, step, "/api/query");
      Budget.cells(matching, Budget.fixedSteps(from, to, step), "/api/query");
      for (var sb : store.aggregate(q, from, to, step, agg)) {
        var conv = target.converter(analytics.units().of(sb.key()).orElse(null));
        if (conv == null) {
          skipped.add(keyJson(sb.key()));
          continue;
        }
        var pts = new ArrayList<Object[]>(sb.buckets().size());
        var counter =
            agg == Aggregate.COUNTER_DELTA ? counterOfDevice(sb.key(), from, to, step) : null;
        if (counter != null) {
          // A configured device's own counter: the energy rules (wraps by register width, resets,
          // gaps) rather than the store's plain sum of increases.
          for (var st : counter.steps()) {
            if (st.kwh() != null) {
              pts.add(
                  new Object[] {
                    st.start().toEpochMilli(), finite(conv.convert(st.kwh().doubleValue())), null
                  });
            }
          }
        } else {
          for (var b : sb.buckets()) {
            pts.add(
                new Object[] {
                  b.start().toEpochMilli(), finite(conv.convert(b.value())), b.count()
                });
          }
        }
        var m = target.keyJson(keyJson(sb.key()));
        m.put("points", pts);
        out.add(m);
      }
    }
    var body = new LinkedHashMap<String, Object>();
    body.put("from", from);
    body.put("to", to);
    body.put("step", step);
    if (asked != null) {
      body.put("stepSeconds", step.toMillis() / 1000.0);
      body.putAll(floor.describe(asked));
    }
    body.put("series", out);
    if (target.asked()) {
      // Series whose unit is unknown or measures something else cannot be shown in the unit asked.
      body.put("skipped", skipped);
    }
    return body;
  }

  /**
   * The increase of a configured device's own counter series per step by the energy rules, or null
   * when the series is not one (a per-phase series, an unknown device).
   */
  private io.kilowatch.analytics.EnergySeries counterOfDevice(
      io.kilowatch.store.SeriesKey key, Instant from, Instant to, Duration step) {
    String id = key.tags().get(io.kilowatch.store.Vocabulary.Tag.DEVICE);
    var device =
        id == null ? java.util.Optional.<io.kilowatch.config.Device>empty() : site.device(id);
    if (device.isEmpty()) {
      return null;
    }
    var allowed = new java.util.HashSet<>(io.kilowatch.store.Vocabulary.Tag.IDENTITY);
    allowed.addAll(device.get().tags().keySet());
    if (!allowed.containsAll(key.tags().keySet())
        || !io.kilowatch.store.Vocabulary.measurementOf(site, device.get(), key.field())
            .equals(key.measurement())) {
      return null;
    }
    var unit = analytics.units().of(key).orElse(null);
    if (unit == null || !unit.unit().unit().isCompatible(unit.quantity().canonical().unit())) {
      return null;
    }
    // In the counter's own unit, as every other point of the answer.
    return analytics
        .energy()
        .counter(
            id,
            key.field(),
            unit.quantity(),
            unit.unit().code(),
            from,
            to,
            new io.kilowatch.analytics.StepPlan.Step.Fixed(step));
  }

  private Object overview(Context ctx) {
    Instant now = Instant.now();
    var p = new Params(ctx, now);
    Instant to = p.time("to", now);
    Instant from = p.time("from", to.minus(Duration.ofMinutes(30)));
    if (!from.isBefore(to)) {
      throw new BadRequest("from", "from (" + from + ") must be before to (" + to + ")");
    }
    Duration dflt = Duration.ofSeconds(Math.max(10, Duration.between(from, to).toSeconds() / 180));
    Duration asked = p.duration("step", dflt);
    // Facility, IT and cooling are sums over their devices: the slowest one sets the floor.
    var m = site.energy();
    StepFloor floor =
        StepFloor.of(
            m == null
                ? java.util.stream.Stream.empty()
                : java.util.stream.Stream.of(m.facility(), m.it(), m.cooling())
                    .flatMap(List::stream)
                    .map(io.kilowatch.config.EnergyModel.Channel::device)
                    .distinct()
                    .flatMap(id -> site.device(id).stream()));
    Duration step = floor.clamp(asked);
    checkSteps(from, to, step, "/api/overview");
    var o = overview.compute(from, to, step);
    var body = new LinkedHashMap<String, Object>();
    body.put("site", site.site().name());
    body.put("from", o.from());
    body.put("to", o.to());
    body.put("interval", StepFloor.interval(from, to, o.from(), o.to(), now, null));
    body.put("stepSeconds", o.step().toSeconds());
    body.putAll(floor.describe(asked));
    body.put("pueCategory", o.pueCategory());
    body.put("windowPue", o.windowPue());
    body.put("pueStatus", o.pueStatus());
    // The energies PUE divides are those inside the time where facility and IT are both known:
    // with no such time there is no figure, and 0.0 would read as a measured nothing.
    boolean anyT = o.pue().coverage() > 0;
    body.put("facilityEnergyKwh", anyT ? o.facilityEnergyKwh() : null);
    body.put("itEnergyKwh", anyT ? o.itEnergyKwh() : null);
    body.put("pueStepCoverage", o.pueStepCoverage());
    // Each series below carries its own unit; these are the figures above.
    body.put(
        "units",
        Map.of(
            "facilityEnergyKwh",
            "kWh",
            "itEnergyKwh",
            "kWh",
            "windowPue",
            "1",
            "pueStepCoverage",
            "1"));
    var series = new ArrayList<Map<String, Object>>();
    for (var s : List.of(o.facilityPower(), o.itPower(), o.coolingPower(), o.pue())) {
      var json = kpiJson(s, o.silentDevices());
      // The tiles show one step for facility, IT, cooling and PUE, the newest where facility and
      // IT both have a value, so the PUE tile is the facility tile over the IT tile.
      if (o.latest() != null) {
        var at =
            s.steps().stream()
                .filter(st -> st.start().equals(o.latest()) && st.value() != null)
                .findFirst();
        if (at.isPresent() || !s.name().equals("cooling_power")) {
          json.put(
              "latest",
              at.map(st -> new Object[] {st.start().toEpochMilli(), st.value()}).orElse(null));
        }
      }
      // No channel in the energy model: the series says so instead of reading as missing data.
      json.put("metered", !o.unmetered().contains(s.name()));
      series.add(json);
    }
    body.put("series", series);
    return body;
  }

  private void checkSteps(Instant from, Instant to, Duration step, String what) {
    Budget.steps(from, to, new StepPlan.Step.Fixed(step), site.site().timezone());
    Budget.range(from, to, Budget.MAX_RANGE, what);
  }

  /**
   * As {@link #kpiJson(KpiSeries)}, a step without a value also naming the devices that had no
   * reading over it ([ms, null, [ids]]), so the chart's gap says whose it is.
   */
  private static Map<String, Object> kpiJson(
      KpiSeries s, Map<String, Map<Instant, List<String>>> silent) {
    var m = kpiJson(s);
    var ids = silent.getOrDefault(s.name(), Map.of());
    if (!ids.isEmpty()) {
      var pts = new ArrayList<Object[]>(s.steps().size());
      for (var st : s.steps()) {
        var who = st.value() == null ? ids.get(st.start()) : null;
        pts.add(
            who == null
                ? new Object[] {st.start().toEpochMilli(), st.value()}
                : new Object[] {st.start().toEpochMilli(), null, who});
      }
      m.put("points", pts);
    }
    return m;
  }

  private static Map<String, Object> kpiJson(KpiSeries s) {
    var m = new LinkedHashMap<String, Object>();
    m.put("name", s.name());
    m.put("unit", s.unit());
    m.put("coverage", s.coverage());
    var latest = s.latest();
    m.put(
        "latest",
        latest == null ? null : new Object[] {latest.start().toEpochMilli(), latest.value()});
    var pts = new ArrayList<Object[]>(s.steps().size());
    for (var st : s.steps()) {
      pts.add(new Object[] {st.start().toEpochMilli(), st.value()});
    }
    m.put("points", pts);
    return m;
  }

  /** A series' identity with its unit and quantity (null where nothing says them). */
  private Map<String, Object> keyJson(SeriesKey k) {
    var m = new LinkedHashMap<String, Object>();
    m.put("measurement", k.measurement());
    m.put("tags", k.tags());
    m.put("field", k.field());
    UnitJson.put(m, analytics.units().of(k).orElse(null));
    return m;
  }

  /** JSON has no NaN or infinity; a non-finite value is sent as null (a gap), never as zero. */
  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
