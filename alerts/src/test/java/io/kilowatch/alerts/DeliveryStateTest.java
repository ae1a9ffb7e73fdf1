package io.kilowatch.alerts;

import static io.kilowatch.alerts.AlertSites.supply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.ManualTime;
import io.kilowatch.testkit.http.WebhookReceiver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a receiver ends up believing after an outage: the state kilowatch has, reached without a
 * stale "firing" after "resolved"; and a receiver that keeps failing is left alone for a cool-down
 * while its notifications wait.
 */
class DeliveryStateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String TIMER = "alert-delivery-timer";

  @TempDir Path dir;
  private EmbeddedStore store;
  private AlertEngine engine;
  private WebhookReceiver receiver;
  private final Instant t0 = Instant.now().minusSeconds(300).truncatedTo(ChronoUnit.SECONDS);

  @AfterEach
  void close() {
    if (engine != null) {
      engine.close();
    }
    if (receiver != null) {
      receiver.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private AlertEngine engine(SiteConfig site) {
    if (store == null) {
      store = EmbeddedStore.open(site.store());
    }
    AlertEngine e =
        AlertEngine.open(
            site, store, dir.resolve("alerts"), Clock.systemUTC(), AlertEngineTest.FAST);
    e.startDelivery();
    return e;
  }

  /** One alert's statuses as the receiver got them, in order, by device. */
  private Map<String, List<String>> seenByReceiver() throws Exception {
    Map<String, List<String>> seen = new LinkedHashMap<>();
    for (WebhookReceiver.Request r : receiver.delivered()) {
      for (JsonNode a : JSON.readTree(r.body()).get("alerts")) {
        seen.computeIfAbsent(a.get("labels").get("device").asText(), k -> new ArrayList<>())
            .add(a.get("status").asText());
      }
    }
    return seen;
  }

  private void awaitOutboxEmpty() {
    await().atMost(WAIT).alias("outbox drained").until(() -> engine.outbox().pending().isEmpty());
    assertThat(engine.outbox().failed()).isEmpty();
  }

  @Test
  void receiverBackFromAnOutageEndsWithKilowatchsStateAndNeverGetsFiringAfterResolved()
      throws Exception {
    receiver = new WebhookReceiver(0);
    engine = engine(AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s")));
    // Both CDUs above 40 °C for the rule's 30 s: one group (by alertname), one notification.
    supply(store, t0, "cdu-1", "c1", 50);
    supply(store, t0, "cdu-2", "c1", 50);
    engine.evaluate(t0);
    engine.evaluate(t0.plusSeconds(30));
    receiver.await(r -> r.size() == 1, WAIT);

    receiver.setDown(true);
    // cdu-1 at 30 °C <= clear 35 °C: resolved; the notification {cdu-2 firing, cdu-1 resolved}
    // fails and is retried.
    supply(store, t0.plusSeconds(40), "cdu-1", "c1", 30);
    engine.evaluate(t0.plusSeconds(40));
    await().atMost(WAIT).until(() -> receiver.refusedWhileDown() >= 1);
    // cdu-2 resolves too: the group's newer state supersedes the one still waiting.
    supply(store, t0.plusSeconds(50), "cdu-2", "c1", 30);
    engine.evaluate(t0.plusSeconds(50));
    assertThat(engine.outbox().pending()).hasSize(1);
    receiver.setDown(false);
    awaitOutboxEmpty();

    assertThat(engine.alerts()).as("kilowatch: nothing fires").isEmpty();
    Map<String, List<String>> seen = seenByReceiver();
    // The first notification, then only the superseding one: it still tells that cdu-1 resolved,
    // which the superseded one alone reported.
    assertThat(receiver.delivered()).hasSize(2);
    assertThat(seen)
        .containsEntry("cdu-1", List.of("firing", "resolved"))
        .containsEntry("cdu-2", List.of("firing", "resolved"));
  }

  @Test
  void aNotificationWaitingAcrossARestartIsSupersededByTheResolvedOne() throws Exception {
    receiver = new WebhookReceiver(0);
    receiver.setDown(true);
    SiteConfig site = AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s"));
    engine = engine(site);
    supply(store, t0, "cdu-1", "c1", 50);
    engine.evaluate(t0);
    engine.evaluate(t0.plusSeconds(30));
    await().atMost(WAIT).until(() -> receiver.refusedWhileDown() >= 2);
    engine.close();
    assertThat(engine.outbox().pending())
        .singleElement()
        .satisfies(m -> assertThat(m.attempts()).isPositive());

    // Restarted on the same data directory, still without the receiver; the alert resolves.
    engine = engine(site);
    supply(store, t0.plusSeconds(40), "cdu-1", "c1", 30);
    engine.evaluate(t0.plusSeconds(40));
    // Only the resolved notification waits (the delivery thread may already be retrying it).
    assertThat(engine.outbox().pending())
        .singleElement()
        .satisfies(
            m -> assertThat(JSON.readTree(m.body()).get("status").asText()).isEqualTo("resolved"));
    receiver.setDown(false);
    awaitOutboxEmpty();

    assertThat(engine.alerts()).isEmpty();
    assertThat(seenByReceiver()).containsExactly(Map.entry("cdu-1", List.of("resolved")));
    assertThat(engine.outbox().counts().superseded()).isEqualTo(1);
  }

  @Test
  void aFailingReceiverIsLeftAloneForTheCoolDownThenProbedAndNothingIsLost() throws Exception {
    receiver = new WebhookReceiver(0);
    receiver.setDown(true);
    SiteConfig site = AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s"));
    store = EmbeddedStore.open(site.store());
    var time = new ManualTime(Instant.parse("2026-06-01T12:00:00Z"));
    Duration coolDown = Duration.ofSeconds(60);
    var options =
        new DeliveryOptions(
            Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofDays(1), 3, coolDown);
    engine = AlertEngine.open(site, store, dir.resolve("alerts"), time.clock(), time, options);
    engine.startDelivery();
    supply(store, t0, "cdu-1", "c1", 50);
    engine.evaluate(t0);
    engine.evaluate(t0.plusSeconds(30));

    // Three failures, each after its backoff: the third opens the breaker.
    await().atMost(WAIT).until(() -> receiver.refusedWhileDown() == 1);
    time.wake(TIMER);
    await().atMost(WAIT).until(() -> receiver.refusedWhileDown() == 2);
    time.wake(TIMER);
    await().atMost(WAIT).until(() -> receiver.refusedWhileDown() == 3);
    Instant openedAt = time.now();
    await().atMost(WAIT).until(() -> breaker().equals("open"));
    assertThat(engine.metrics().receivers())
        .singleElement()
        .isEqualTo(new AlertMetrics.Receiver("hook", 0, 3, 1, "open"));

    // Through the cool-down the delivery loop wakes every second and sends nothing; each time it
    // is asleep again it has finished a pass over the outbox.
    Instant wakeAt;
    do {
      wakeAt = time.awaitSleeping(TIMER);
      assertThat(receiver.refusedWhileDown()).as("sent during the cool-down").isEqualTo(3);
      time.advanceTo(wakeAt);
    } while (wakeAt.isBefore(openedAt.plus(coolDown)));
    // At the end of the cool-down one probe goes; it fails, so the breaker opens again.
    await().atMost(WAIT).until(() -> receiver.refusedWhileDown() == 4);
    time.awaitSleeping(TIMER);
    assertThat(breaker()).isEqualTo("open");

    receiver.setDown(false);
    time.advance(coolDown);
    receiver.await(r -> r.size() == 5, WAIT);
    await().atMost(WAIT).until(() -> engine.outbox().pending().isEmpty());
    assertThat(receiver.requests())
        .extracting(WebhookReceiver.Request::answered)
        .containsExactly(503, 503, 503, 503, 200);
    assertThat(receiver.requests())
        .extracting(r -> r.header(Signatures.IDEMPOTENCY_HEADER))
        .containsOnly(receiver.requests().getFirst().header(Signatures.IDEMPOTENCY_HEADER));
    assertThat(engine.metrics().receivers())
        .singleElement()
        .isEqualTo(new AlertMetrics.Receiver("hook", 1, 4, 0, "closed"));
  }

  private String breaker() {
    return engine.metrics().receivers().getFirst().breaker();
  }

  @Test
  void metricsCountFiringInstancesPerRule() throws Exception {
    receiver = new WebhookReceiver(0);
    engine = engine(AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s")));
    supply(store, t0, "cdu-1", "c1", 50);
    supply(store, t0, "cdu-2", "c1", 50);
    supply(store, t0, "cdu-3", "c1", 20);
    engine.evaluate(t0);
    assertThat(engine.metrics().firing())
        .containsExactly(new AlertMetrics.Firing("supply-hot", "critical", 0));
    engine.evaluate(t0.plusSeconds(30));
    // cdu-1 and cdu-2 above 40 °C for 30 s; cdu-3 at 20 °C never pends.
    assertThat(engine.metrics().firing())
        .containsExactly(new AlertMetrics.Firing("supply-hot", "critical", 2));
    awaitOutboxEmpty();
    assertThat(engine.metrics().receivers())
        .containsExactly(new AlertMetrics.Receiver("hook", 1, 0, 0, "closed"));
  }
}
