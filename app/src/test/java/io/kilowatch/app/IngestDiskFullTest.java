package io.kilowatch.app;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.store.SeriesQuery;
import io.kilowatch.testkit.SmallDisk;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import io.kilowatch.web.ingest.TokenAuth;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data disk fills up under ingest, on a real filesystem (a size-limited tmpfs, which needs
 * root): ingest must stop acknowledging, say why, and {@code /api/health} must say so too. Before,
 * it answered 204 while 93 % of the points were dropped and the health said ok.
 */
class IngestDiskFullTest {
  private static final String TOKEN = "disk-full-token";

  @TempDir Path dir;
  private SmallDisk disk;
  private Path mount;

  @AfterEach
  void unmount() throws Exception {
    if (disk != null) {
      disk.close();
    }
  }

  @Test
  void aFullDiskIsAnsweredWith507TurnsTheHealthFailingAndRecoversWithoutARestart()
      throws Exception {
    disk = SmallDisk.mount(dir.resolve("small"), "24m");
    mount = disk.path();
    var site =
        SiteBuilder.named("Hall")
            .store(YamlMaps.of("dataDir", mount.resolve("data").toString()))
            .web(
                YamlMaps.of(
                    "bind",
                    "127.0.0.1",
                    "port",
                    0,
                    "tokens",
                    List.of(SiteBuilder.token("writer", TokenAuth.sha256Hex(TOKEN), "operator"))))
            .toConfig(dir);
    var http = HttpClient.newHttpClient();
    Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(30));
    Set<Long> acked = new HashSet<>();
    try (var app = Kilowatch.start(site, null)) {
      URI write = URI.create(app.url() + "api/v2/write?precision=ms");
      HttpResponse<String> refused = null;
      long n = 0;
      for (int request = 0; request < 2_000 && refused == null; request++) {
        var body = new StringBuilder();
        long first = n;
        for (int i = 0; i < 5_000; i++, n++) {
          // Many series, so the store's catalog and data both grow.
          body.append("full,device=d")
              .append(n % 500)
              .append(" v=")
              .append(n)
              .append(' ')
              .append(base.toEpochMilli() + n)
              .append('\n');
        }
        var response = post(http, write, body.toString());
        if (response.statusCode() / 100 == 2) {
          for (long k = first; k < n; k++) {
            acked.add(k);
          }
        } else {
          refused = response;
        }
      }
      assertThat(refused).as("the disk filled up within 10,000,000 points").isNotNull();
      assertThat(refused.statusCode()).isEqualTo(507);
      assertThat(refused.body()).contains("No space left on device");

      var health =
          http.send(
              HttpRequest.newBuilder(URI.create(app.url() + "api/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.body())
          .contains("\"status\":\"failing\"")
          .contains("No space left on device");

      // Room again, no restart: the store reopens the file itself, health clears, ingest works.
      disk.resize("96m");
      var again = new StringBuilder();
      long first = n;
      for (int i = 0; i < 1_000; i++, n++) {
        again.append("full,device=d").append(n % 500).append(" v=").append(n);
        again.append(' ').append(base.toEpochMilli() + n).append('\n');
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> post(http, write, again.toString()).statusCode() / 100 == 2);
      for (long k = first; k < n; k++) {
        acked.add(k);
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !http.send(
                          HttpRequest.newBuilder(URI.create(app.url() + "api/health")).build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body()
                      .contains("failing"));
    }
    try (var store = Stores.open(site.store())) {
      var stored = new HashSet<Long>();
      for (var series :
          store.read(
              SeriesQuery.of("full", "v"),
              base.minus(Duration.ofMinutes(1)),
              base.plus(Duration.ofHours(3)))) {
        series.points().forEach(p -> stored.add((long) p.value()));
      }
      var missing = new HashSet<>(acked);
      missing.removeAll(stored);
      assertThat(acked).isNotEmpty();
      assertThat(missing.size()).as("acknowledged points missing, of %d", acked.size()).isZero();
    }
  }

  private static HttpResponse<String> post(HttpClient http, URI uri, String body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + TOKEN)
            .POST(HttpRequest.BodyPublishers.ofString(body, UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
