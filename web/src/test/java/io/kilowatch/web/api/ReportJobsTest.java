package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.report.ReportBuilder;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import io.kilowatch.web.WebServer;
import io.kilowatch.web.ingest.TokenAuth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report job API over real HTTP: progress that moves step by step, the one-report-at-a-time
 * 429, the finished file equal to the one-shot download, and read access.
 */
class ReportJobsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final Instant T0 = Instant.parse("2026-07-01T00:00:00Z");
  static final String VIEWER = "viewer-token-1";

  @TempDir Path dir;

  /** The site with a viewer token, plus {@code webFields} under {@code web:}. */
  SiteConfig site(Map<String, ?> webFields) throws Exception {
    return site(dir, webFields);
  }

  /** A meter and a PDU in {@code dir}; the web section (tokens, read access) as the YAML says. */
  static SiteConfig site(Path dir, Map<String, ?> webFields) throws Exception {
    var web =
        YamlMaps.of(
            "tokens", List.of(SiteBuilder.token("screens", TokenAuth.sha256Hex(VIEWER), "viewer")));
    web.putAll(webFields);
    var parsed =
        SiteBuilder.named("t").store(YamlMaps.of("dataDir", "data")).web(web).toConfig(dir);
    return io.kilowatch.testkit.TestSites.withMeterProfile(
        new SiteConfig(
            null,
            parsed.site(),
            parsed.store(),
            parsed.web(),
            List.of(),
            List.of(),
            List.of(device("main", DeviceKind.METER), device("pdu", DeviceKind.PDU)),
            new EnergyModel(
                EnergyModel.ItLevel.PDU_OUTPUT,
                List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                List.of(new Channel("pdu", null, null, "energy_kwh", "power_w")),
                List.of(),
                List.of(),
                List.of())));
  }

  private static Device device(String id, DeviceKind kind) {
    return new Device(
        id,
        kind,
        Location.FACILITY,
        null,
        new Source.Modbus("127.0.0.1", 502, 1),
        Duration.ofSeconds(60),
        Duration.ofSeconds(2),
        Map.of());
  }

  /** Two hours on 1 July: E_DC 130 kWh/h, E_IT 100 kWh/h. */
  static void write(Store store) {
    var batch = new ArrayList<Sample>();
    for (int t = 0; t <= 7200; t += 60) {
      Instant at = T0.plusSeconds(t);
      batch.add(
          Sample.of(at, "meter", Map.of("device", "main"), Map.of("energy_kwh", 130 * t / 3600.0)));
      batch.add(
          Sample.of(at, "pdu", Map.of("device", "pdu"), Map.of("energy_kwh", 100 * t / 3600.0)));
    }
    store.write(batch);
  }

  static HttpResponse<byte[]> send(String url, String method, String token) throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(20))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static JsonNode json(HttpResponse<byte[]> r) throws Exception {
    return JSON.readTree(r.body());
  }

  /** Polls the job until {@code until} holds, within a bounded time. */
  static JsonNode poll(String url, Predicate<JsonNode> until) {
    return poll(url, null, until);
  }

  static JsonNode poll(String url, String token, Predicate<JsonNode> until) {
    var last = new AtomicReference<JsonNode>();
    await(url)
        .atMost(Duration.ofSeconds(20))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .untilAsserted(
            () -> {
              JsonNode j = json(send(url, "GET", token));
              last.set(j);
              assertThat(until.test(j)).as("waiting for " + url + ", last " + j).isTrue();
            });
    return last.get();
  }

  @Test
  void aJobReportsMovingProgressAndEndsWithTheOneShotBytes() throws Exception {
    var site = site(Map.of());
    // The job stops after publishing each step until the test has seen it over HTTP.
    var gate = new Semaphore(0);
    ReportBuilder.Progress hold =
        (d, t, w) -> {
          try {
            if (!gate.tryAcquire(20, TimeUnit.SECONDS)) {
              throw new IllegalStateException("the test never released step " + d);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir.resolve("s")))) {
      write(store);
      var routes =
          new ReportRoutes(
              new Analytics(site, store, java.time.Clock.systemUTC()),
              store,
              hold,
              token -> java.util.Optional.empty(),
              Budget.REPORT_TIME_LIMIT);
      var app = Javalin.create(cfg -> routes.register(cfg.routes)).start("127.0.0.1", 0);
      try {
        String base = "http://127.0.0.1:" + app.port();
        // July to September: three months, then the whole period and the input hash.
        String q = "?from=2026-07-01&to=2026-10-01&format=csv";
        var created = send(base + "/api/reports/jobs" + q, "POST", null);
        assertThat(created.statusCode()).isEqualTo(202);
        String id = json(created).get("id").asText();
        String url = base + "/api/reports/jobs/" + id;
        assertThat(created.headers().firstValue("Location")).hasValue("/api/reports/jobs/" + id);
        var seen = new ArrayList<String>();
        for (int k = 1; k <= 5; k++) {
          int step = k;
          JsonNode j = poll(url, n -> n.get("done").asInt() == step);
          assertThat(j.get("state").asText()).isEqualTo("running");
          assertThat(j.get("total").asInt()).isEqualTo(5);
          seen.add(j.get("done").asInt() + " " + j.get("phase").asText());
          if (k == 2) {
            // While it runs, neither another job nor a one-shot download may start.
            assertThat(send(base + "/api/reports/jobs" + q, "POST", null).statusCode())
                .isEqualTo(429);
            var busy = send(base + "/api/reports" + q, "GET", null);
            assertThat(busy.statusCode()).isEqualTo(429);
            assertThat(busy.headers().firstValue("Retry-After")).isPresent();
            assertThat(send(url + "/file", "GET", null).statusCode()).isEqualTo(409);
          }
          gate.release();
        }
        assertThat(seen)
            .containsExactly(
                "1 month 2026-07",
                "2 month 2026-08",
                "3 month 2026-09",
                "4 whole period",
                "5 input hash");
        JsonNode done = poll(url, n -> n.get("state").asText().equals("done"));
        var file = send(base + done.get("file").asText(), "GET", null);
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(done.get("bytes").asInt()).isEqualTo(file.body().length);
        String text = new String(file.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text)
            .contains(
                "headline,site,e_dc,260.000000000,kWh,measured,Total data centre energy consumption\n");
        assertThat(file.headers().firstValue("X-Report-Input-Sha256"))
            .hasValue(done.get("inputSha256").asText());

        // The one-shot route gives the same bytes (its own builds pass the hold gate too).
        gate.release(5);
        var oneShot = send(base + "/api/reports" + q, "GET", null);
        assertThat(oneShot.statusCode()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(oneShot.body());
        assertThat(send(base + "/api/reports/jobs/nope", "GET", null).statusCode()).isEqualTo(404);
      } finally {
        app.stop();
      }
    }
  }

  @Test
  void startingAJobNeedsWhatAReadNeeds() throws Exception {
    var site = site(Map.of("readAccess", "token"));
    try (Store store = EmbeddedStore.open(site.store())) {
      write(store);
      var web = new WebServer(site, store, List::of);
      web.start("127.0.0.1", 0);
      try {
        String base = "http://127.0.0.1:" + web.port();
        String q =
            "/api/reports/jobs?from=2026-07-01T00:00:00Z&to=2026-07-01T02:00:00Z&format=json";
        assertThat(send(base + q, "POST", null).statusCode()).isEqualTo(401);
        var created = send(base + q, "POST", VIEWER);
        assertThat(created.statusCode()).isEqualTo(202);
        String url = base + "/api/reports/jobs/" + json(created).get("id").asText();
        assertThat(send(url, "GET", null).statusCode()).isEqualTo(401);
        JsonNode j = poll(url, VIEWER, n -> n.get("state").asText().equals("done"));
        assertThat(j.get("done").asInt()).isEqualTo(j.get("total").asInt());
        var file = json(send(base + j.get("file").asText(), "GET", VIEWER));
        assertThat(file.get("schema").asText()).isEqualTo("kilowatch-report/1");
      } finally {
        web.stop();
      }
    }
  }

  /** A month that takes 20 s unless its thread is interrupted, while {@code holding} is set. */
  static ReportBuilder.Progress slowMonths(java.util.concurrent.atomic.AtomicBoolean holding) {
    return (d, t, w) -> {
      if (holding.get()) {
        try {
          Thread.sleep(20_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  /** The report routes over {@code store}, with the test roles and the default time limit. */
  private static ReportRoutes routes(
      SiteConfig site, Store store, ReportBuilder.Progress progress) {
    return new ReportRoutes(
        new Analytics(site, store, java.time.Clock.systemUTC()),
        store,
        progress,
        ROLES,
        Budget.REPORT_TIME_LIMIT);
  }

  static final String OPERATOR = "operator-token-1";

  /** Operator for {@link #OPERATOR}, viewer for {@link #VIEWER}. */
  static final Authorizer ROLES =
      token ->
          OPERATOR.equals(token)
              ? java.util.Optional.of(io.kilowatch.config.AlertsConfig.Role.OPERATOR)
              : VIEWER.equals(token)
                  ? java.util.Optional.of(io.kilowatch.config.AlertsConfig.Role.VIEWER)
                  : java.util.Optional.empty();

  @Test
  void anOperatorCancelsARunningJobAndTheSlotIsFreeForTheNext() throws Exception {
    var site = site(Map.of());
    var holding = new java.util.concurrent.atomic.AtomicBoolean(true);
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir.resolve("s")))) {
      write(store);
      var routes = routes(site, store, slowMonths(holding));
      var app = Javalin.create(cfg -> routes.register(cfg.routes)).start("127.0.0.1", 0);
      try {
        String base = "http://127.0.0.1:" + app.port();
        String q = "?from=2026-07-01&to=2026-10-01&format=csv";
        var created = send(base + "/api/reports/jobs" + q, "POST", null);
        String url = base + "/api/reports/jobs/" + json(created).get("id").asText();
        poll(url, n -> n.get("done").asInt() == 1);

        // The slot is taken: a client is told when to come back.
        for (String m : List.of("POST", "GET")) {
          var busy =
              send(base + (m.equals("POST") ? "/api/reports/jobs" : "/api/reports") + q, m, null);
          assertThat(busy.statusCode()).isEqualTo(429);
          assertThat(busy.headers().firstValue("Retry-After"))
              .hasValue(Long.toString(Budget.REPORT_RETRY_AFTER.toSeconds()));
        }

        // Cancelling someone's report is an operator's decision, like the other writes.
        assertThat(send(url, "DELETE", null).statusCode()).isEqualTo(401);
        assertThat(send(url, "DELETE", VIEWER).statusCode()).isEqualTo(403);
        assertThat(send(url, "DELETE", OPERATOR).statusCode()).isEqualTo(202);
        JsonNode j = poll(url, n -> !n.get("state").asText().equals("running"));
        assertThat(j.get("state").asText()).isEqualTo("cancelled");
        assertThat(j.get("error").asText()).isEqualTo("cancelled by an operator");
        // Stopped at the month it was in, well before the 20 s that month would have taken.
        assertThat(j.get("done").asInt()).isEqualTo(1);

        holding.set(false);
        var next = send(base + "/api/reports/jobs" + q, "POST", null);
        assertThat(next.statusCode()).isEqualTo(202);
        String nextUrl = base + "/api/reports/jobs/" + json(next).get("id").asText();
        assertThat(
                poll(nextUrl, n -> !n.get("state").asText().equals("running"))
                    .get("state")
                    .asText())
            .isEqualTo("done");

        // An ended job is forgotten by a DELETE.
        assertThat(send(url, "DELETE", OPERATOR).statusCode()).isEqualTo(204);
        assertThat(send(url, "GET", null).statusCode()).isEqualTo(404);
      } finally {
        app.stop();
        routes.close();
      }
    }
  }

  @Test
  void aOneShotReportStopsWhenItsClientLeavesAndTheSlotIsFree() throws Exception {
    // Before, a download whose client had gone ran to its end or its 10-minute limit, holding the
    // one report slot all the while.
    var site = site(Map.of());
    var holding = new java.util.concurrent.atomic.AtomicBoolean(true);
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir.resolve("s")))) {
      write(store);
      var routes = routes(site, store, slowMonths(holding));
      var app = Javalin.create(cfg -> routes.register(cfg.routes)).start("127.0.0.1", 0);
      try {
        String base = "http://127.0.0.1:" + app.port();
        String q = "?from=2026-07-01&to=2026-10-01&format=csv";
        try (var socket = new java.net.Socket("127.0.0.1", app.port())) {
          socket
              .getOutputStream()
              .write(
                  ("GET /api/reports" + q + " HTTP/1.1\r\nHost: kilowatch\r\n\r\n")
                      .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          socket.getOutputStream().flush();
          // The download is being made: the slot is taken.
          org.awaitility.Awaitility.await()
              .atMost(java.time.Duration.ofSeconds(10))
              .until(() -> send(base + "/api/reports/jobs" + q, "POST", null).statusCode() == 429);
        }
        // The client has left: within a few checks the report stops and the slot is free again.
        // The month it is in still sleeps its 20 s unless stopped; later months do not.
        holding.set(false);
        long left = System.nanoTime();
        var next =
            org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(
                    () -> send(base + "/api/reports/jobs" + q, "POST", null),
                    r -> r.statusCode() == 202);
        assertThat((System.nanoTime() - left) / 1e9)
            .as("seconds until the slot was free, of the 20 s a held month takes")
            .isLessThan(10.0);
        String nextUrl = base + "/api/reports/jobs/" + json(next).get("id").asText();
        assertThat(
                poll(nextUrl, n -> !n.get("state").asText().equals("running"))
                    .get("state")
                    .asText())
            .isEqualTo("done");
      } finally {
        app.stop();
        routes.close();
      }
    }
  }

  @Test
  void aOneShotReportWhoseClientStaysIsAnswered() throws Exception {
    var site = site(Map.of());
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir.resolve("s")))) {
      write(store);
      var routes = routes(site, store, ReportBuilder.Progress.NONE);
      var app = Javalin.create(cfg -> routes.register(cfg.routes)).start("127.0.0.1", 0);
      try {
        var r =
            send(
                "http://127.0.0.1:" + app.port() + "/api/reports?from=2026-07-01&to=2026-10-01",
                "GET",
                null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)).startsWith("{");
      } finally {
        app.stop();
        routes.close();
      }
    }
  }

  @Test
  void aReportPastItsTimeLimitFailsAndFreesTheSlot() throws Exception {
    var site = site(Map.of());
    var holding = new java.util.concurrent.atomic.AtomicBoolean(true);
    var limit = Duration.ofSeconds(1);
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir.resolve("s")))) {
      write(store);
      var routes =
          new ReportRoutes(
              new Analytics(site, store, java.time.Clock.systemUTC()),
              store,
              slowMonths(holding),
              ROLES,
              limit);
      var app = Javalin.create(cfg -> routes.register(cfg.routes)).start("127.0.0.1", 0);
      try {
        String base = "http://127.0.0.1:" + app.port();
        String q = "?from=2026-07-01&to=2026-10-01&format=csv";
        String expected =
            "stopped: the report ran longer than its time limit of "
                + limit.toSeconds()
                + " s; ask for a shorter range";
        Instant started = Instant.now();
        var created = send(base + "/api/reports/jobs" + q, "POST", null);
        String url = base + "/api/reports/jobs/" + json(created).get("id").asText();
        JsonNode j = poll(url, n -> !n.get("state").asText().equals("running"));
        assertThat(j.get("state").asText()).isEqualTo("failed");
        assertThat(j.get("error").asText()).isEqualTo(expected);
        assertThat(Duration.between(started, Instant.now())).isGreaterThanOrEqualTo(limit);

        // The one-shot download is held to the same limit, and answers why.
        var oneShot = send(base + "/api/reports" + q, "GET", null);
        assertThat(oneShot.statusCode()).isEqualTo(503);
        assertThat(json(oneShot).get("error").asText()).isEqualTo(expected);

        // The slot is free: another report starts (how long it then takes does not matter here).
        assertThat(send(base + "/api/reports/jobs" + q, "POST", null).statusCode()).isEqualTo(202);
      } finally {
        app.stop();
        routes.close();
      }
    }
  }
}
