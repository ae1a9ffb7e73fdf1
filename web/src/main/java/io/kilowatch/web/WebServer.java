package io.kilowatch.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.kilowatch.collector.DeviceStatus;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Store;
import io.kilowatch.web.api.ApiRoutes;
import io.kilowatch.web.api.BadRequest;
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

  private final Javalin app;
  private String host = "localhost";

  public WebServer(SiteConfig site, Store store, Supplier<List<DeviceStatus>> statuses) {
    this(
        site,
        store,
        statuses,
        samples -> {
          store.write(samples);
          return true;
        });
  }

  /**
   * @param ingest where line-protocol writes go (the collectors' store writer)
   */
  public WebServer(
      SiteConfig site, Store store, Supplier<List<DeviceStatus>> statuses, IngestSink ingest) {
    var api = new ApiRoutes(site, store, statuses);
    var ingestRoutes =
        new IngestRoutes(
            ingest,
            new TokenAuth(site.web().tokens(), System.getenv(TokenAuth.ENV)),
            site.site().name(),
            Clock.systemUTC());
    ObjectMapper mapper =
        new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
    this.app =
        Javalin.create(
            cfg -> {
              cfg.concurrency.useVirtualThreads = true;
              cfg.startup.showJavalinBanner = false;
              cfg.jsonMapper(new JavalinJackson(mapper, true));
              cfg.staticFiles.enableWebjars();
              cfg.staticFiles.add("/public", Location.CLASSPATH);
              api.register(cfg.routes);
              ingestRoutes.register(cfg.routes);
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

  public void start(String bind, int port) {
    app.start(bind, port);
    this.host = "0.0.0.0".equals(bind) || bind.isBlank() ? "localhost" : bind;
  }

  public int port() {
    return app.port();
  }

  public String url() {
    return "http://" + host + ":" + port() + "/";
  }

  public void stop() {
    app.stop();
  }
}
