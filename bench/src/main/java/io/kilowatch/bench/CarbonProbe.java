package io.kilowatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.testkit.http.CarbonIntensityApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Asks {@code /api/carbon} for the last two hours every few seconds through the intensity API's
 * outage: kilowatch must keep answering, say that its source failed while it is down (last error,
 * values carried forward) and clear that once the source is back.
 */
final class CarbonProbe {
  static final String WHAT = "carbon-intensity API";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final Outages outages;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Thread thread;
  private volatile boolean running = true;
  private long probes;
  private long answered;
  private long errorShownDuringOutage;
  private long probesDuringOutage;
  private double minCoverage = Double.NaN;
  private String lastError;
  private String errorSeen;

  CarbonProbe(String base, Outages outages) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.outages = outages;
  }

  void start() {
    thread = Thread.ofVirtual().name("carbon-probe").start(this::loop);
  }

  void stop() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(35_000);
  }

  private void loop() {
    while (running) {
      probe();
      try {
        Thread.sleep(5_000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void probe() {
    boolean down = outages.isDown(WHAT);
    try {
      var resp =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/carbon?from=now-2h"))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      synchronized (this) {
        probes++;
        if (down) {
          probesDuringOutage++;
        }
        if (resp.statusCode() != 200) {
          return;
        }
        answered++;
        JsonNode intensity = JSON.readTree(resp.body()).path("report").path("intensity");
        double coverage = intensity.path("coverage").asDouble(Double.NaN);
        if (!Double.isNaN(coverage)) {
          minCoverage = Double.isNaN(minCoverage) ? coverage : Math.min(minCoverage, coverage);
        }
        lastError =
            intensity.path("lastError").isTextual() ? intensity.path("lastError").asText() : null;
        if (down && lastError != null) {
          errorShownDuringOutage++;
          errorSeen = lastError;
        }
      }
    } catch (java.io.IOException e) {
      synchronized (this) {
        probes++;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * @param fetched good answers the intensity API gave kilowatch
   * @param refused requests it refused during its outage
   * @param clearedAfter whether the last probe, after the outage, showed no source error
   */
  record Summary(
      long fetched,
      long refused,
      long probes,
      long answered,
      long probesDuringOutage,
      long errorShownDuringOutage,
      double minCoverage,
      boolean clearedAfter,
      String errorSeen) {}

  synchronized Summary summary(CarbonIntensityApi source) {
    return new Summary(
        source.served(),
        source.refused(),
        probes,
        answered,
        probesDuringOutage,
        errorShownDuringOutage,
        minCoverage,
        lastError == null,
        errorSeen);
  }
}
