package io.kilowatch.alerts;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The alerts of one route with the same {@code groupBy} label values, and what was last sent about
 * them. Saved with the alert state so that a restart neither re-sends nor forgets.
 *
 * @param firing the group's firing, unsilenced alerts by fingerprint
 * @param resolved alerts notified as firing that have resolved since the last notification
 * @param notified fingerprints included as firing in the last notification
 * @param lastSent {@code null} before the first notification
 */
record NotificationGroup(
    String key,
    int route,
    String receiver,
    SortedMap<String, String> groupLabels,
    Map<String, Alert> firing,
    Map<String, Alert> resolved,
    Set<String> notified,
    Instant createdAt,
    Instant lastSent) {

  NotificationGroup {
    groupLabels = new TreeMap<>(groupLabels);
    firing = new LinkedHashMap<>(firing);
    resolved = new LinkedHashMap<>(resolved);
    notified = new LinkedHashSet<>(notified);
  }

  /** Whether something changed since the last notification. */
  boolean changed() {
    return !resolved.isEmpty() || !notified.equals(firing.keySet());
  }
}
