package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.web.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The real server on a random port, asked the read routes with arbitrary query strings (names the
 * routes know, values from any text, some of them not even valid percent-encoding): every answer is
 * below 500. A 5xx would mean a typo in a dashboard URL shows up as a server fault.
 */
class QueryStringPropertyTest {
  private static final List<String> ROUTES =
      List.of(
          "/api/query",
          "/api/series",
          "/api/latest",
          "/api/overview",
          "/api/energy",
          "/api/pue",
          "/api/carbon",
          "/api/risk",
          "/api/devices",
          "/api/devices/fac",
          "/api/site",
          "/api/alerts",
          "/metrics");

  private static final List<String> NAMES =
      List.of(
          "from",
          "to",
          "step",
          "tags",
          "aggregate",
          "unit",
          "measurement",
          "field",
          "window",
          "at",
          "scope",
          "id",
          "detail",
          "cluster",
          "limit",
          "cursor",
          "sort",
          "q",
          "state",
          "kind",
          "rack",
          "view");

  private static Path dir;
  private static Store store;
  private static WebServer web;

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("kw-query-prop");
    Files.writeString(dir.resolve("site.yaml"), ApiUnitsTest.SITE);
    SiteConfig site = ConfigLoader.load(dir.resolve("site.yaml"));
    store = EmbeddedStore.open(site.store());
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    var batch = new ArrayList<Sample>();
    for (int s = 600; s >= 0; s -= 10) {
      Instant t = now.minusSeconds(s);
      batch.add(ApiUnitsTest.sample(t, "meter", "fac", Map.of("power", 268.93, "leak", 1.0)));
      batch.add(ApiUnitsTest.sample(t, "meter", "it", Map.of("power", 200.0, "leak", 0.0)));
      batch.add(ApiUnitsTest.sample(t, "cdu", "cdu1", Map.of("power", 5.75)));
    }
    store.write(batch);
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
  }

  @AfterContainer
  static void stop() throws IOException {
    web.stop();
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Provide
  Arbitrary<String> params() {
    Arbitrary<String> name =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.of(NAMES)),
            Tuple.of(1, Arbitraries.strings().alpha().ofMaxLength(4)));
    Arbitrary<String> value =
        Arbitraries.frequencyOf(
                Tuple.of(
                    4,
                    Arbitraries.of(
                        "now",
                        "-15m",
                        "now-1h",
                        "-999999999999y",
                        "-999999999999d",
                        "999999999999d",
                        "999999999999y",
                        "1ms",
                        "0s",
                        "-1s",
                        "0",
                        "99999999999999999999",
                        "+1000000000-12-31T23:59:59Z",
                        "-1000000000-01-01T00:00:00Z",
                        "2026-13-01",
                        "2026-01-01T00:00:00Z",
                        "meter",
                        "power",
                        "cluster:c1,device:fac",
                        "a:",
                        ":",
                        "counter-delta",
                        "max",
                        "kW",
                        "degC",
                        "1/0",
                        "W^999999999",
                        "site",
                        "cluster",
                        "rack",
                        "device",
                        "trailing-12-months",
                        "day",
                        "month",
                        "whole",
                        "15m")),
                Tuple.of(
                    1,
                    Arbitraries.strings()
                        .withChars("now-0123456789msdhyTZ:.+,/*^()[]%' ")
                        .ofMaxLength(20)),
                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(12)))
            .map(v -> URLEncoder.encode(v, StandardCharsets.UTF_8));
    // Not valid percent-encoding: the server must refuse it, not fail on it.
    Arbitrary<String> raw =
        Arbitraries.strings().withChars("%0123456789abcdefxyzXYZ+-:.").ofMaxLength(8);
    return Combinators.combine(name, Arbitraries.oneOf(value, value, value, raw))
        .as((n, v) -> n + "=" + v);
  }

  // Any query string on any read route: never a 5xx.
  @Property(tries = 300)
  void noQueryStringMakesAServerError(
      @ForAll("routes") String route, @ForAll @Size(max = 6) List<@From("params") String> params)
      throws IOException {
    String target = route + (params.isEmpty() ? "" : "?" + String.join("&", params));

    int status = get(target);

    Statistics.label("status").collect(status / 100 + "xx");
    assertThat(status).as(target).isBetween(200, 499);
  }

  // Found by ParamsPropertyTest: times and steps past what Instant and Duration arithmetic hold
  // answered 500 (ArithmeticException, DateTimeException); they are the client's mistake.
  @Example
  void timesAndStepsBeyondInstantArithmeticAreBadRequests() throws IOException {
    var softly = new org.assertj.core.api.SoftAssertions();
    for (String target :
        List.of(
            "/api/overview?step=999999999999d",
            "/api/overview?from=-1000000000-01-01T00:00:00Z",
            "/api/overview?to=-999999999999d",
            "/api/query?measurement=meter&step=999999999999y",
            "/api/query?measurement=meter&to=-1000000000-01-01T00:00:00Z",
            "/api/energy?from=-1000000000-01-01T00:00:00Z",
            "/api/latest?measurement=meter&window=999999999999d")) {
      softly.assertThat(get(target)).as(target).isEqualTo(400);
    }
    softly.assertAll();
  }

  @Provide
  Arbitrary<String> routes() {
    return Arbitraries.of(ROUTES);
  }

  /** The status of a GET sent as raw HTTP/1.1, so that malformed targets reach the server. */
  private static int get(String target) throws IOException {
    try (var s = new Socket("127.0.0.1", web.port())) {
      s.setSoTimeout(20_000);
      s.getOutputStream()
          .write(
              ("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      var line = new StringBuilder();
      for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
        line.append((char) c);
      }
      String[] parts = line.toString().split(" ");
      assertThat(parts.length).as("status line '%s' for %s", line, target).isGreaterThan(1);
      return Integer.parseInt(parts[1]);
    }
  }
}
