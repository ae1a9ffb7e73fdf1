package io.kilowatch.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.collector.lineprotocol.LineProtocolWriter;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.store.Sample;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's InfluxDB target against a real {@code influxd} (1.x): the v1 {@code /write} URL,
 * gzip, and that InfluxDB reads our escaping as we mean it. Skipped without influxd, except under
 * CI.
 */
@RequiresPeer(Peer.INFLUXD)
class InfluxV1PushTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static Process influxd;
  static URI base;

  @BeforeAll
  static void startInfluxd() throws Exception {
    Path exe = Peer.find("influxd").orElseThrow();
    int http = freePort();
    int rpc = freePort();
    Path conf = dir.resolve("influxdb.conf");
    Files.writeString(
        conf,
        """
        reporting-disabled = true
        bind-address = "127.0.0.1:%d"
        [meta]
          dir = "%s/meta"
        [data]
          dir = "%s/data"
          wal-dir = "%s/wal"
          query-log-enabled = false
        [http]
          bind-address = "127.0.0.1:%d"
          log-enabled = false
        """
            .formatted(rpc, dir, dir, dir, http));
    influxd =
        new ProcessBuilder(exe.toString(), "run", "-config", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("influxd.log").toFile())
            .start();
    base = URI.create("http://127.0.0.1:" + http + "/");
    try {
      await("influxd answering /ping")
          .atMost(Duration.ofSeconds(20))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (!influxd.isAlive()) {
                  throw new IllegalStateException("influxd exited");
                }
                try {
                  return HTTP.send(
                              HttpRequest.newBuilder(base.resolve("ping"))
                                  .timeout(Duration.ofSeconds(1))
                                  .build(),
                              HttpResponse.BodyHandlers.discarding())
                          .statusCode()
                      == 204;
                } catch (IOException notYet) {
                  return false;
                }
              });
    } catch (ConditionTimeoutException | IllegalStateException e) {
      throw new IllegalStateException(
          "influxd did not start: " + Files.readString(dir.resolve("influxd.log")), e);
    }
    query("CREATE DATABASE gpu", null);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (influxd != null) {
      influxd.destroy();
      if (!influxd.waitFor(10, TimeUnit.SECONDS)) {
        influxd.destroyForcibly();
      }
    }
  }

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
