package io.kilowatch.alerts;

import java.time.Instant;
import java.util.List;

/**
 * One notification waiting for delivery.
 *
 * @param id the idempotency key, sent unchanged on every attempt so a receiver can drop duplicates
 * @param receiver the receiver's name; its URL and secret are read from the config at each attempt
 * @param groupKey the notification group (route, receiver and group labels) it is about; a newer
 *     notification of the same group supersedes this one while it waits
 * @param body the exact bytes (UTF-8) sent on every attempt
 * @param attempts failed attempts so far
 * @param nextAttemptAt when the next attempt is due
 * @param alerts the alerts the body reports, firing and resolved, so that a newer notification of
 *     the group can carry the resolved ones on when it supersedes this one; empty for messages
 *     queued by versions that did not keep them
 */
public record OutboxMessage(
    String id,
    String receiver,
    String groupKey,
    String body,
    Instant createdAt,
    int attempts,
    Instant nextAttemptAt,
    String lastError,
    List<Alert> alerts) {

  public OutboxMessage {
    alerts = alerts == null ? List.of() : List.copyOf(alerts);
  }

  /** A message without its alerts (tests, and messages that need no carrying on). */
  public OutboxMessage(
      String id,
      String receiver,
      String groupKey,
      String body,
      Instant createdAt,
      int attempts,
      Instant nextAttemptAt,
      String lastError) {
    this(id, receiver, groupKey, body, createdAt, attempts, nextAttemptAt, lastError, List.of());
  }

  OutboxMessage retryAt(Instant next, String error) {
    return new OutboxMessage(
        id, receiver, groupKey, body, createdAt, attempts + 1, next, error, alerts);
  }

  OutboxMessage dueAt(Instant at) {
    return new OutboxMessage(
        id, receiver, groupKey, body, createdAt, attempts, at, lastError, alerts);
  }
}
