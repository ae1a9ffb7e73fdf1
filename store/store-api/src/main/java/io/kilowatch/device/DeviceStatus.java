package io.kilowatch.device;

import io.kilowatch.config.DeviceKind;
import java.time.Duration;
import java.time.Instant;

/**
 * What the scheduler knows about one device, as of the last attempt.
 *
 * @param lastSuccess end of the last successful poll, or {@code null} if none yet
 * @param lastAttempt start of the last attempt, or {@code null} before the first one
 * @param lastError why the last failed attempt failed; {@code null} while the device is up
 * @param consecutiveFailures failed attempts since the last success
 * @param lastRoundTrip how long the last attempt took, successful or not ({@code null} before the
 *     first one)
 * @param nextAttempt when the next attempt is due
 * @param droppedValues values the device's collector received but dropped because its bounded queue
 *     between polls was full (OPC UA subscriptions), since start
 * @param pointErrors why points were BAD in the last successful poll, by point name (empty when
 *     every point was good, and before the first success); kept while the device is down, since the
 *     points' last stored values are still those of that poll
 */
public record DeviceStatus(
    String deviceId,
    DeviceKind kind,
    State state,
    Instant lastSuccess,
    Instant lastAttempt,
    String lastError,
    int consecutiveFailures,
    Duration lastRoundTrip,
    Instant nextAttempt,
    long droppedValues,
    java.util.Map<String, String> pointErrors) {

  public DeviceStatus {
    pointErrors = pointErrors == null ? java.util.Map.of() : java.util.Map.copyOf(pointErrors);
  }

  public DeviceStatus(
      String deviceId,
      DeviceKind kind,
      State state,
      Instant lastSuccess,
      Instant lastAttempt,
      String lastError,
      int consecutiveFailures,
      Duration lastRoundTrip,
      Instant nextAttempt,
      long droppedValues) {
    this(
        deviceId,
        kind,
        state,
        lastSuccess,
        lastAttempt,
        lastError,
        consecutiveFailures,
        lastRoundTrip,
        nextAttempt,
        droppedValues,
        java.util.Map.of());
  }

  public DeviceStatus(
      String deviceId,
      DeviceKind kind,
      State state,
      Instant lastSuccess,
      Instant lastAttempt,
      String lastError,
      int consecutiveFailures,
      Duration lastRoundTrip,
      Instant nextAttempt) {
    this(
        deviceId,
        kind,
        state,
        lastSuccess,
        lastAttempt,
        lastError,
        consecutiveFailures,
        lastRoundTrip,
        nextAttempt,
        0);
  }

  public DeviceStatus withDroppedValues(long dropped) {
    return dropped == droppedValues
        ? this
        : new DeviceStatus(
            deviceId,
            kind,
            state,
            lastSuccess,
            lastAttempt,
            lastError,
            consecutiveFailures,
            lastRoundTrip,
            nextAttempt,
            dropped,
            pointErrors);
  }

  /** This status with the point errors of the last successful poll. */
  public DeviceStatus withPointErrors(java.util.Map<String, String> errors) {
    return new DeviceStatus(
        deviceId,
        kind,
        state,
        lastSuccess,
        lastAttempt,
        lastError,
        consecutiveFailures,
        lastRoundTrip,
        nextAttempt,
        droppedValues,
        errors);
  }

  public enum State {
    UNKNOWN,
    UP,
    DOWN
  }

  public static DeviceStatus initial(String deviceId, DeviceKind kind, Instant nextAttempt) {
    return new DeviceStatus(deviceId, kind, State.UNKNOWN, null, null, null, 0, null, nextAttempt);
  }
}
