package io.kilowatch.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.AlertsConfig;
import io.kilowatch.time.Sleeper;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the delivery loop waits: with nothing in the outbox it sleeps until a message is added (no
 * timed wake-ups while idle), and a message that is not due yet still goes when it is due. An HTTP
 * client (and its selector thread) exists only where a receiver sends over HTTP.
 */
class DelivererWaitTest {
  @TempDir Path dir;

  private final ObjectMapper json = AlertEngine.stateJson();

  private static final AlertsConfig.Receiver LOG_RECEIVER =
      new AlertsConfig.Receiver(
          "oncall", AlertsConfig.ReceiverKind.LOG, null, null, Duration.ofSeconds(1));

  /** Real sleeping that counts how often the loop asked for a timed wait. */
  private final AtomicInteger timedWaits = new AtomicInteger();

  private final Sleeper counting =
      d -> {
        timedWaits.incrementAndGet();
        Sleeper.SYSTEM.sleep(d);
      };

  private static OutboxMessage message(String id, Instant created, Instant due) {
    return new OutboxMessage(id, "oncall", "group-" + id, "{}", created, 0, due, null);
  }

  private Deliverer deliverer(Outbox outbox) {
    return deliverer(outbox, LOG_RECEIVER);
  }

  private Deliverer deliverer(Outbox outbox, AlertsConfig.Receiver receiver) {
    return new Deliverer(
        outbox, Map.of("oncall", receiver), DeliveryOptions.DEFAULT, Clock.systemUTC(), counting);
  }

  /** Holds while the loop asks for no timed wait during {@code quiet}. */
  private void awaitNoTimedWaitFor(Duration quiet) {
    await().during(quiet).atMost(Duration.ofSeconds(5)).until(() -> timedWaits.get() == 0);
  }

  @Test
  void anIdleLoopMakesNoTimedWaitAndAMessageAddedWakesIt() throws Exception {
    try (var outbox = new Outbox(dir, json);
        var deliverer = deliverer(outbox)) {
      deliverer.start();
      // The loop used to nap a second at a time while idle: a timed wait at once, then every
      // second. Now nothing wakes it but a message.
      awaitNoTimedWaitFor(Duration.ofMillis(1500));

      Instant now = Instant.now();
      outbox.put(message("a", now, now));
      deliverer.poke();

      await().atMost(Duration.ofSeconds(5)).until(() -> outbox.pending().isEmpty());
      assertThat(outbox.counts().delivered()).isEqualTo(1);
      assertThat(timedWaits).hasValue(0);
      // A log receiver needs no HTTP client, nor its selector thread.
      assertThat(deliverer.httpClientMade()).isFalse();
    }
  }

  @Test
  void aMessageNotYetDueGoesWhenDueWithoutAnotherPoke() throws Exception {
    try (var outbox = new Outbox(dir, json);
        var deliverer = deliverer(outbox)) {
      Instant now = Instant.now();
      outbox.put(message("later", now, now.plusMillis(600)));
      deliverer.start();

      await().atMost(Duration.ofSeconds(5)).until(() -> outbox.pending().isEmpty());
      assertThat(Instant.now()).isAfterOrEqualTo(now.plusMillis(600));
      assertThat(outbox.counts().delivered()).isEqualTo(1);
      assertThat(timedWaits.get()).isPositive();

      // Delivered, the loop is idle again: no more timed waits.
      int after = timedWaits.get();
      await()
          .during(Duration.ofMillis(1500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> timedWaits.get() == after);
    }
  }

  @Test
  void aRequestThatCannotBeMadeIsAFailedAttemptRetriedOnTheClock() throws Exception {
    // A receiver whose URL the JDK client refuses: the attempt throws before anything is sent.
    var bad =
        new AlertsConfig.Receiver(
            "oncall",
            AlertsConfig.ReceiverKind.WEBHOOK,
            URI.create("mailto:oncall@example.com"),
            null,
            Duration.ofSeconds(1));
    try (var outbox = new Outbox(dir, json);
        var deliverer = deliverer(outbox, bad)) {
      Instant now = Instant.now();
      outbox.put(message("a", now, now));
      deliverer.start();
      // Counted and rescheduled with the backoff (2 s, then 4 s), and tried again when due with no
      // poke: it escaped the attempt before, which counted nothing and left a breaker's probe
      // half-open for good.
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> !outbox.pending().isEmpty() && outbox.pending().getFirst().attempts() >= 2);
      assertThat(outbox.pending().getFirst().lastError()).contains("mailto");
      assertThat(timedWaits.get()).isPositive();
    }
  }

  @Test
  void closingAnIdleLoopEndsItAtOnce() throws Exception {
    try (var outbox = new Outbox(dir, json)) {
      var deliverer = deliverer(outbox);
      deliverer.start();
      awaitNoTimedWaitFor(Duration.ofMillis(300));
      long start = System.nanoTime();
      deliverer.close();
      // close() waits up to five seconds for the loop; an idle loop ends on its interrupt.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }
}
