package io.kilowatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.testkit.http.WebhookReceiver;
import io.kilowatch.testkit.http.WebhookSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's alert webhook receiver: the test kit's {@link WebhookReceiver} checks each request's
 * HMAC signature as an operator's receiver would; this counts distinct notifications (by
 * idempotency key), duplicates (the same key again: at-least-once delivery) and which devices were
 * alerted. During an outage it answers 503, so kilowatch has to keep and retry what it could not
 * deliver.
 */
final class AlertReceiver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WebhookReceiver receiver;
  private final Set<String> keys = ConcurrentHashMap.newKeySet();
  private final Set<String> firingDevices = ConcurrentHashMap.newKeySet();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong alerts = new AtomicLong();

  AlertReceiver(String secret) throws IOException {
    receiver = WebhookReceiver.verifying(secret);
    receiver.onAccepted(this::count);
  }

  URI url() {
    return URI.create(receiver.url());
  }

  /** While down, every delivery is answered 503 (and not counted as received). */
  void setDown(boolean down) {
    receiver.setDown(down);
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
        receiver.refusedWhileDown(),
        receiver.badSignatures(),
        alerts.get(),
        Set.copyOf(firingDevices));
  }

  private void count(WebhookReceiver.Request request) {
    String key = request.header(WebhookSignature.IDEMPOTENCY_HEADER);
    if (key == null || !keys.add(key)) {
      duplicates.incrementAndGet();
      return;
    }
    JsonNode payload;
    try {
      payload = JSON.readTree(request.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (JsonNode alert : payload.path("alerts")) {
      alerts.incrementAndGet();
      String device = alert.path("labels").path("device").asText("");
      if ("firing".equals(alert.path("status").asText()) && !device.isEmpty()) {
        firingDevices.add(device);
      }
    }
  }

  @Override
  public void close() {
    receiver.close();
  }
}
