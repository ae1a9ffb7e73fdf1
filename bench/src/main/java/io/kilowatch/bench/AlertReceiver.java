package io.kilowatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The soak's alert webhook receiver: checks each request's HMAC signature as an operator's receiver
 * would, and counts distinct notifications (by idempotency key), duplicates (the same key again:
 * at-least-once delivery) and which devices were alerted. During an outage it answers 503, so
 * kilowatch has to keep and retry what it could not deliver.
 */
final class AlertReceiver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final byte[] secret;
  private final Set<String> keys = ConcurrentHashMap.newKeySet();
  private final Set<String> firingDevices = ConcurrentHashMap.newKeySet();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong badSignatures = new AtomicLong();
  private final AtomicLong alerts = new AtomicLong();
  private volatile boolean down;

  AlertReceiver(String secret) throws IOException {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.setExecutor(executor);
    server.createContext(
        "/hook",
        exchange -> {
          try (exchange) {
            handle(exchange);
          }
        });
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  /** While down, every delivery is answered 503 (and not counted as received). */
  void setDown(boolean down) {
    this.down = down;
  }

  /** What the receiver saw so far. */
  record Received(
      long notifications,
      long duplicates,
      long refusedWhileDown,
      long badSignatures,
      long alerts,
      Set<String> firingDevices) {}

  Received received() {
    return new Received(
        keys.size(),
        duplicates.get(),
        refused.get(),
        badSignatures.get(),
        alerts.get(),
        Set.copyOf(firingDevices));
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    if (down) {
      refused.incrementAndGet();
      reply(exchange, 503);
      return;
    }
    String timestamp = exchange.getRequestHeaders().getFirst("X-Kilowatch-Timestamp");
    String signature = exchange.getRequestHeaders().getFirst("X-Kilowatch-Signature");
    if (timestamp == null || signature == null || !signed(timestamp, body, signature)) {
      badSignatures.incrementAndGet();
      reply(exchange, 401);
      return;
    }
    String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
    if (key == null || !keys.add(key)) {
      duplicates.incrementAndGet();
      reply(exchange, 200);
      return;
    }
    JsonNode payload = JSON.readTree(body);
    for (JsonNode alert : payload.path("alerts")) {
      alerts.incrementAndGet();
      String device = alert.path("labels").path("device").asText("");
      if ("firing".equals(alert.path("status").asText()) && !device.isEmpty()) {
        firingDevices.add(device);
      }
    }
    reply(exchange, 200);
  }

  private boolean signed(String timestamp, byte[] body, String signature) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) '.');
      byte[] expected =
          ("sha256=" + HexFormat.of().formatHex(mac.doFinal(body)))
              .getBytes(StandardCharsets.US_ASCII);
      return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
  }

  private static void reply(HttpExchange exchange, int status) throws IOException {
    exchange.sendResponseHeaders(status, -1);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
