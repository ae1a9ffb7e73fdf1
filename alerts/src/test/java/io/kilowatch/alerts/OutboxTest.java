package io.kilowatch.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox on the durable queue: what waits survives reopening, a retry replaces by id. */
class OutboxTest {
  private static final Instant T = Instant.parse("2026-06-01T12:00:00Z");

  @TempDir Path dir;

  private final ObjectMapper json = AlertEngine.stateJson();

  private static OutboxMessage message(String id, int secondsAfterT) {
    Instant created = T.plusSeconds(secondsAfterT);
    return new OutboxMessage(
        id, "oncall", "group-" + id, "{\"id\":\"" + id + "\"}", created, 0, created, null);
  }

  @Test
  void waitingNotificationsSurviveReopeningAndARetryReplacesTheEarlierCopy() {
    var first = message("a", 0);
    var second = message("b", 1);
    var third = message("c", 2);
    try (var outbox = new Outbox(dir, json)) {
      outbox.put(first);
      outbox.put(second);
      outbox.put(third);
      outbox.put(first.retryAt(T.plusSeconds(60), "HTTP 503"));
      outbox.remove(second);
      assertThat(outbox.counts()).isEqualTo(new Outbox.Counts(3, 1, 1, 0, 0));
    }
    try (var outbox = new Outbox(dir, json)) {
      assertThat(outbox.pending()).extracting(OutboxMessage::id).containsExactly("a", "c");
      assertThat(outbox.pending().getFirst().attempts()).isEqualTo(1);
      assertThat(outbox.pending().getFirst().lastError()).isEqualTo("HTTP 503");
      outbox.fail(third);
      assertThat(outbox.failed()).extracting(OutboxMessage::id).containsExactly("c");
    }
    try (var outbox = new Outbox(dir, json)) {
      assertThat(outbox.pending()).extracting(OutboxMessage::id).containsExactly("a");
    }
  }

  private static OutboxMessage ofGroup(String id, String group, int secondsAfterT) {
    Instant created = T.plusSeconds(secondsAfterT);
    return new OutboxMessage(id, "oncall", group, "{}", created, 0, created, null);
  }

  @Test
  void aNewerNotificationOfAGroupSupersedesTheWaitingOneAndItsRetryCannotComeBack() {
    var older = ofGroup("old", "g1", 0);
    var other = ofGroup("other", "g2", 1);
    var newer = ofGroup("new", "g1", 2);
    try (var outbox = new Outbox(dir, json)) {
      outbox.put(older);
      outbox.put(other);
      assertThat(outbox.waiting("oncall", "g1")).containsExactly(older);

      outbox.supersede(newer, outbox.waiting("oncall", "g1"));

      assertThat(outbox.pending()).extracting(OutboxMessage::id).containsExactly("other", "new");
      // The delivery thread was attempting the older one meanwhile and failed: its retry is
      // dropped, not queued again behind the newer state.
      assertThat(outbox.reschedule(older.retryAt(T.plusSeconds(5), "HTTP 503"))).isFalse();
      assertThat(outbox.pending()).extracting(OutboxMessage::id).containsExactly("other", "new");
      // queued 3 = delivered 0 + given up 0 + superseded 1 + waiting 2
      assertThat(outbox.counts()).isEqualTo(new Outbox.Counts(3, 0, 0, 0, 1));
    }
    try (var outbox = new Outbox(dir, json)) {
      assertThat(outbox.pending()).extracting(OutboxMessage::id).containsExactly("other", "new");
    }
  }

  @Test
  void aCrashBetweenQueuingTheNewerAndDroppingTheOlderKeepsTheNewestOfEachGroup() {
    try (var outbox = new Outbox(dir, json)) {
      // supersede appends the newer first; a crash before it drops the older leaves both.
      outbox.put(ofGroup("old", "g1", 0));
      outbox.put(ofGroup("other", "g2", 1));
      outbox.put(ofGroup("new", "g1", 2));
    }
    try (var outbox = new Outbox(dir, json)) {
      assertThat(outbox.pending()).extracting(OutboxMessage::id).containsExactly("other", "new");
    }
    try (var outbox = new Outbox(dir, json)) {
      assertThat(outbox.pending()).extracting(OutboxMessage::id).containsExactly("other", "new");
    }
  }

  @Test
  void filesLeftByTheEarlierOneFilePerMessageOutboxJoinTheQueueOnce() throws Exception {
    Files.createDirectories(dir);
    var old = message("legacy", 0);
    Files.write(dir.resolve("000000000000001-legacy.json"), json.writeValueAsBytes(old));
    try (var outbox = new Outbox(dir, json)) {
      assertThat(outbox.pending()).containsExactly(old);
    }
    assertThat(dir.resolve("000000000000001-legacy.json")).doesNotExist();
    try (var outbox = new Outbox(dir, json)) {
      assertThat(outbox.pending()).containsExactly(old);
    }
  }
}
