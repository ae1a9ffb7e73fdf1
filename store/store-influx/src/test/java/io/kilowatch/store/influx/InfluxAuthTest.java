package io.kilowatch.store.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.kilowatch.config.InfluxConfig;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.StoreException;
import io.kilowatch.testkit.InfluxServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Credentials: 1.x username/password against a real server, 2.x/3.x tokens as a header. */
class InfluxAuthTest {
  @RegisterExtension static final InfluxServer SERVER = InfluxServer.withAuth();

  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @BeforeAll
  static void createAdmin() throws Exception {
    // 1.x lets the first user be created without credentials.
    String q = "CREATE USER kw WITH PASSWORD 'pw-1' WITH ALL PRIVILEGES";
    var response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        SERVER
                            .process()
                            .url()
                            .resolve("/query?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8)))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
  }

  private static List<Sample> one() {
    return List.of(
        new Sample(
            T,
            "pdu",
            new TreeMap<>(Map.of("rack", "r1")),
            new TreeMap<>(Map.of("power_w", 5.0)),
            Quality.GOOD));
  }

  private static InfluxConfig withCredentials(String user, String password) {
    var c = SERVER.newDatabase();
    return new InfluxConfig(c.url(), c.database(), null, user, password, null);
  }

  @Test
  void usernameAndPasswordAreSentAndAWrongPasswordFailsTheWriteSoItCanBeBuffered() {
    var good = withCredentials("kw", "pw-1");
    try (var store = InfluxStore.open(good)) {
      store.createDatabase();
      store.write(one());
      assertThat(store.read(SeriesQuery.of("pdu", null), T, T.plusSeconds(1))).hasSize(1);
    }
    var bad = new InfluxConfig(good.url(), good.database(), null, "kw", "wrong", null);
    try (var store = InfluxStore.open(bad)) {
      assertThatThrownBy(() -> store.write(one()))
          .isInstanceOf(StoreException.class)
          .isNotInstanceOf(io.kilowatch.store.RejectedWriteException.class)
          .hasMessageContaining("authorization failed");
    }
  }

  @Test
  void aRetentionPolicyIsUsedForWritesAndQueries() throws Exception {
    var c = withCredentials("kw", "pw-1");
    try (var admin = InfluxStore.open(c)) {
      admin.createDatabase();
    }
    String q =
        "CREATE RETENTION POLICY \"short\" ON \"" + c.database() + "\" DURATION 30d REPLICATION 1";
    var response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        SERVER
                            .process()
                            .url()
                            .resolve(
                                "/query?u=kw&p=pw-1&q="
                                    + URLEncoder.encode(q, StandardCharsets.UTF_8)))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    var now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    var rp = new InfluxConfig(c.url(), c.database(), "short", "kw", "pw-1", null);
    try (var store = InfluxStore.open(rp);
        var defaultPolicy = InfluxStore.open(c)) {
      store.write(
          List.of(
              new Sample(
                  now,
                  "pdu",
                  new TreeMap<>(Map.of("rack", "r1")),
                  new TreeMap<>(Map.of("power_w", 7.0)),
                  Quality.GOOD)));
      assertThat(store.read(SeriesQuery.of("pdu", null), now, now.plusSeconds(1)))
          .singleElement()
          .satisfies(s -> assertThat(s.points().getFirst().value()).isEqualTo(7.0));
      assertThat(defaultPolicy.listSeries(SeriesQuery.of("pdu", null))).isEmpty();
    }
  }

  @Test
  void aTokenIsSentAsAuthorizationTokenHeaderForTwoAndThreeX() throws Exception {
    // InfluxDB 2.x/3.x cannot run here; what the store sends is what their v1 endpoints check.
    var headers = new CopyOnWriteArrayList<String>();
    var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          headers.add(
              exchange.getRequestURI().getPath()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization"));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.start();
    try {
      var config =
          new InfluxConfig(
              URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
              "bucket",
              "autogen",
              null,
              null,
              "tok-123");
      try (var store = InfluxStore.open(config)) {
        store.write(one());
      }
    } finally {
      server.stop(0);
    }
    assertThat(headers).contains("/write Token tok-123");
  }
}
