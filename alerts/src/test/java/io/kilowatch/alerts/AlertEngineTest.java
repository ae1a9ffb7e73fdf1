package io.kilowatch.alerts;

import static io.kilowatch.alerts.AlertSites.supply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.http.WebhookReceiver;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules, state machine, grouping, silences and delivery against real HTTP receivers on loopback.
 */
class AlertEngineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final DeliveryOptions FAST =
      new DeliveryOptions(
          Duration.ofMillis(50),
          Duration.ofMillis(200),
          Duration.ofHours(1),
          5,
          Duration.ofMillis(200));
  private static final Duration WAIT = Duration.ofSeconds(10);

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
    AlertEngine e = AlertEngine.open(site, store, dir.resolve("alerts"), Clock.systemUTC(), FAST);
    e.startDelivery();
    return e;
  }

  private static JsonNode json(WebhookReceiver.Request r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void ruleFiresOnlyAfterItsForDurationAndResolves() throws Exception {
    receiver = new WebhookReceiver(0);
    engine = engine(AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s")));
    supply(store, t0, "cdu-1", "c1", 45);
    assertThat(engine.evaluate(t0))
        .singleElement()
        .extracting(Alert::state)
        .isEqualTo(AlertState.PENDING);
    supply(store, t0.plusSeconds(20), "cdu-1", "c1", 46);
    assertThat(engine.evaluate(t0.plusSeconds(20)))
        .singleElement()
        .extracting(Alert::state)
        .isEqualTo(AlertState.PENDING);
    supply(store, t0.plusSeconds(30), "cdu-1", "c1", 47);
    List<Alert> firing = engine.evaluate(t0.plusSeconds(30));
    assertThat(firing).singleElement().extracting(Alert::state).isEqualTo(AlertState.FIRING);
    assertThat(firing.getFirst().annotations())
        .containsEntry("summary", "cdu-1 supply 47 °C above 40 °C")
        .containsEntry("dashboard", "http://kw.example:8080/device.html?id=cdu-1");

    JsonNode fired = json(receiver.await(r -> r.size() == 1, WAIT).getFirst());
    assertThat(fired.get("version").asText()).isEqualTo("4");
    assertThat(fired.get("status").asText()).isEqualTo("firing");
    JsonNode alert = fired.get("alerts").get(0);
    assertThat(alert.get("labels").get("alertname").asText()).isEqualTo("supply-hot");
    assertThat(alert.get("labels").get("severity").asText()).isEqualTo("critical");
    assertThat(alert.get("labels").get("device").asText()).isEqualTo("cdu-1");
    assertThat(alert.get("endsAt").asText()).isEqualTo(Payloads.ZERO_TIME);
    assertThat(alert.get("fingerprint").asText()).hasSize(16);

    supply(store, t0.plusSeconds(40), "cdu-1", "c1", 30);
    assertThat(engine.evaluate(t0.plusSeconds(40))).isEmpty();
    JsonNode resolved = json(receiver.await(r -> r.size() == 2, WAIT).get(1));
    assertThat(resolved.get("status").asText()).isEqualTo("resolved");
    assertThat(resolved.get("alerts").get(0).get("endsAt").asText())
        .isEqualTo(t0.plusSeconds(40).toString());
    assertThat(engine.history())
        .extracting(AlertEvent::to)
        .containsExactly(AlertState.RESOLVED, AlertState.FIRING, AlertState.PENDING);
  }

  @Test
  void aNotificationQueuedWhenTheStateCannotBeSavedIsStillSent() throws Exception {
    receiver = new WebhookReceiver(0);
    engine = engine(AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s")));
    supply(store, t0, "cdu-1", "c1", 45);
    engine.evaluate(t0);
    supply(store, t0.plusSeconds(20), "cdu-1", "c1", 46);
    engine.evaluate(t0.plusSeconds(20));
    // The state file cannot be replaced: a directory with something in it stands in its place.
    Path state = dir.resolve("alerts").resolve("state.json");
    Files.deleteIfExists(state);
    Path blocker = Files.createDirectories(state.resolve("blocker"));
    supply(store, t0.plusSeconds(30), "cdu-1", "c1", 47);
    assertThatThrownBy(() -> engine.evaluate(t0.plusSeconds(30)))
        .isInstanceOf(UncheckedIOException.class);
    // The firing notification was queued before the save failed, and the delivery loop, idle
    // until poked, was poked for it.
    JsonNode fired = json(receiver.await(r -> r.size() == 1, WAIT).getFirst());
    assertThat(fired.get("status").asText()).isEqualTo("firing");
    Files.delete(blocker);
    Files.delete(state);
  }

  @Test
  void valueHoveringBetweenClearAndThresholdPagesOnce() throws Exception {
    // A flapping sensor around 40 °C must not page on every crossing: only 35 °C clears.
    receiver = new WebhookReceiver(0);
    engine = engine(AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s")));
    double[] values = {45, 45, 45, 38, 41, 36, 42, 39, 41, 37};
    for (int i = 0; i < values.length; i++) {
      Instant t = t0.plusSeconds(15L * i);
      supply(store, t, "cdu-1", "c1", values[i]);
      engine.evaluate(t);
    }
    assertThat(engine.alerts())
        .singleElement()
        .extracting(Alert::state)
        .isEqualTo(AlertState.FIRING);
    Instant end = t0.plusSeconds(15L * values.length);
    supply(store, end, "cdu-1", "c1", 34);
    engine.evaluate(end);
    var got = receiver.await(r -> r.size() == 2, WAIT);
    assertThat(got)
        .extracting(r -> json(r).get("status").asText())
        .containsExactly("firing", "resolved");
    assertNothingMoreToSend();
    assertThat(receiver.requests()).hasSize(2);
  }

  @Test
  void seriesFlappingAcrossBothLevelsPagesOnceWithKeepFiringFor() throws Exception {
    receiver = new WebhookReceiver(0);
    var rule = AlertSites.supplyRule(receiver.url(), "0s");
    AlertSites.rule(rule).put("for", "0s");
    AlertSites.rule(rule).put("keepFiringFor", "1m");
    engine = engine(AlertSites.site(dir, rule));
    double[] flapping = {45, 30, 45, 30, 30, 45, 30, 45};
    for (int i = 0; i < flapping.length; i++) {
      Instant t = t0.plusSeconds(15L * i);
      supply(store, t, "cdu-1", "c1", flapping[i]);
      engine.evaluate(t);
    }
    assertThat(engine.alerts())
        .singleElement()
        .extracting(Alert::state)
        .isEqualTo(AlertState.FIRING);
    for (int i = 0; i <= 4; i++) {
      Instant t = t0.plusSeconds(15L * (flapping.length + i));
      supply(store, t, "cdu-1", "c1", 30);
      engine.evaluate(t);
    }
    assertThat(engine.alerts()).isEmpty();
    var got = receiver.await(r -> r.size() == 2, WAIT);
    assertThat(got)
        .extracting(r -> json(r).get("status").asText())
        .containsExactly("firing", "resolved");
    assertNothingMoreToSend();
    assertThat(receiver.requests()).hasSize(2);
  }

  @Test
  void receiverFailingWith503ThreeTimesGetsOneDeliveryWithOneIdempotencyKey() throws Exception {
    receiver = new WebhookReceiver(0, 503, 503, 503, 200);
    engine = engine(AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s")));
    supply(store, t0, "cdu-1", "c1", 50);
    engine.evaluate(t0);
    engine.evaluate(t0.plusSeconds(30));
    var got = receiver.await(r -> r.size() == 4, WAIT);
    assertThat(got)
        .extracting(WebhookReceiver.Request::answered)
        .containsExactly(503, 503, 503, 200);
    assertThat(got)
        .extracting(r -> r.header(Signatures.IDEMPOTENCY_HEADER))
        .doesNotContainNull()
        .containsOnly(got.getFirst().header(Signatures.IDEMPOTENCY_HEADER));
    assertThat(got).extracting(WebhookReceiver.Request::body).containsOnly(got.getFirst().body());
    assertNothingMoreToSend();
    assertThat(receiver.delivered()).hasSize(1);
    assertThat(receiver.requests()).hasSize(4);
  }

  @Test
  void receiverRefusingWith4xxIsNotRetriedAndTheMessageIsSetAside() throws Exception {
    receiver = new WebhookReceiver(0, 401);
    engine = engine(AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s")));
    supply(store, t0, "cdu-1", "c1", 50);
    engine.evaluate(t0);
    engine.evaluate(t0.plusSeconds(30));
    receiver.await(r -> r.size() == 1, WAIT);
    awaitOutboxEmpty();
    assertThat(engine.outbox().failed())
        .singleElement()
        .extracting(OutboxMessage::lastError)
        .isEqualTo("HTTP 401");
    assertThat(engine.outbox().pending()).isEmpty();
    assertThat(receiver.requests()).hasSize(1);
  }

  @Test
  void receiverDownAcrossARestartStillGetsTheAlertExactlyOnce() throws Exception {
    // The receiver holds its port throughout, answering 503 while "down", so no other process can
    // take the port between the two halves of the test.
    receiver = new WebhookReceiver(0);
    receiver.setDown(true);
    SiteConfig site = AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s"));
    engine = engine(site);
    supply(store, t0, "cdu-1", "c1", 50);
    engine.evaluate(t0);
    engine.evaluate(t0.plusSeconds(30));
    assertThat(engine.outbox().pending()).hasSize(1);
    await().atMost(WAIT).until(() -> receiver.refusedWhileDown() >= 2); // a few failed attempts
    engine.close();
    assertThat(engine.outbox().pending())
        .singleElement()
        .satisfies(m -> assertThat(m.attempts()).isPositive());
    assertThat(receiver.delivered()).isEmpty();

    // kilowatch restarts on the same data directory; then the receiver comes back.
    engine = engine(site);
    assertThat(engine.alerts())
        .singleElement()
        .extracting(Alert::firedAt)
        .isEqualTo(t0.plusSeconds(30));
    receiver.setDown(false);
    supply(store, t0.plusSeconds(45), "cdu-1", "c1", 51);
    engine.evaluate(t0.plusSeconds(45));
    receiver.await(r -> r.stream().anyMatch(x -> x.answered() == 200), WAIT);
    assertNothingMoreToSend();
    assertThat(receiver.delivered()).as("a restart must not re-fire").hasSize(1);
    assertThat(json(receiver.delivered().getFirst()).get("status").asText()).isEqualTo("firing");
  }

  @Test
  void silenceSuppressesNotificationsOfMatchingAlertsOnly() throws Exception {
    receiver = new WebhookReceiver(0);
    engine = engine(AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s")));
    Silence s =
        engine.silence(
            List.of(Silence.Matcher.equal("cluster", "c2")),
            t0.minusSeconds(1),
            t0.plusSeconds(3600),
            "test",
            "pump maintenance");
    supply(store, t0, "cdu-1", "c1", 50);
    supply(store, t0, "cdu-2", "c2", 50);
    engine.evaluate(t0);
    engine.evaluate(t0.plusSeconds(30));
    assertThat(engine.alerts()).hasSize(2).allMatch(a -> a.state() == AlertState.FIRING);
    assertThat(engine.alerts())
        .filteredOn(a -> a.labels().get("cluster").equals("c2"))
        .singleElement()
        .extracting(Alert::silencedBy)
        .isEqualTo(List.of(s.id()));
    var got = receiver.await(r -> r.size() == 1, WAIT);
    JsonNode alerts = json(got.getFirst()).get("alerts");
    assertThat(alerts).hasSize(1);
    assertThat(alerts.get(0).get("labels").get("cluster").asText()).isEqualTo("c1");

    // Expiry happens at wall-clock time, so evaluate at wall-clock time from here on.
    engine.expire(s.id());
    Instant now = Instant.now();
    supply(store, now, "cdu-1", "c1", 50);
    supply(store, now, "cdu-2", "c2", 50);
    engine.evaluate(now);
    var after = receiver.await(r -> r.size() == 2, WAIT);
    assertThat(json(after.get(1)).get("alerts")).hasSize(2);
  }

  @Test
  void alertsOfOneGroupArriveInOneNotificationAfterGroupWait() throws Exception {
    receiver = new WebhookReceiver(0);
    engine = engine(AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "10s")));
    for (String d : List.of("cdu-1", "cdu-2", "cdu-3")) {
      supply(store, t0, d, "c1", 50);
    }
    engine.evaluate(t0);
    engine.evaluate(t0.plusSeconds(30));
    // Evaluation queues what is due; inside the group wait nothing is, so nothing can be sent.
    assertThat(engine.outbox().pending()).as("queued inside group wait").isEmpty();
    assertThat(receiver.requests()).as("sent inside group wait").isEmpty();
    engine.evaluate(t0.plusSeconds(40));
    var got = receiver.await(r -> r.size() == 1, WAIT);
    JsonNode body = json(got.getFirst());
    assertThat(body.get("alerts")).hasSize(3);
    assertThat(body.get("groupLabels").get("alertname").asText()).isEqualTo("supply-hot");
    assertThat(body.get("commonLabels").get("alertname").asText()).isEqualTo("supply-hot");
    assertThat(body.get("commonLabels").has("device")).isFalse();
  }

  private void awaitOutboxEmpty() {
    await().atMost(WAIT).alias("outbox drained").until(() -> engine.outbox().pending().isEmpty());
  }

  /**
   * Waits until the outbox is drained with nothing set aside: delivery only sends what the outbox
   * holds, so no further request can come after this without another evaluation.
   */
  private void assertNothingMoreToSend() {
    awaitOutboxEmpty();
    assertThat(engine.outbox().failed()).isEmpty();
  }
}
