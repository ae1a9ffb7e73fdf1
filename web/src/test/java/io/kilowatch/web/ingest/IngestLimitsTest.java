package io.kilowatch.web.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import io.kilowatch.web.WebServer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest's limits on what a client may create, each through a real server and a real embedded
 * store, set small so that each is reached with a few lines. Every refusal must name its limit, so
 * the writer knows which setting it ran into.
 */
class IngestLimitsTest {
  static final String OPERATOR = "op-secret-limits";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** The limits of these tests; each test may override some. */
  private static Map<String, Object> limits() {
    return YamlMaps.of(
        "maxBodyBytes", "8KiB",
        "maxLines", 20,
        "maxLineLength", 300,
        "maxTagKeyLength", 10,
        "maxTagValueLength", 20,
        "maxFieldsPerLine", 5,
        "maxSeriesPerMeasurement", 10,
        "maxSeries", 30,
        "maxNewSeriesPerMinute", 1_000);
  }

  @TempDir Path dir;
  EmbeddedStore store;
  String base;

  private interface Body {
    void run() throws Exception;
  }

  private void serve(Map<String, Object> overrides, IngestSink sink, Body body) throws Exception {
    var ingest = limits();
    ingest.putAll(overrides);
    SiteConfig site =
        SiteBuilder.named("Hall")
            .store(YamlMaps.of("dataDir", "data"))
            .web(
                YamlMaps.of(
                    "tokens",
                    List.of(SiteBuilder.token("agents", TokenAuth.sha256Hex(OPERATOR), "operator")),
                    "ingest",
                    ingest))
            .toConfig(dir);
    try (var s = EmbeddedStore.open(site.store())) {
      store = s;
      serveWith(site, sink, body);
    }
  }

  private void serveWith(SiteConfig site, IngestSink sink, Body body) throws Exception {
    IngestSink into = sink != null ? sink : IngestSink.direct(store);
    var web = new WebServer(site, store, List::of, null, into);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
    try {
      body.run();
    } finally {
      web.stop();
    }
  }

  private void serve(Map<String, Object> overrides, Body body) throws Exception {
    serve(overrides, null, body);
  }

