package io.kilowatch.alerts;

import java.util.List;

/**
 * What {@code /metrics} shows of alerting, read at once.
 *
 * @param outbox the outbox's counters since start
 * @param firing one entry per configured rule, with the number of its instances firing now
 *     (silenced ones included: they fire, only their notifications are held back)
 * @param receivers one entry per configured receiver
 */
public record AlertMetrics(Outbox.Counts outbox, List<Firing> firing, List<Receiver> receivers) {
  public AlertMetrics {
    firing = List.copyOf(firing);
    receivers = List.copyOf(receivers);
  }

  /** Instances of one rule firing now; {@code severity} as in the config, lower case. */
  public record Firing(String rule, String severity, int count) {}

  /**
   * One receiver's deliveries since start.
   *
   * @param delivered attempts it accepted (2xx)
   * @param failed attempts that failed (timeout, connection error, refused)
   * @param pending notifications waiting for it in the outbox now
   * @param breaker its circuit breaker: {@code closed}, {@code open} or {@code half_open}
   */
  public record Receiver(String name, long delivered, long failed, int pending, String breaker) {}
}
