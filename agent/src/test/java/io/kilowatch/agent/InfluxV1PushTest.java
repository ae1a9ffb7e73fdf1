package io.kilowatch.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.collector.lineprotocol.LineProtocolWriter;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.InfluxProcess;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import java.io.IOException;
import java.net.ServerSocket;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's InfluxDB target against a real {@code influxd} (1.x): the v1 {@code /write} URL,
 * gzip, and that InfluxDB reads our escaping as we mean it. Skipped without influxd, except under
 * CI.
 */
@RequiresPeer(Peer.INFLUXD)
class InfluxV1PushTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  static InfluxProcess influxd;
  static URI base;

  @BeforeAll
  static void startInfluxd() throws Exception {
    influxd = InfluxProcess.start(Peer.find("influxd").orElseThrow(), false);
    base = URI.create(influxd.url() + "/");
    query("CREATE DATABASE gpu", null);
  }

  @AfterAll
  static void stop() {
    if (influxd != null) {
      influxd.close();
    }
  }

  /** A port nobody listens on once this returns. */
  private static int freePort() throws IOException {
    try (var s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static JsonNode query(String q, String db) throws Exception {
    String url =
        base
            + "query?q="
            + URLEncoder.encode(q, StandardCharsets.UTF_8)
            + (db == null ? "" : "&db=" + db);
    var r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void batchesArriveInInfluxWithTagsAndTimesAsWritten() throws Exception {
    Instant t = Instant.parse("2026-01-01T00:00:00.123Z");
    var samples =
        List.of(
            Sample.of(
                t,
                "gpu",
                Map.of("device", "node 1,a=b", "gpu", "0", "model", "NVIDIA H100 80GB HBM3"),
                Map.of("power_w", 301.5, "energy_mj", 2_000_000.0)),
            Sample.of(
                t.plusSeconds(10),
                "gpu",
                Map.of("device", "node 1,a=b", "gpu", "0", "model", "NVIDIA H100 80GB HBM3"),
                Map.of("power_w", 305.0, "energy_mj", 2_003_000.0)));
    byte[] body = LineProtocolWriter.format(samples, Precision.MS).getBytes(StandardCharsets.UTF_8);
    var target = PushTarget.influxV1(base, "gpu", null, Duration.ofSeconds(5));

    var result = target.send(body);

    assertThat(result.outcome()).as(result.detail()).isEqualTo(PushTarget.Outcome.DELIVERED);
    JsonNode rows =
        query("SELECT power_w, energy_mj FROM gpu WHERE gpu = '0'", "gpu")
            .at("/results/0/series/0/values");
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).get(0).asText()).isEqualTo("2026-01-01T00:00:00.123Z");
    assertThat(rows.get(0).get(1).asDouble()).isEqualTo(301.5);
    assertThat(rows.get(1).get(2).asDouble()).isEqualTo(2_003_000.0);
    JsonNode devices =
        query("SHOW TAG VALUES FROM gpu WITH KEY = \"device\"", "gpu")
            .at("/results/0/series/0/values");
    assertThat(devices.get(0).get(1).asText()).isEqualTo("node 1,a=b");
    target.close();
  }

  @Test
  void aBatchInfluxRefusesIsNotRetried() throws Exception {
    var target = PushTarget.influxV1(base, "gpu", null, Duration.ofSeconds(5));

    var result = target.send("gpu power_w=\n".getBytes(StandardCharsets.UTF_8));

    assertThat(result.outcome()).isEqualTo(PushTarget.Outcome.REFUSED);
    assertThat(result.detail()).startsWith("400");
    target.close();
  }

  @Test
  void anUnreachableTargetIsRetried() throws Exception {
    var target =
        PushTarget.influxV1(
            URI.create("http://127.0.0.1:" + freePort()), "gpu", null, Duration.ofSeconds(2));

    assertThat(target.send("m f=1\n".getBytes(StandardCharsets.UTF_8)).outcome())
        .isEqualTo(PushTarget.Outcome.RETRY);
    target.close();
  }
}