  private HttpResponse<String> post(String precision, byte[] body, String... headers)
      throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create(base + "/api/v2/write?precision=" + precision))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + OPERATOR)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String text) throws Exception {
    return post("s", text.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  /** The error of each refused line, by line number. */
  private static Map<Integer, String> refused(HttpResponse<String> r) throws Exception {
    var out = new TreeMap<Integer, String>();
    json(r).get("lines").forEach(l -> out.put(l.get("line").asInt(), l.get("error").asText()));
    return out;
  }

  private List<SeriesPoints> points(String measurement) {
    return store.read(
        SeriesQuery.of(measurement, null), Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"));
  }

  /** A line of {@code n} fields {@code f0..f(n-1)} for {@code device}. */
  private static String fields(String measurement, String device, int n) {
    return measurement
        + ",device="
        + device
        + " "
        + IntStream.range(0, n).mapToObj(i -> "f" + i + "=1").collect(Collectors.joining(","))
        + " 1767225600";
  }

  @Test
  void aLineLongerThanMaxLineLengthIsRejectedNamingTheLimit() throws Exception {
    serve(
        Map.of(),
        () -> {
          String ok = "len,device=a f=1 1767225600";
          // 301 characters: one over the limit (the measurement name itself is not limited).
          String tooLong = "len" + "x".repeat(301 - ok.length()) + ok.substring(3);
          assertThat(tooLong).hasSize(301);
          String atLimit = "len" + "y".repeat(300 - ok.length()) + ok.substring(3);

          var r = post(ok + "\n" + tooLong + "\n" + atLimit);

          assertThat(r.statusCode()).isEqualTo(400);
          assertThat(refused(r))
              .containsOnlyKeys(2)
              .hasEntrySatisfying(2, e -> assertThat(e).contains("maxLineLength = 300"));
          assertThat(json(r).get("written").asInt()).isEqualTo(2);
          assertThat(points("len")).hasSize(1);
        });
  }

  @Test
  void tagKeysAndValuesOverTheirLengthsAreRejectedNamingTheLimit() throws Exception {
    serve(
        Map.of(),
        () -> {
          String key10 = "k".repeat(10);
          String value20 = "v".repeat(20);
          var r =
              post(
                  String.join(
                      "\n",
                      "tags,device=a," + key10 + "=" + value20 + " f=1 1767225600",
                      "tags,device=b," + key10 + "k=x f=1 1767225600",
                      "tags,device=c,k=" + value20 + "v f=1 1767225600"));

          assertThat(r.statusCode()).isEqualTo(400);
          var errors = refused(r);
          assertThat(errors).containsOnlyKeys(2, 3);
          assertThat(errors.get(2)).contains("maxTagKeyLength = 10");
          assertThat(errors.get(3)).contains("maxTagValueLength = 20").contains("21 characters");
          assertThat(points("tags")).hasSize(1);
        });
  }

  @Test
  void aLineWithMoreFieldsThanMaxFieldsPerLineIsRejectedNamingTheLimit() throws Exception {
    serve(
        Map.of(),
        () -> {
          var r = post(fields("wide", "a", 5) + "\n" + fields("wide", "b", 6));

          assertThat(r.statusCode()).isEqualTo(400);
          assertThat(refused(r))
              .containsOnlyKeys(2)
              .hasEntrySatisfying(
                  2, e -> assertThat(e).contains("6 fields").contains("maxFieldsPerLine = 5"));
          assertThat(points("wide")).hasSize(5);
        });
  }

  @Test
  void aLineThatWouldTakeAMeasurementPastItsSeriesLimitIsRejected() throws Exception {
    serve(
        Map.of(),
        () -> {
          // 5 + 5 series fill measurement 'pm' (limit 10); the third device's 5 would pass it.
          assertThat(post(fields("pm", "a", 5) + "\n" + fields("pm", "b", 5)).statusCode())
              .isEqualTo(200);

          var r =
              post(
                  String.join(
                      "\n",
                      fields("pm", "c", 1),
                      fields("pm", "a", 5).replace("1767225600", "1767225660"),
                      fields("other", "c", 5)));

          assertThat(r.statusCode()).isEqualTo(400);
          assertThat(refused(r))
              .containsOnlyKeys(1)
              .hasEntrySatisfying(
                  1,
                  e ->
                      assertThat(e)
                          .contains("measurement 'pm'")
                          .contains("maxSeriesPerMeasurement = 10"));
          // Known series keep being written; another measurement has its own count.
          assertThat(json(r).get("written").asInt()).isEqualTo(2);
          assertThat(points("pm")).hasSize(10);
          assertThat(points("other")).hasSize(5);
        });
  }

  @Test
  void theTotalSeriesLimitCountsWhatTheStoreHeldAtStartUp() throws Exception {
    // 28 series written straight into the store before the server starts; the limit is 30.
    var earlier = new ArrayList<Sample>();
    for (int m = 0; m < 4; m++) {
      var f = new TreeMap<String, Double>();
      IntStream.range(0, 7).forEach(i -> f.put("f" + i, 1.0));
      earlier.add(
          Sample.of(Instant.parse("2026-01-01T00:00:00Z"), "old" + m, Map.of("site", "Hall"), f));
    }
    serve(
        Map.of(),
        // The store is opened by serve(): look it up when writing.
        samples -> IngestSink.direct(store).offer(samples),
        () -> {
          // Before the first ingest request, which is when the server counts what the store holds.
          store.write(earlier);
          var r = post(fields("fresh", "a", 2) + "\n" + fields("fresh", "b", 1));

          assertThat(r.statusCode()).isEqualTo(400);
          assertThat(refused(r))
              .containsOnlyKeys(2)
              .hasEntrySatisfying(
                  2, e -> assertThat(e).contains("maxSeries = 30").contains("holds 30"));
          assertThat(points("fresh")).hasSize(2);
        });
  }

  @Test
  void aBatchCreatingMoreSeriesThanTheMinuteHasLeftGets429AndStoresNothing() throws Exception {
    serve(
        Map.of("maxNewSeriesPerMinute", 8),
        () -> {
          // A window boundary between the two writes would give the second a fresh minute: then
          // try again with new series, in what is now a new minute.
          for (int attempt = 0; ; attempt++) {
            long minute = System.currentTimeMillis() / 60_000;
            assertThat(post(fields("rate" + attempt, "a", 5)).statusCode()).isEqualTo(200);
            var r = post(fields("rate" + attempt, "b", 5));
            if (r.statusCode() != 429 && System.currentTimeMillis() / 60_000 != minute) {
              assertThat(attempt).as("two minute boundaries in a row").isZero();
              continue;
            }
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(json(r).get("message").asText()).contains("maxNewSeriesPerMinute = 8");
            assertThat(Integer.parseInt(r.headers().firstValue("retry-after").orElseThrow()))
                .isBetween(1, 60);
            assertThat(points("rate" + attempt)).hasSize(5);
            // Series that exist already cost nothing from the budget.
            assertThat(
                    post(fields("rate" + attempt, "a", 5).replace("1767225600", "1767225660"))
                        .statusCode())
                .isEqualTo(200);
            break;
          }
          // More new series than a whole minute allows could never be taken: 413, not 429.
          var never = post(fields("huge", "a", 5) + "\n" + fields("huge", "b", 4));
          assertThat(never.statusCode()).isEqualTo(413);
          assertThat(json(never).get("message").asText()).contains("maxNewSeriesPerMinute = 8");
        });
  }

  @Test
  void bodiesOverMaxBodyBytesOrMaxLinesAre413WithTheMaximum() throws Exception {
    serve(
        Map.of("maxSeriesPerMeasurement", 1_000, "maxSeries", 1_000),
        () -> {
          String line = "big,device=a f=1 1767225600\n";
          var tooLarge = post("s", line.repeat(8192 / line.length() + 1).getBytes());
          assertThat(tooLarge.statusCode()).isEqualTo(413);
          assertThat(json(tooLarge).get("message").asText()).contains("maxBodyBytes = 8192");

          var tooMany =
              post(
                  IntStream.range(0, 21)
                      .mapToObj(i -> "many,device=d" + i + " f=1 1767225600")
                      .collect(Collectors.joining("\n")));
          assertThat(tooMany.statusCode()).isEqualTo(413);
          assertThat(json(tooMany).get("message").asText()).contains("maxLines = 20");
          assertThat(points("big")).isEmpty();
          assertThat(points("many")).isEmpty();
        });
  }

  @Test
  void aBatchLargerThanTheStoreWriterCanEverQueueIs413NotARetry() throws Exception {
    // The case: 503 "retry" for a batch the writer could never take, forever. Here the
    // writer takes 3 samples at once and is otherwise always behind.
    IngestSink behind =
        new IngestSink() {
          @Override
          public java.util.Optional<java.util.concurrent.CompletableFuture<Void>> offer(
              List<Sample> samples) {
            return java.util.Optional.empty();
          }

          @Override
          public int capacity() {
            return 3;
          }
        };
    serve(
        Map.of(),
        behind,
        () -> {
          var never =
              post(
                  fields("q", "a", 1)
                      + "\n"
                      + fields("q", "b", 1)
                      + "\n"
                      + fields("q", "c", 1)
                      + "\n"
                      + fields("q", "d", 1));
          assertThat(never.statusCode()).isEqualTo(413);
          assertThat(json(never).get("message").asText()).contains("at most 3");

          var later = post(fields("q", "a", 1));
          assertThat(later.statusCode()).isEqualTo(503);
          assertThat(later.headers().firstValue("retry-after")).isPresent();
        });
  }

  @Test
  void aTruncatedOrBrokenGzipBodyIs400() throws Exception {
    serve(
        Map.of(),
        () -> {
          var out = new ByteArrayOutputStream();
          try (var gz = new GZIPOutputStream(out)) {
            gz.write(fields("gz", "a", 1).repeat(50).getBytes(StandardCharsets.UTF_8));
          }
          byte[] whole = out.toByteArray();
          byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
          byte[] garbage = Arrays.copyOf(whole, whole.length);
          for (int i = 10; i < garbage.length - 8; i++) {
            garbage[i] = (byte) 0xff;
          }

          for (byte[] body : List.of(truncated, garbage)) {
            var r = post("s", body, "Content-Encoding", "gzip");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(json(r).get("message").asText()).startsWith("body is not valid gzip");
          }
          assertThat(points("gz")).isEmpty();
        });
  }

  @Test
  void pointsLessThanAMillisecondApartAreRefusedNotSilentlyMerged() throws Exception {
    serve(
        Map.of(),
        () -> {
          // 0.5 ms apart: the store keeps milliseconds, so the second would replace the first.
          var ns =
              post(
                  "ns",
                  "sub,device=a f=1 1767225600000000000\nsub,device=a f=2 1767225600000500000"
                      .getBytes());
          var us =
              post(
                  "us",
                  "sub,device=a f=3 1767225600001000\nsub,device=a f=4 1767225600001001"
                      .getBytes());

          assertThat(ns.statusCode()).isEqualTo(400);
          assertThat(refused(ns))
              .containsOnlyKeys(2)
              .hasEntrySatisfying(2, e -> assertThat(e).contains("finer than a millisecond"));
          assertThat(refused(us)).containsOnlyKeys(2);
          // Whole milliseconds, 1 ms apart, are two points.
          assertThat(points("sub").getFirst().points()).hasSize(2);
        });
  }
}
