package io.kilowatch.alerts;

import java.time.Instant;

/**
 * One notification waiting for delivery.
 *
 * @param id the idempotency key, sent unchanged on every attempt so a receiver can drop duplicates
 * @param receiver the receiver's name; its URL and secret are read from the config at each attempt
 * @param body the exact bytes (UTF-8) sent on every attempt
 * @param attempts failed attempts so far
 * @param nextAttemptAt when the next attempt is due
 */
public record OutboxMessage(
    String id,
    String receiver,
    String groupKey,
    String body,
    Instant createdAt,
    int attempts,
    Instant nextAttemptAt,
    String lastError) {

  OutboxMessage retryAt(Instant next, String error) {
    return new OutboxMessage(id, receiver, groupKey, body, createdAt, attempts + 1, next, error);
  }
}
