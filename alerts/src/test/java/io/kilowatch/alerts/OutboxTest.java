package io.kilowatch.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox on the durable queue: what waits survives reopening, a retry replaces by id. */
class OutboxTest {
  private static final Instant T = Instant.parse("2026-06-01T12:00:00Z");

  @TempDir Path dir;

  private final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static OutboxMessage message(String id, int secondsAfterT) {
    Instant created = T.plusSeconds(secondsAfterT);
    return new OutboxMessage(
        id, "oncall", "g", "{\"id\":\"" + id + "\"}", created, 0, created, null);
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
      assertThat(outbox.counts()).isEqualTo(new Outbox.Counts(3, 1, 1, 0));
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
