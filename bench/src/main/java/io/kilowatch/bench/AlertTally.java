package io.kilowatch.bench;

import io.kilowatch.alerts.Outbox;
import io.kilowatch.app.Kilowatch;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Alert deliveries expected vs received: what kilowatch's outbox queued against what the webhook
 * receiver got, once retries after the receiver's outage have had their chance; and whether every
 * device a fault took down was alerted on.
 *
 * @param queued notifications kilowatch queued (its outbox counter), less those superseded by a
 *     newer notification of their group before delivery
 * @param received distinct notifications the receiver accepted (by idempotency key)
 * @param duplicates repeated deliveries of a notification already received (at-least-once)
 * @param givenUp notifications kilowatch gave up on
 * @param stillQueued notifications left in the outbox when the wait ended
 * @param retries attempts rescheduled after a failure (the receiver's outage)
 * @param refusedWhileDown deliveries the receiver refused during its outage
 * @param badSignatures requests whose HMAC signature did not verify
 * @param faultedDevices devices a fault took down
 * @param faultedAlerted of those, how many a firing notification named
 */
record AlertTally(
    long queued,
    long received,
    long duplicates,
    long givenUp,
    long stillQueued,
    long retries,
    long refusedWhileDown,
    long badSignatures,
    int faultedDevices,
    int faultedAlerted,
    List<String> notAlerted) {

  /** Notifications queued that neither arrived nor are still waiting: must be zero. */
  long lost() {
    return Math.max(0, queued - received - stillQueued);
  }

  static AlertTally await(
      Kilowatch app, AlertReceiver receiver, List<ScaleSite.Answered> devices, Duration wait)
      throws InterruptedException {
    Set<String> faulted = new TreeSet<>();
    for (ScaleSite.Answered a : devices) {
      if (a.faulted()) {
        faulted.add(a.deviceId());
      }
    }
    if (app.alerts() == null) {
      return new AlertTally(0, 0, 0, 0, 0, 0, 0, 0, faulted.size(), 0, List.copyOf(faulted));
    }
    Outbox outbox = app.alerts().outbox();
    Instant deadline = Instant.now().plus(wait);
    // Devices faulted near the end need the rule's "for" and a group wait before they notify.
    while (Instant.now().isBefore(deadline)
        && (!outbox.pending().isEmpty()
            || !receiver.received().firingDevices().containsAll(faulted))) {
      Thread.sleep(500);
    }
    Outbox.Counts counts = outbox.counts();
    AlertReceiver.Received got = receiver.received();
    Set<String> missing = new TreeSet<>(faulted);
    missing.removeAll(got.firingDevices());
    return new AlertTally(
        // A notification superseded by a newer one of its group while waiting is not owed: the
        // newer one carries the group's state.
        counts.queued() - counts.superseded(),
        got.notifications(),
        got.duplicates(),
        counts.givenUp(),
        outbox.pending().size(),
        counts.retried(),
        got.refusedWhileDown(),
        got.badSignatures(),
        faulted.size(),
        faulted.size() - missing.size(),
        missing.stream().limit(10).toList());
  }
}
