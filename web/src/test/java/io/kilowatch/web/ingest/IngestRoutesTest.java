package io.kilowatch.web.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.SiteSources;
import io.kilowatch.testkit.site.YamlMaps;
import io.kilowatch.web.WebServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Line-protocol ingest through the real web server into a real embedded store. The site declares
 * two polled devices ({@code n1}, {@code p1}: lines naming them by {@code device} are theirs) and
 * two push devices recognised by a {@code meter} tag; every other line is unmatched.
 */
class IngestRoutesTest {
  static final String OPERATOR = "op-secret-1";
  static final String VIEWER = "view-secret-2";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path dir;
  static EmbeddedStore store;
  static WebServer web;
  static String base;

  /** A device the web server never polls: only its id and where it sits matter here. */
  private static Map<String, Object> declared(String id, String kind) {
    return YamlMaps.of(
        "id", id, "kind", kind, "source", SiteSources.dcgm("http://127.0.0.1:9/metrics"));
  }

  private static Map<String, Object> pushed(String id, String kind, Map<String, ?> source) {
    var device = YamlMaps.of("id", id, "kind", kind, "interval", "1m");
    var s = YamlMaps.of("type", "push");
    // A line carries no unit: the device declares what its fields are in.
    s.put("units", Map.of("energy_kwh", "kWh", "power_w", "W"));
    s.putAll(source);
    device.put("source", s);
    return device;
  }

