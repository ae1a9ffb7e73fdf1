package io.kilowatch.alerts;

import java.time.Duration;
import java.time.Instant;

/** The state machine of one instance: inactive → pending → firing → resolved. */
final class Transitions {
  private Transitions() {}

  /**
   * The next state of {@code current} given this evaluation's value.
   *
   * @param current the instance so far, or {@code null} when inactive
   * @param fresh the instance as it would start now (labels, annotations), used when it activates
   * @param value this evaluation's value, or {@code null} when the series has no data any more
   * @return the instance after this evaluation, or {@code null} when it is (back to) inactive
   */
  static Alert step(
      Alert current,
      Alert fresh,
      Double value,
      Condition condition,
      Duration forDuration,
      Duration keepFiringFor,
      Instant now) {
    AlertState state = current == null ? AlertState.INACTIVE : current.state();
    return switch (state) {
      case INACTIVE, RESOLVED -> {
        if (value == null || !condition.triggers(value)) {
          yield null;
        }
        Alert started =
            new Alert(
                fresh.fingerprint(),
                fresh.rule(),
                fresh.labels(),
                fresh.annotations(),
                AlertState.PENDING,
                value,
                now,
                null,
                null,
                fresh.silencedBy(),
                null);
        yield forDuration.isZero()
            ? started.withState(AlertState.FIRING, value, now, null)
            : started;
      }
      case PENDING -> {
        if (value == null || !condition.triggers(value)) {
          yield null;
        }
        boolean held = !now.isBefore(current.activeSince().plus(forDuration));
        yield held
            ? fresh(current, fresh).withState(AlertState.FIRING, value, now, null)
            : fresh(current, fresh).withState(AlertState.PENDING, value, null, null);
      }
      case FIRING -> {
        if (value == null) {
          yield current.withState(AlertState.RESOLVED, current.value(), current.firedAt(), now);
        }
        if (condition.clears(value)) {
          // A flapping value resolves only once it has stayed clear for keepFiringFor.
          Instant since = current.clearingSince() != null ? current.clearingSince() : now;
          if (!now.isBefore(since.plus(keepFiringFor))) {
            yield current.withState(AlertState.RESOLVED, value, current.firedAt(), now);
          }
          yield fresh(current, fresh)
              .withState(AlertState.FIRING, value, current.firedAt(), null)
              .clearingSince(since);
        }
        yield fresh(current, fresh).withState(AlertState.FIRING, value, current.firedAt(), null);
      }
    };
  }

  /** Annotations follow the latest value; identity and times stay. */
  private static Alert fresh(Alert current, Alert fresh) {
    return current.withAnnotations(fresh.annotations()).withSilencedBy(fresh.silencedBy());
  }
}
