package io.kilowatch.alerts;

import java.time.Duration;
import java.time.Instant;

/**
 * One receiver's circuit breaker. After {@code failures} failed attempts in a row it opens: nothing
 * is sent to that receiver for {@code coolDown}, so an outage costs one failed request per
 * cool-down instead of one per waiting notification per backoff step. Then it is half-open: one
 * notification goes as a probe; success closes it, failure opens it for another cool-down.
 * Notifications stay in the outbox all along, so an open breaker delays them and loses none.
 *
 * <p>Only the delivery thread changes it; {@link #state} is read by {@code /metrics} too.
 */
final class CircuitBreaker {
  /** Where a breaker is; the names are what {@code /metrics} shows, lower case. */
  enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private final int failures;
  private final Duration coolDown;
  private int failedInARow;
  private State state = State.CLOSED;
  private Instant openUntil = Instant.MIN;

  CircuitBreaker(int failures, Duration coolDown) {
    this.failures = failures;
    this.coolDown = coolDown;
  }

  /**
   * Whether an attempt may go now; when the cool-down is over this turns the breaker half-open and
   * the attempt it allows is the probe.
   */
  synchronized boolean allows(Instant now) {
    return switch (state) {
      case CLOSED -> true;
      case HALF_OPEN -> false; // the probe's answer decides
      case OPEN -> {
        if (now.isBefore(openUntil)) {
          yield false;
        }
        state = State.HALF_OPEN;
        yield true;
      }
    };
  }

  /**
   * The receiver answered.
   *
   * @return whether this ended an outage (the breaker was not closed)
   */
  synchronized boolean succeeded() {
    boolean recovered = state != State.CLOSED;
    failedInARow = 0;
    state = State.CLOSED;
    return recovered;
  }

  /**
   * An attempt failed in a way worth retrying.
   *
   * @return whether the breaker opened
   */
  synchronized boolean failed(Instant now) {
    failedInARow++;
    if (state == State.HALF_OPEN || failedInARow >= failures) {
      state = State.OPEN;
      openUntil = now.plus(coolDown);
      return true;
    }
    return false;
  }

  /** When the next attempt may go: now while closed, the end of the cool-down while open. */
  synchronized Instant openUntil() {
    return state == State.OPEN ? openUntil : Instant.MIN;
  }

  synchronized State state() {
    return state;
  }
}