  @BeforeAll
  static void start() throws Exception {
    var itA = pushed("it_A", "meter", YamlMaps.of("match", Map.of("meter", "it_A")));
    itA.put("tags", Map.of("feed", "a"));
    SiteConfig site =
        SiteBuilder.named("Hall")
            .store(YamlMaps.of("dataDir", "data"))
            .web(
                YamlMaps.of(
                    "tokens",
                    List.of(
                        SiteBuilder.token("agents", TokenAuth.sha256Hex(OPERATOR), "operator"),
                        SiteBuilder.token("grafana", TokenAuth.sha256Hex(VIEWER), "viewer"))))
            .section(
                "clusters",
                List.of(
                    YamlMaps.of(
                        "id",
                        "c1",
                        "racks",
                        List.of(
                            YamlMaps.of(
                                "id",
                                "c1-r1",
                                "devices",
                                List.of(
                                    declared("n1", "gpu-node"),
                                    pushed(
                                        "pdu_A",
                                        "pdu",
                                        YamlMaps.of(
                                            "match",
                                            Map.of("meter", "pdu_A"),
                                            "measurement",
                                            "power"))))))))
            .section("devices", List.of(declared("p1", "pdu"), itA))
            // A push device is a meter like any other for the energy model.
            .section(
                "energy",
                YamlMaps.of(
                    "itLevel",
                    "pdu-output",
                    "facility",
                    List.of(Map.of("device", "it_A")),
                    "it",
                    List.of(Map.of("kind", "pdu"))))
            .toConfig(dir);
    store = EmbeddedStore.open(site.store());
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  @AfterAll
  static void stop() {
    web.stop();
    store.close();
  }

  static HttpResponse<String> post(String path, byte[] body, String... headers)
      throws IOException, InterruptedException {
    var b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static byte[] gzip(String text) throws IOException {
    var out = new ByteArrayOutputStream();
    try (var gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static List<SeriesPoints> points(String measurement, String device) {
    return store.read(
        SeriesQuery.of(measurement, null).withTag("device", device),
        Instant.EPOCH,
        Instant.parse("2100-01-01T00:00:00Z"));
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  @Test
  void aGzippedV2WriteWithSecondsPrecisionIsStored() throws Exception {
    String body =
        "gpu,device=n1,gpu=0 power_w=301.5,energy_mj=2000i 1767225600\n"
            + "gpu,device=n1,gpu=1 power_w=299 1767225600\n";

    var r =
        post(
            "/api/v2/write?precision=s&bucket=ignored",
            gzip(body),
            "Authorization",
            bearer(OPERATOR),
            "Content-Encoding",
            "gzip");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    var series = points("gpu", "n1");
    assertThat(series).hasSize(3);
    assertThat(series)
        .allSatisfy(
            s -> {
              assertThat(s.key().tags()).containsEntry("site", "Hall");
              assertThat(s.points())
                  .singleElement()
                  .satisfies(
                      p -> assertThat(p.time()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z")));
            });
  }

  @Test
  void aV1WriteWithTheTokenAsBasicPasswordIsStored() throws Exception {
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("telegraf:" + OPERATOR).getBytes(StandardCharsets.UTF_8));

    var r =
        post(
            "/write?db=kilowatch&precision=ms",
            "pdu,device=p1 power_w=1200 1767225600000".getBytes(StandardCharsets.UTF_8),
            "Authorization",
            basic);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    assertThat(points("pdu", "p1"))
        .singleElement()
        .satisfies(s -> assertThat(s.points().getFirst().value()).isEqualTo(1200.0));
  }

  @Test
  void aPartlyBadBatchStoresTheGoodLinesAndListsTheBadOnesByNumber() throws Exception {
    String body =
        """
        sensor,device=s1 temp_c=21 1000000
        sensor,device=s2 temp_c=oops 1000000
        # a comment
        sensor,device=s3 temp_c=22,state="on" 1000000
        sensor,device=s4 temp_c=23 1000000
        """;

    var r =
        post(
            "/api/v2/write",
            body.getBytes(StandardCharsets.UTF_8),
            "Authorization",
            "Token " + OPERATOR);

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode j = JSON.readTree(r.body());
    assertThat(j.get("code").asText()).isEqualTo("invalid");
    assertThat(j.get("written").asInt()).isEqualTo(2);
    assertThat(j.get("rejected").asInt()).isEqualTo(2);
    // s1 and s4 are no configured devices: stored, and said so.
    assertThat(j.get("unmatched").asInt()).isEqualTo(2);
    assertThat(j.get("unmatchedExamples").findValuesAsText("line")).containsExactly("1", "5");
    assertThat(j.get("lines").findValuesAsText("line")).containsExactly("2", "4");
    assertThat(j.get("lines").get(1).get("error").asText()).startsWith("string value");
    assertThat(j.get("message").asText()).startsWith("2 of 4 lines rejected");
    assertThat(points("sensor", "s1")).hasSize(1);
    assertThat(points("sensor", "s4")).hasSize(1);
    // Never half a line: s3's good field was not stored without its bad one.
    assertThat(points("sensor", "s2")).isEmpty();
    assertThat(points("sensor", "s3")).isEmpty();
  }

  @Test
  void writesWithoutAKnownOperatorTokenAreRefusedAndStoreNothing() throws Exception {
    byte[] line = "m,device=denied f=1".getBytes(StandardCharsets.UTF_8);

    var none = post("/api/v2/write", line);
    var wrong = post("/api/v2/write", line, "Authorization", bearer("guess"));
    var viewer = post("/write", line, "Authorization", bearer(VIEWER));

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(JSON.readTree(none.body()).get("message").asText()).contains("Bearer <token>");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(wrong.body()).get("message").asText()).isEqualTo("unknown token");
    assertThat(viewer.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(viewer.body()).get("message").asText()).contains("grafana");
    assertThat(points("m", "denied")).isEmpty();
  }

  @Test
  void aBodyOverTheLimitAfterDecompressionIs413() throws Exception {
    // 33 MiB of text that gzips to a few tens of KiB: the limit is on what it expands to.
    String line = "m,device=big f=1 1\n";
    String big =
        line.repeat(io.kilowatch.config.IngestLimits.DEFAULT.maxBodyBytes() / line.length() + 1000);

    var r =
        post(
            "/api/v2/write",
            gzip(big),
            "Authorization",
            bearer(OPERATOR),
            "Content-Encoding",
            "gzip");

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(points("m", "big")).isEmpty();
  }

  @Test
  void theHostileLinesOfTheIssueAreRefusedByTheDefaultLimits() throws Exception {
    // A 1 MiB tag value (the issue's was 30 MiB) and one line of 100,000 fields, each of which
    // used to become stored series; with the shipped limits both are bad lines.
    String hugeTag = "hostile,device=h1,t=" + "x".repeat(1 << 20) + " f=1 1";
    String wide =
        "hostile,device=h2 "
            + java.util.stream.IntStream.range(0, 100_000)
                .mapToObj(i -> "f" + i + "=1")
                .collect(java.util.stream.Collectors.joining(","))
            + " 1";
    String manyFields =
        "hostile,device=h3 "
            + java.util.stream.IntStream.range(0, 501)
                .mapToObj(i -> "f" + i + "=1")
                .collect(java.util.stream.Collectors.joining(","))
            + " 1";

    var r =
        post(
            "/api/v2/write?precision=s",
            gzip(hugeTag + "\n" + wide + "\n" + manyFields),
            "Authorization",
            bearer(OPERATOR),
            "Content-Encoding",
            "gzip");

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode j = JSON.readTree(r.body());
    assertThat(j.get("written").asInt()).isZero();
    assertThat(j.get("lines").findValuesAsText("error"))
        .satisfiesExactly(
            e -> assertThat(e).contains("maxLineLength = 65536"),
            e -> assertThat(e).contains("maxLineLength = 65536"),
            e -> assertThat(e).contains("501 fields").contains("maxFieldsPerLine = 500"));
    assertThat(points("hostile", "h1")).isEmpty();
    assertThat(points("hostile", "h3")).isEmpty();
  }

  @Test
  void aPlainBodyOverAMegabyteIsAcceptedWhole() throws Exception {
    // Javalin caps ctx.body() at 1 MB by default; ingest reads the stream under its own limit.
    var sb = new StringBuilder();
    for (int i = 0; sb.length() < 1536 * 1024; i++) {
      sb.append("bulk,device=b")
          .append(i % 50)
          .append(" f=")
          .append(i)
          .append(' ')
          .append(i + 1)
          .append('\n');
    }

    var r =
        post(
            "/write?precision=s",
            sb.toString().getBytes(StandardCharsets.UTF_8),
            "Authorization",
            bearer(OPERATOR));

    // Every line stored; none names a configured device, so the answer says so.
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    long lines = sb.chars().filter(c -> c == '\n').count();
    JsonNode j = JSON.readTree(r.body());
    assertThat(j.get("written").asLong()).isEqualTo(lines);
    assertThat(j.get("unmatched").asLong()).isEqualTo(lines);
    assertThat(j.get("unmatchedExamples")).hasSize(IngestRoutes.MAX_UNMATCHED_EXAMPLES);
    long stored = 0;
    for (int d = 0; d < 50; d++) {
      stored += points("bulk", "b" + d).getFirst().points().size();
    }
    assertThat(stored).isEqualTo(lines);
  }

  @Test
  void badParametersAndEncodingsAreClientErrors() throws Exception {
    byte[] line = "m,device=x f=1".getBytes(StandardCharsets.UTF_8);

    var precision = post("/write?precision=h", line, "Authorization", bearer(OPERATOR));
    var notGzip =
        post("/write", line, "Authorization", bearer(OPERATOR), "Content-Encoding", "gzip");
    var brotli = post("/write", line, "Authorization", bearer(OPERATOR), "Content-Encoding", "br");

    assertThat(precision.statusCode()).isEqualTo(400);
    assertThat(precision.body()).contains("ns, us, ms or s");
    assertThat(notGzip.statusCode()).isEqualTo(400);
    assertThat(notGzip.body()).contains("gzip");
    assertThat(brotli.statusCode()).isEqualTo(415);
    assertThat(points("m", "x")).isEmpty();
  }

  private static long unmatchedCounter() throws Exception {
    var r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body()
        .lines()
        .filter(l -> l.startsWith("kilowatch_ingest_unmatched_lines_total "))
        .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no unmatched counter in " + r.body()));
  }

  private static SeriesPoints series(List<SeriesPoints> all, Map<String, String> tags) {
    return all.stream()
        .filter(s -> s.key().tags().equals(tags))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no series " + tags + " in " + all));
  }

  /**
   * A push device's lines need no device tag: its match picks them out, and they land in the very
   * series a poll of that device would write, which is what the energy model reads.
   */
  @Test
  void linesAPushDeviceMatchesAreStoredAsThatDevicesOwnSeries() throws Exception {
    String plain =
        "energy,meter=it_A,phase=L1 energy_kwh=10.5 1767225600\n"
            + "energy,meter=it_A energy_kwh=31 1767225600\n";
    String zipped = "power,meter=pdu_A power_w=1200,current_a=5.5 1767225600\n";

    var r1 =
        post(
            "/api/v2/write?precision=s",
            plain.getBytes(StandardCharsets.UTF_8),
            "Authorization",
            bearer(OPERATOR));
    var r2 =
        post(
            "/write?precision=s",
            gzip(zipped),
            "Authorization",
            bearer(OPERATOR),
            "Content-Encoding",
            "gzip");

    assertThat(r1.statusCode()).as(r1.body()).isEqualTo(204);
    assertThat(r2.statusCode()).as(r2.body()).isEqualTo(204);
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    // (The other test of this class writes it_A's phase L3.)
    var meter =
        points("meter", "it_A").stream()
            .filter(s -> !"L3".equals(s.key().tags().get("phase")))
            .toList();
    assertThat(meter)
        .hasSize(2)
        .allSatisfy(s -> assertThat(s.key().field()).isEqualTo("energy_kwh"));
    // The device's configured tags join in; the matched tag goes, the line's other tags stay.
    assertThat(
            series(meter, Map.of("site", "Hall", "device", "it_A", "feed", "a", "phase", "L1"))
                .points())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.time()).isEqualTo(t);
              assertThat(p.value()).isEqualTo(10.5);
            });
    assertThat(series(meter, Map.of("site", "Hall", "device", "it_A", "feed", "a")).points())
        .singleElement()
        .satisfies(p -> assertThat(p.value()).isEqualTo(31.0));
    // A device in a rack gets cluster and rack, as its collector would write them.
    var pdu =
        points("pdu", "pdu_A").stream().filter(s -> !s.key().tags().containsKey("phase")).toList();
    assertThat(pdu)
        .extracting(s -> s.key().field())
        .containsExactlyInAnyOrder("power_w", "current_a");
    assertThat(pdu)
        .allSatisfy(
            s ->
                assertThat(s.key().tags())
                    .isEqualTo(
                        Map.of(
                            "site", "Hall", "cluster", "c1", "rack", "c1-r1", "device", "pdu_A")));
    assertThat(points("energy", "it_A")).isEmpty();
    assertThat(store.listSeries(SeriesQuery.of("power", null))).isEmpty();
  }

  /** Before push devices, such lines were accepted with 204 and silently ignored by analytics. */
  @Test
  void unmatchedLinesAreStoredAndReportedInTheAnswerAndInMetrics() throws Exception {
    long before = unmatchedCounter();
    String body =
        "energy,meter=it_A,phase=L3 energy_kwh=40 1767229200\n"
            + "energy,meter=it_Z energy_kwh=1 1767229200\n"
            + "\n"
            + "power,meter=pdu_A,phase=L2 power_w=7 1767229200\n"
            + "energy,meter=pdu_A energy_kwh=3 1767229200\n";

    var r =
        post(
            "/api/v2/write?precision=s",
            gzip(body),
            "Authorization",
            bearer(OPERATOR),
            "Content-Encoding",
            "gzip");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode j = JSON.readTree(r.body());
    assertThat(j.get("written").asInt()).isEqualTo(4);
    assertThat(j.get("unmatched").asInt()).isEqualTo(2);
    assertThat(j.get("message").asText()).startsWith("2 of 4 lines match no configured device");
    JsonNode first = j.get("unmatchedExamples").get(0);
    assertThat(first.get("line").asInt()).isEqualTo(2);
    assertThat(first.get("measurement").asText()).isEqualTo("energy");
    assertThat(JSON.convertValue(first.get("tags"), Map.class)).isEqualTo(Map.of("meter", "it_Z"));
    // pdu_A matches only its measurement (power): its energy line is unmatched.
    assertThat(j.get("unmatchedExamples").get(1).get("line").asInt()).isEqualTo(5);
    assertThat(unmatchedCounter()).isEqualTo(before + 2);
    // Stored as they came (with the site), so nothing is lost while the config catches up.
    assertThat(
            store.read(
                SeriesQuery.of("energy", "energy_kwh").withTag("meter", "it_Z"),
                Instant.EPOCH,
                Instant.parse("2100-01-01T00:00:00Z")))
        .singleElement()
        .satisfies(
            s -> assertThat(s.key().tags()).isEqualTo(Map.of("meter", "it_Z", "site", "Hall")));
    assertThat(
            series(
                    points("pdu", "pdu_A"),
                    Map.of(
                        "site", "Hall", "cluster", "c1", "rack", "c1-r1", "device", "pdu_A",
                        "phase", "L2"))
                .points())
        .hasSize(1);
  }
}
