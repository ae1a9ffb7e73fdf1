package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Device;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.DemoSite;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The largest report the API allows and a burst of the largest queries, on the demo site polled
 * every second: {@code /api/health} must answer within 100 ms (99 in 100; none slower than a
 * second), no device may miss a poll, and every request is answered (200, or 429 naming the limit),
 * never with a 5xx or a 400 for a request within the documented budget.
 *
 * <p>Before the request budget, one report over a century filled the heap and took the health
 * endpoint and 17 devices down with it.
 */
class ApiUnderLoadTest {
  private static final Duration POLL = Duration.ofSeconds(1);
  private static final Duration LOAD = Duration.ofSeconds(20);
  private static final int CLIENTS = 16;

  @TempDir Path dataDir;

  @Test
  void healthAndPollingHoldWhileTheLargestRequestsRun() throws Exception {
    var d = DemoOptions.defaults();
    try (var demo =
        DemoSite.start(new DemoOptions(POLL, d.seed(), true, d.faultPeriod(), d.faultLength()))) {
      Path file = dataDir.resolve("demo-site.yaml");
      Files.writeString(file, DemoYaml.of(demo.siteYaml(), dataDir, 0));
      var site = ConfigLoader.load(file, DemoYaml.environment(demo));
      try (var app = Kilowatch.start(site, 0)) {
        String base = "http://127.0.0.1:" + app.port();
        var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    app.statuses().stream()
                        .allMatch(
                            s -> s.state() == DeviceStatus.State.UP && s.lastSuccess() != null));

        var stop = new AtomicBoolean();
        var healthMillis = new CopyOnWriteArrayList<Double>();
        var healthErrors = new CopyOnWriteArrayList<String>();
        var polls = new ConcurrentHashMap<String, TreeSet<Instant>>();
        var notUp = new CopyOnWriteArrayList<String>();
        var statusCounts = new ConcurrentHashMap<Integer, AtomicInteger>();
        var serverErrors = new CopyOnWriteArrayList<String>();
        var refusalsWithoutLimit = new CopyOnWriteArrayList<String>();

        Thread health =
            Thread.ofPlatform()
                .name("probe-health")
                .start(
                    () -> {
                      var client =
                          HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                      while (!stop.get()) {
                        long t0 = System.nanoTime();
                        try {
                          var r =
                              client.send(
                                  HttpRequest.newBuilder(URI.create(base + "/api/health"))
                                      .timeout(Duration.ofSeconds(10))
                                      .build(),
                                  HttpResponse.BodyHandlers.ofString());
                          healthMillis.add((System.nanoTime() - t0) / 1e6);
                          if (r.statusCode() != 200 || !r.body().contains("\"status\":\"ok\"")) {
                            healthErrors.add(r.statusCode() + " " + r.body());
                          }
                          Thread.sleep(50);
                        } catch (Exception e) {
                          healthErrors.add(e.toString());
                        }
                      }
                    });
        Thread watcher =
            Thread.ofPlatform()
                .name("probe-polls")
                .start(
                    () -> {
                      while (!stop.get()) {
                        for (var s : app.statuses()) {
                          if (s.state() != DeviceStatus.State.UP) {
                            notUp.add(s.deviceId() + " " + s.state() + " " + s.lastError());
                          }
                          if (s.lastSuccess() != null) {
                            polls
                                .computeIfAbsent(s.deviceId(), k -> new TreeSet<>())
                                .add(s.lastSuccess());
                          }
                        }
                        try {
                          Thread.sleep(100);
                        } catch (InterruptedException e) {
                          return;
                        }
                      }
                    });

        // The largest report allowed: 1,100 days up to now, as a PDF.
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        String report =
            "/api/reports?from="
                + today.minusDays(1099)
                + "&to="
                + today.plusDays(1)
                + "&format=pdf";
        var reportStatus = new AtomicInteger();
        Thread reporter =
            Thread.ofPlatform()
                .name("report")
                .start(
                    () -> {
                      try {
                        reportStatus.set(
                            http.send(
                                    HttpRequest.newBuilder(URI.create(base + report))
                                        .timeout(Duration.ofMinutes(10))
                                        .build(),
                                    HttpResponse.BodyHandlers.discarding())
                                .statusCode());
                      } catch (Exception e) {
                        serverErrors.add("report: " + e);
                      }
                    });

        // The largest queries allowed: the longest ranges at the most steps, raw at its limit.
        long maxStepSeconds = Duration.ofDays(1099).toSeconds() / 9_999 + 1;
        List<String> queries =
            List.of(
                "/api/query?measurement=pdu&field=power_w&from=-7d",
                "/api/query?measurement=pdu&field=power_w&from=-1099d&step="
                    + maxStepSeconds
                    + "s&aggregate=max",
                "/api/query?measurement=gpu&field=power_w&from=-1099d&step=1100d&aggregate=mean",
                "/api/energy?from=-1099d&step=day",
                "/api/pue?from=-1099d&step=day",
                "/api/carbon?from=-1099d&step=day",
                "/api/overview?from=-1099d&step=" + maxStepSeconds + "s",
                "/api/series?measurement=gpu",
                "/api/risk");
        Instant loadStart = Instant.now();
        var clients = new ArrayList<Thread>();
        for (int c = 0; c < CLIENTS; c++) {
          int first = c;
          clients.add(
              Thread.ofVirtual()
                  .start(
                      () -> {
                        var client =
                            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                        for (int i = first; !stop.get(); i++) {
                          String q = queries.get(i % queries.size());
                          try {
                            var r =
                                client.send(
                                    HttpRequest.newBuilder(URI.create(base + q))
                                        .timeout(Duration.ofSeconds(60))
                                        .build(),
                                    HttpResponse.BodyHandlers.ofString());
                            statusCounts
                                .computeIfAbsent(r.statusCode(), k -> new AtomicInteger())
                                .incrementAndGet();
                            if (r.statusCode() >= 500) {
                              serverErrors.add(r.statusCode() + " " + q + " " + r.body());
                            }
                            if (r.statusCode() == 429
                                && (r.headers().firstValue("Retry-After").isEmpty()
                                    || !r.body().contains("limit"))) {
                              refusalsWithoutLimit.add(q + " " + r.body());
                            }
                            if (r.statusCode() == 400) {
                              serverErrors.add("400 for an allowed request: " + q + " " + r.body());
                            }
                          } catch (Exception e) {
                            serverErrors.add(q + ": " + e);
                          }
                        }
                      }));
        }
        Thread.sleep(LOAD.toMillis());
        stop.set(true);
        for (var t : clients) {
          t.join(Duration.ofSeconds(90));
        }
        Instant loadEnd = Instant.now();
        health.join(Duration.ofSeconds(30));
        watcher.join(Duration.ofSeconds(30));
        reporter.join(Duration.ofMinutes(10));

        var sorted = new ArrayList<>(healthMillis);
        sorted.sort(Double::compare);
        System.out.printf(
            "health: %d answers, median %.1f ms, p99 %.1f ms, max %.1f ms; requests by status %s%n",
            sorted.size(),
            sorted.get(sorted.size() / 2),
            sorted.get((int) (sorted.size() * 0.99)),
            sorted.getLast(),
            statusCounts);

        assertThat(serverErrors).isEmpty();
        assertThat(refusalsWithoutLimit).isEmpty();
        assertThat(reportStatus.get()).as("the largest report").isEqualTo(200);
        assertThat(statusCounts.get(200)).as("queries answered").isNotNull();
        assertThat(healthErrors).isEmpty();
        assertThat(sorted.size()).as("health answers").isGreaterThan(50);

        assertThat(notUp).as("devices not up under load").isEmpty();
        Map<String, Duration> intervals = new HashMap<>();
        for (Device dev : site.allDevices().toList()) {
          intervals.put(dev.id(), dev.interval() == null ? POLL : dev.interval());
        }
        var missed = new ArrayList<String>();
        polls.forEach(
            (id, times) -> {
              // Each poll ends once per interval; a gap of one and a half means a slot was missed.
              Duration interval = intervals.getOrDefault(id, POLL);
              Instant prev = null;
              for (Instant t : times.subSet(loadStart.minus(interval), loadEnd)) {
                if (prev != null
                    && Duration.between(prev, t).compareTo(interval.multipliedBy(3).dividedBy(2))
                        > 0) {
                  missed.add(id + " " + prev + " → " + t);
                }
                prev = t;
              }
            });
        assertThat(polls).hasSize((int) site.allDevices().count());
        assertThat(missed).as("missed polls").isEmpty();

        // 99 in 100 within 100 ms, and none near a client's timeout. The rest is the JVM's own
        // stop-the-world pauses on a 2-core machine that also runs the load's clients: measured
        // here at up to ~60 ms each while the burst allocates.
        assertThat(sorted.get((int) (sorted.size() * 0.99)))
            .as("99th percentile of health answers, ms")
            .isLessThan(100.0);
        assertThat(sorted.getLast()).as("slowest health answer, ms").isLessThan(1_000.0);
      }
    }
  }
}
