package io.kilowatch.testkit.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A grid carbon-intensity API on loopback in Electricity Maps v3's shape ({@code GET
 * /v3/carbon-intensity/history}): the 24 complete hours before now, as the real service publishes
 * past hours only. The current hour is therefore never covered, so kilowatch keeps asking (every
 * few minutes) and an outage is noticed. While down it answers 503.
 */
public final class CarbonIntensityApi implements AutoCloseable {
  public static final String ZONE = "FR";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean down;

  public CarbonIntensityApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(executor);
    server.createContext(
        "/v3/carbon-intensity/history",
        exchange -> {
          try (exchange) {
            handle(exchange);
          }
        });
    server.start();
  }

  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public void setDown(boolean down) {
    this.down = down;
  }

  public long served() {
    return served.get();
  }

  public long refused() {
    return refused.get();
  }

  /** A smooth daily curve between 30 and 90 g/kWh: a low-carbon grid's night and evening peak. */
  public static double gPerKwh(Instant hour) {
    double h = hour.atZone(java.time.ZoneOffset.UTC).getHour();
    return 60 + 30 * Math.sin((h - 12) / 24.0 * 2 * Math.PI);
  }

  private void handle(HttpExchange exchange) throws IOException {
    if (down) {
      refused.incrementAndGet();
      exchange.sendResponseHeaders(503, -1);
      return;
    }
    Instant lastHour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
    StringBuilder json = new StringBuilder("{\"zone\":\"" + ZONE + "\",\"history\":[");
    for (int i = 23; i >= 0; i--) {
      Instant h = lastHour.minus(Duration.ofHours(i));
      json.append(
          String.format(
              Locale.ROOT,
              "{\"zone\":\"%s\",\"carbonIntensity\":%.0f,\"datetime\":\"%s\","
                  + "\"emissionFactorType\":\"direct\",\"isEstimated\":false}%s",
              ZONE,
              gPerKwh(h),
              h,
              i == 0 ? "" : ","));
    }
    json.append("]}");
    byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
    served.incrementAndGet();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
