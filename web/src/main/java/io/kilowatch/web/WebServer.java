package io.kilowatch.web;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.javalin.Javalin;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.collector.lineprotocol.PushMapping;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Store;
import io.kilowatch.web.api.ApiRoutes;
import io.kilowatch.web.api.BadRequest;
import io.kilowatch.web.api.MetricsRoutes;
import io.kilowatch.web.api.OpenApi;
import io.kilowatch.web.api.SiteRoutes;
import io.kilowatch.web.ingest.IngestRoutes;
import io.kilowatch.web.ingest.IngestSink;
import io.kilowatch.web.ingest.TokenAuth;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP side: REST API under {@code /api}, the dashboard and its static assets. */
public final class WebServer {
  private static final Logger log = LoggerFactory.getLogger(WebServer.class);

  /** A device kind as written in the configuration ({@code gpu-node}), in every JSON answer. */
  public static final SimpleModule DEVICE_KINDS =
      new SimpleModule("device-kinds")
          .addSerializer(
              DeviceKind.class,
              new StdSerializer<>(DeviceKind.class) {
                @Override
                public void serialize(DeviceKind kind, JsonGenerator gen, SerializerProvider p)
                    throws java.io.IOException {
                  gen.writeString(kind.yamlName());
                }
              });

  /**
   * No inline or third-party script may run: the pages load their code from this server only.
   * ECharts' tooltips use inline style attributes, hence 'unsafe-inline' for styles alone.
   */
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
          + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          + "frame-ancestors 'none'; form-action 'self'";

  /**
   * Bodies the JSON routes read (silences) are small; ingest reads its own, larger limit from the
   * stream.
   */
  static final long MAX_JSON_BODY = 1 << 20;

  private final Javalin app;
  private final boolean https;
  private volatile String startHost = "0.0.0.0";
  private volatile int startPort;
  private final SiteRoutes siteRoutes;
  private final QueryGate queryGate = QueryGate.forThisMachine();
  private final io.kilowatch.web.api.ReportRoutes reportRoutes;
  private final io.kilowatch.web.api.JobRoutes jobRoutes;
  private String host = "localhost";

  public WebServer(SiteConfig site, Store store, Supplier<List<DeviceStatus>> statuses) {
    this(site, store, statuses, null, IngestSink.direct(store));
  }

  /**
   * @param writer the store writer whose queue depth and counts {@code /metrics} reports, or null
   * @param ingest where line-protocol writes go (the collectors' store writer)
   */
  public WebServer(
      SiteConfig site,
      Store store,
      Supplier<List<DeviceStatus>> statuses,
      io.kilowatch.store.BatchingWriter writer,
      IngestSink ingest) {
    this(site, store, statuses, writer, ingest, null);
  }

  /** With analytics of its own, for a server that is the only user of the store (tests). */
  public WebServer(
      SiteConfig site,
      Store store,
      Supplier<List<DeviceStatus>> statuses,
      io.kilowatch.store.BatchingWriter writer,
      IngestSink ingest,
      io.kilowatch.alerts.AlertEngine alerts) {
    this(
        site,
        store,
        new Analytics(site, store, Clock.systemUTC()),
        statuses,
        writer,
        ingest,
        alerts);
  }

