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
    long droppedValues) {

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
            dropped);
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
