package io.kilowatch.web.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.site.SiteBuilder;
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
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Line-protocol ingest through the real web server into a real embedded store. */
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

  @BeforeAll
  static void start() throws Exception {
    SiteConfig site =
        SiteBuilder.named("Hall")
            .store(YamlMaps.of("dataDir", "data"))
            .web(
                YamlMaps.of(
                    "tokens",
                    List.of(
                        SiteBuilder.token("agents", TokenAuth.sha256Hex(OPERATOR), "operator"),
                        SiteBuilder.token("grafana", TokenAuth.sha256Hex(VIEWER), "viewer"))))
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
        sensor,device=s1 temp_c=21 1
        sensor,device=s2 temp_c=oops 1
        # a comment
        sensor,device=s3 temp_c=22,state="on" 1
        sensor,device=s4 temp_c=23 1
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
    String big = line.repeat(IngestRoutes.MAX_BODY / line.length() + 1000);

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

    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    long lines = sb.chars().filter(c -> c == '\n').count();
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
}