  /**
   * @param writer the store writer whose queue depth and counts {@code /metrics} reports, or null
   * @param ingest where line-protocol writes go (the collectors' store writer)
   * @param alerts the site's alerting behind {@code /api/alerts} and {@code /api/silences}, or null
   * @param analytics the process's one {@link Analytics}, shared with the KPI job and reports, so
   *     that carbon intensity is fetched once per refresh for all of them
   */
  public WebServer(
      SiteConfig site,
      Store store,
      Analytics analytics,
      Supplier<List<DeviceStatus>> statuses,
      io.kilowatch.store.BatchingWriter writer,
      IngestSink ingest,
      io.kilowatch.alerts.AlertEngine alerts) {
    var webTokens = new TokenAuth(site.web().tokens(), System.getenv(TokenAuth.ENV));
    var alertTokens = new io.kilowatch.web.api.HashedTokens(site.alerts().apiTokens());
    // One token store for every write: web.tokens (and the ingest token from the environment)
    // plus the tokens listed under alerts.apiTokens.
    io.kilowatch.web.api.Authorizer authorizer =
        token ->
            token == null
                ? java.util.Optional.empty()
                : alertTokens
                    .roleOf(token)
                    .or(
                        () ->
                            webTokens
                                .find(token)
                                .map(
                                    t ->
                                        io.kilowatch.config.AlertsConfig.Role.valueOf(
                                            t.role().name())));
    this.https = site.web().tls() != null;
    var alertRoutes = new io.kilowatch.web.api.AlertRoutes(alerts, authorizer);
    this.reportRoutes = new io.kilowatch.web.api.ReportRoutes(analytics, store, authorizer);
    this.jobRoutes = new io.kilowatch.web.api.JobRoutes(analytics);
    var tickets = new StreamTickets(Clock.systemUTC());
    var access =
        new AccessControl(
            site.web(),
            webTokens,
            token -> authorizer.roleOf(token).isPresent(),
            Clock.systemUTC(),
            tickets);
    var api = new ApiRoutes(site, store, analytics, statuses, writer);
    this.siteRoutes = new SiteRoutes(site, store, statuses, analytics.units());
    var ingestRoutes =
        new IngestRoutes(
            ingest,
            webTokens,
            PushMapping.of(site),
            Clock.systemUTC(),
            site.web().ingest(),
            () -> store.listSeries(io.kilowatch.store.SeriesQuery.of("", null)));
    var metrics =
        new MetricsRoutes(
            statuses,
            new io.kilowatch.analytics.SiteOverview(analytics),
            writer,
            alerts == null ? null : alerts::metrics,
            List.of(
                new MetricsRoutes.Counter(
                    "kilowatch_ingest_unmatched_lines_total",
                    "pushed lines stored that matched no configured device",
                    ingestRoutes::unmatchedLines),
                new MetricsRoutes.Counter(
                    "kilowatch_ingest_rejected_lines_total",
                    "pushed lines refused for a mistake in them",
                    ingestRoutes::rejectedLines)));
    ObjectMapper mapper =
        new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            // One spelling for a device kind in every answer: the configuration's (gpu-node),
            // never the enum constant (GPU_NODE) in one endpoint and the YAML name in another.
            .registerModule(DEVICE_KINDS);
    this.app =
        Javalin.create(
            cfg -> {
              // Platform request threads: handlers compute analytics and query DuckDB (native
              // calls pin a virtual thread's carrier), and with one carrier per core a few
              // dashboard requests would stall the poll loops. The OS time-slices platform threads.
              cfg.concurrency.useVirtualThreads = false;
              cfg.startup.showJavalinBanner = false;
              cfg.jsonMapper(new JavalinJackson(mapper, true));
              cfg.staticFiles.enableWebjars();
              cfg.staticFiles.add("/public", Location.CLASSPATH);
              cfg.http.maxRequestSize = MAX_JSON_BODY;
              // A known path asked with a method it does not take is a client mistake worth
              // naming (405 with Allow), not a missing page.
              cfg.http.prefer405over404 = true;
              new SecurityHeaders(https).install(cfg);
              cfg.jetty.modifyServletContextHandler(
                  h ->
                      h.addFilter(
                          new org.eclipse.jetty.ee10.servlet.FilterHolder(queryGate),
                          "/api/*",
                          java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST)));
              cfg.routes.before(access::check);
              if (site.web().tls() != null) {
                Tls.configure(cfg, site.web().tls(), () -> startHost, () -> startPort);
              }
              api.register(cfg.routes);
              siteRoutes.register(cfg.routes);
              metrics.register(cfg.routes);
              alertRoutes.register(cfg.routes);
              reportRoutes.register(cfg.routes);
              jobRoutes.register(cfg.routes);
              // Checked like any read by AccessControl: a token where the site asks for one.
              cfg.routes.post(
                  AccessControl.EVENTS_TICKET,
                  ctx ->
                      ctx.header("Cache-Control", "no-store")
                          .json(
                              Map.of(
                                  "ticket",
                                  tickets.issue(),
                                  "expiresInSeconds",
                                  StreamTickets.LIFETIME.toSeconds())));
              cfg.routes.get(
                  "/api/openapi.json",
                  ctx -> ctx.contentType("application/json").result(OpenApi.document()));
              ingestRoutes.register(cfg.routes);
              cfg.routes.exception(
                  MethodNotAllowedResponse.class,
                  (e, ctx) -> {
                    String allow = allowed(e);
                    ctx.header("Allow", allow);
                    ctx.status(405)
                        .json(
                            Map.of(
                                "error",
                                ctx.method().name() + " is not allowed here; allowed: " + allow));
                  });
              cfg.routes.exception(
                  AccessControl.ApiError.class,
                  (e, ctx) -> {
                    e.headers.forEach(ctx::header);
                    ctx.status(e.status).json(Map.of("error", e.getMessage()));
                  });
              cfg.routes.exception(
                  BadRequest.class,
                  (e, ctx) ->
                      ctx.status(400)
                          .json(Map.of("error", e.getMessage(), "parameter", e.parameter())));
              cfg.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    log.error("{} {} failed", ctx.method(), ctx.path(), e);
                    ctx.status(500).json(Map.of("error", "internal error: " + e));
                  });
            });
  }

  /**
   * Javalin names the methods a path takes in the exception's only detail; HEAD is added where GET
   * is, since a GET route answers HEAD too.
   */
  static String allowed(MethodNotAllowedResponse e) {
    var methods = new java.util.LinkedHashSet<String>();
    for (String value : e.getDetails().values()) {
      for (String m : value.split(",")) {
        if (!m.isBlank()) {
          methods.add(m.strip());
        }
      }
    }
    if (methods.contains("GET")) {
      methods.add("HEAD");
    }
    return String.join(", ", methods);
  }

  /**
   * The ledger {@code /api/jobs} attributes energy to; until one is set (or where the site has no
   * job source) those endpoints answer no jobs and say why.
   */
  public WebServer jobs(io.kilowatch.jobs.JobLedger ledger) {
    jobRoutes.ledger(ledger);
    return this;
  }

  public void start(String bind, int port) {
    this.startHost = bind;
    this.startPort = port;
    app.start(bind, port);
    this.host = "0.0.0.0".equals(bind) || bind.isBlank() ? "localhost" : bind;
  }

  public int port() {
    return app.port();
  }

  /** Every HTTP route as {@code "GET /api/health"}, for checking the API description. */
  public List<String> routes() {
    return app.unsafe.internalRouter.allHttpHandlers().stream()
        // Javalin's <id> (a parameter that may hold slashes) is OpenAPI's {id}.
        .map(e -> e.endpoint.method.name() + " " + e.endpoint.path.replaceAll("<([^>]+)>", "{$1}"))
        .sorted()
        .toList();
  }

  public String url() {
    return (https ? "https://" : "http://") + host + ":" + port() + "/";
  }

  public void stop() {
    siteRoutes.close();
    reportRoutes.close();
    app.stop();
  }
}
