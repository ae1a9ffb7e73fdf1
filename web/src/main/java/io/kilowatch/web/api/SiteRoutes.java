package io.kilowatch.web.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.Rack;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Point;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.SeriesUnits;
import io.kilowatch.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What the pages need besides series: the site's structure, the latest reading of each series with
 * its age, and a live event stream that tells open pages when to redraw.
 */
public final class SiteRoutes implements AutoCloseable {
  private final SiteConfig site;
  private final Store store;
  private final Supplier<List<DeviceStatus>> statuses;
  private final List<SseClient> clients = new CopyOnWriteArrayList<>();
  private final ResponseCache cache = new ResponseCache(Duration.ofSeconds(1));
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("sse-ticker").factory());

  private final SeriesUnits units;

  public SiteRoutes(
      SiteConfig site, Store store, Supplier<List<DeviceStatus>> statuses, SeriesUnits units) {
    this.units = units;
    this.site = site;
    this.store = store;
    this.statuses = statuses;
    // One tick per shortest poll interval (at least 1 s): pages redraw when new data can exist.
    long tick =
        Math.max(
            1000,
            site.allDevices()
                .map(Device::interval)
                .min(Duration::compareTo)
                .orElse(Duration.ofSeconds(5))
                .toMillis());
    ticker.scheduleAtFixedRate(this::broadcast, tick, tick, TimeUnit.MILLISECONDS);
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/site", this::siteJson);
    routes.get("/api/latest", ctx -> cache.respond(ctx, () -> latest(ctx)));
    routes.sse("/api/events", this::subscribe);
  }

  private void siteJson(Context ctx) {
    String view = ctx.queryParam("view");
    if (view != null && !view.equals("full") && !view.equals("summary")) {
      throw new BadRequest("view", "view must be full or summary, not '" + view + "'");
    }
    boolean summary = "summary".equals(view);
    var body = new LinkedHashMap<String, Object>();
    body.put("name", site.site().name());
    body.put("timezone", site.site().timezone().getId());
    // Pages never ask for a step below this (twice the slowest poll interval; see StepFloor).
    body.put("minStepSeconds", StepFloor.of(site.allDevices()).min().toSeconds());
    body.put("gridZone", site.site().gridZone());
    body.put(
        "ashraeClass", site.site().ashraeClass() == null ? null : site.site().ashraeClass().name());
    body.put("pueCategory", site.energy() == null ? null : site.energy().itLevel().category());
    if (summary) {
      // What every page needs on each load (the nav's cluster list, the step floor, the loops'
      // limits): a few kB whatever the number of racks and nodes, where the full document is
      // half a megabyte at 25,000 GPUs. One device's place is on /api/devices/{id}.
      body.put("view", "summary");
      body.put("deviceCount", site.allDevices().count());
    } else {
      body.put("devices", site.devices().stream().map(SiteRoutes::deviceJson).toList());
    }
    var clusters = new ArrayList<Map<String, Object>>();
    for (Cluster c : site.clusters()) {
      var cm = new LinkedHashMap<String, Object>();
      cm.put("id", c.id());
      cm.put("name", c.name());
      // A cluster's own devices (its CDUs) stay in the summary: the cluster page finds its loops
      // by them.
      cm.put("devices", c.devices().stream().map(SiteRoutes::deviceJson).toList());
      if (summary) {
        cm.put("rackCount", c.racks().size());
        cm.put(
            "deviceCount",
            c.devices().size() + c.racks().stream().mapToInt(r -> r.devices().size()).sum());
        clusters.add(cm);
        continue;
      }
      var racks = new ArrayList<Map<String, Object>>();
      for (Rack r : c.racks()) {
        racks.add(
            Map.of(
                "id",
                r.id(),
                "devices",
                r.devices().stream().map(SiteRoutes::deviceJson).toList()));
      }
      cm.put("racks", racks);
      clusters.add(cm);
    }
    body.put("clusters", clusters);
    // Liquid-cooling class per loop (CDU id or cluster id): the pages draw its supply limit.
    var loops = new LinkedHashMap<String, Object>();
    site.analytics()
        .loops()
        .forEach((id, w) -> loops.put(id, Map.of("class", w.name(), "maxSupplyC", w.maxSupplyC())));
    body.put("loops", loops);
    ctx.json(body);
  }

  private static Map<String, Object> deviceJson(Device d) {
    var m = new LinkedHashMap<String, Object>();
    m.put("id", d.id());
    m.put("kind", d.kind().yamlName());
    m.put("cluster", d.location().cluster());
    m.put("rack", d.location().rack());
    m.put("intervalSeconds", d.interval().toMillis() / 1000.0);
    m.put("source", d.source().getClass().getSimpleName().toLowerCase(Locale.ROOT));
    return m;
  }

  /**
   * The newest reading of each matching series within {@code window} (default 10 min), with its
   * time and quality, so pages can show age and grey out what is stale. The quality is the one
   * shown to people: {@code stale} for a reading of a device that is down or older than three poll
   * intervals ({@code readingQuality} keeps the stored one), and every value that is not good says
   * why ({@code reason}); {@code deviceState} is the poll state of its device.
   */
  private Object latest(Context ctx) {
    Instant now = Instant.now();
    var p = new Params(ctx, now);
    var q = new SeriesQuery(p.required("measurement"), p.optional("field"), p.tags("tags"));
    Duration window = p.duration("window", Duration.ofMinutes(10));
    if (window.compareTo(Duration.ofDays(1)) > 0) {
      throw new BadRequest("window", "window is at most 1d");
    }
    var target = UnitParam.of(p, false);
    var out = new ArrayList<Map<String, Object>>();
    var skipped = new ArrayList<Map<String, Object>>();
    var states = new PointStates(site, statuses.get());
    for (var sp : store.read(q, now.minus(window), now.plusSeconds(1))) {
      if (sp.points().isEmpty()) {
        continue;
      }
      var unit = units.of(sp.key()).orElse(null);
      var conv = target.converter(unit);
      if (conv == null) {
        var k = new LinkedHashMap<String, Object>();
        k.put("measurement", sp.key().measurement());
        k.put("tags", sp.key().tags());
        k.put("field", sp.key().field());
        UnitJson.put(k, unit);
        skipped.add(k);
        continue;
      }
      Point last = sp.points().getLast();
      var m = new LinkedHashMap<String, Object>();
      m.put("measurement", sp.key().measurement());
      m.put("tags", sp.key().tags());
      m.put("field", sp.key().field());
      m.put("time", last.time().toEpochMilli());
      m.put("value", Double.isFinite(last.value()) ? conv.convert(last.value()) : null);
      UnitJson.put(m, unit);
      target.keyJson(m);
      if (unit != null && !unit.states().isEmpty()) {
        // The state's name, so pages show "Leak" rather than 1.000.
        m.put("state", unit.stateName(last.value()));
      }
      var shown = states.latest(sp.key(), last, now);
      m.put("quality", shown.quality());
      m.put("readingQuality", last.quality().name().toLowerCase(Locale.ROOT));
      m.put("reason", shown.reason());
      m.put("deviceState", shown.deviceState());
      m.put("ageSeconds", Duration.between(last.time(), now).toMillis() / 1000.0);
      out.add(m);
    }
    return target.asked() ? Map.of("series", out, "skipped", skipped) : Map.of("series", out);
  }

  private void subscribe(SseClient client) {
    client.keepAlive();
    clients.add(client);
    client.onClose(() -> clients.remove(client));
    client.sendEvent("hello", summary());
  }

  private void broadcast() {
    if (clients.isEmpty()) {
      return;
    }
    var summary = summary();
    for (SseClient c : clients) {
      try {
        c.sendEvent("tick", summary);
      } catch (RuntimeException e) {
        clients.remove(c);
      }
    }
  }

  private Map<String, Object> summary() {
    var counts = new LinkedHashMap<String, Integer>();
    for (var s : statuses.get()) {
      counts.merge(s.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
    }
    return Map.of("time", Instant.now().toEpochMilli(), "devices", counts);
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    clients.forEach(SseClient::close);
  }
}
