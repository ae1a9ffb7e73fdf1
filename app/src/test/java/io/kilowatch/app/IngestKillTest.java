package io.kilowatch.app;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import io.kilowatch.web.ingest.TokenAuth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real kilowatch in a child JVM takes line-protocol writes from several clients and is killed
 * with SIGKILL in the middle of them, five times; after each restart every point it answered 2xx
 * for must be in the store. Before ingest waited for the store's commit, each kill lost the last
 * second of acknowledged points.
 */
class IngestKillTest {
  private static final String TOKEN = "kill-test-token";
  private static final int CLIENTS = 4;
  private static final int LINES = 500;

  @TempDir Path dir;

  static SiteConfig site(Path dir) throws Exception {
    return SiteBuilder.named("Hall")
        .store(YamlMaps.of("dataDir", "data"))
        .web(
            YamlMaps.of(
                "bind",
                "127.0.0.1",
                "port",
                0,
                "tokens",
                List.of(SiteBuilder.token("writer", TokenAuth.sha256Hex(TOKEN), "operator"))))
        .toConfig(dir);
  }

  /** The child: a kilowatch on port 0 that writes its port to {@code <dir>/port} and runs on. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    var app = Kilowatch.start(site(dir), null);
    Path tmp = dir.resolve("port.tmp");
    Files.writeString(tmp, Integer.toString(app.port()));
    Files.move(tmp, dir.resolve("port"), StandardCopyOption.ATOMIC_MOVE);
    Thread.sleep(Long.MAX_VALUE);
  }

  @Test
  void everyAcknowledgedPointSurvivesAKillDuringIngest() throws Exception {
    // Whole milliseconds, one point per line: a point's time is its number, so the store can be
    // asked for each.
    Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(10));
    var next = new AtomicLong();
    Set<Long> acked = ConcurrentHashMap.newKeySet();
    var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (int round = 0; round < 5; round++) {
      Files.deleteIfExists(dir.resolve("port"));
      var child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  // A child that starts in seconds on a busy CI machine; its speed is not tested.
                  "-XX:TieredStopAtLevel=1",
                  "-XX:+UseSerialGC",
                  "-cp",
                  System.getProperty("java.class.path"),
                  IngestKillTest.class.getName(),
                  dir.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("child.log").toFile()))
              .start();
      try {
        await("child " + round + " listens")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> Files.exists(dir.resolve("port")) || !child.isAlive());
        assertThat(child.isAlive()).as("child started; see child.log").isTrue();
        URI uri =
            URI.create(
                "http://127.0.0.1:"
                    + Files.readString(dir.resolve("port")).strip()
                    + "/api/v2/write?precision=ms");
        long started = System.nanoTime();
        long ackedBefore = acked.size();
        var stop = new AtomicBoolean();
        var clients = new ArrayList<Thread>();
        for (int c = 0; c < CLIENTS; c++) {
          clients.add(
              Thread.ofPlatform()
                  .name("kill-client-" + c)
                  .start(() -> stream(http, uri, base, next, acked, stop)));
        }
        // Kill once the writes are flowing, at a moment the clients do not choose.
        await("round " + round + " acknowledges writes")
            .atMost(Duration.ofSeconds(30))
            .until(() -> acked.size() >= ackedBefore + 5L * LINES);
        Thread.sleep(200 + (long) (Math.random() * 600));
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no last flush
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        stop.set(true);
        for (Thread t : clients) {
          t.join(Duration.ofSeconds(30));
        }
        System.out.printf(
            "round %d: %d points acknowledged in %d ms, then killed%n",
            round, acked.size() - ackedBefore, (System.nanoTime() - started) / 1_000_000);
      } finally {
        child.destroyForcibly();
      }
    }

    try (var store = Stores.open(site(dir).store())) {
      var stored = new HashSet<Long>();
      for (var series :
          store.read(
              SeriesQuery.of("kill", "v"),
              base.minus(Duration.ofMinutes(1)),
              base.plus(Duration.ofHours(2)))) {
        series.points().forEach(p -> stored.add((long) p.value()));
      }
      var missing = new java.util.TreeSet<>(acked);
      missing.removeAll(stored);
      assertThat(acked).hasSizeGreaterThanOrEqualTo(25 * LINES);
      assertThat(missing.size())
          .as(
              "acknowledged points missing after 5 kills, of %d; the first: %s",
              acked.size(), missing.stream().limit(10).toList())
          .isZero();
    }
  }

  /** Posts numbered points until stopped; a point counts as acknowledged only on a 2xx. */
  private static void stream(
      HttpClient http,
      URI uri,
      Instant base,
      AtomicLong next,
      Set<Long> acked,
      AtomicBoolean stop) {
    while (!stop.get()) {
      var numbers = new long[LINES];
      var body = new StringBuilder();
      for (int i = 0; i < LINES; i++) {
        long n = next.getAndIncrement();
        numbers[i] = n;
        body.append("kill,device=k v=")
            .append(n)
            .append(' ')
            .append(base.toEpochMilli() + n)
            .append('\n');
      }
      try {
        var response =
            http.send(
                HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString(), UTF_8))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 == 2) {
          for (long n : numbers) {
            acked.add(n);
          }
        }
      } catch (java.io.IOException e) {
        // The server died under the request: not acknowledged, so nothing is owed.
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
