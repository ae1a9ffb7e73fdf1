package io.kilowatch.alerts;

import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One alert instance: one rule and one label set.
 *
 * @param fingerprint stable id of the label set (hex), the same across restarts
 * @param value the last evaluated value (for {@code load} rules a percentage)
 * @param activeSince when the condition began to hold (pending or firing since)
 * @param firedAt when it started firing, {@code null} while pending
 * @param resolvedAt when it resolved, {@code null} until then
 * @param silencedBy ids of the silences that match it now; empty when notifications go out
 * @param clearingSince while firing: since when the value has been past the clear level (the alert
 *     resolves once that lasts the rule's {@code keepFiringFor}); {@code null} otherwise
 */
public record Alert(
    String fingerprint,
    String rule,
    SortedMap<String, String> labels,
    SortedMap<String, String> annotations,
    AlertState state,
    double value,
    Instant activeSince,
    Instant firedAt,
    Instant resolvedAt,
    java.util.List<String> silencedBy,
    Instant clearingSince) {

  public Alert {
    labels = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    annotations = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(annotations));
    silencedBy = silencedBy == null ? java.util.List.of() : java.util.List.copyOf(silencedBy);
  }

  public boolean silenced() {
    return !silencedBy.isEmpty();
  }

  Alert withState(AlertState s, double v, Instant fired, Instant resolved) {
    return new Alert(
        fingerprint,
        rule,
        labels,
        annotations,
        s,
        v,
        activeSince,
        fired,
        resolved,
        silencedBy,
        null);
  }

  Alert clearingSince(Instant since) {
    return new Alert(
        fingerprint,
        rule,
        labels,
        annotations,
        state,
        value,
        activeSince,
        firedAt,
        resolvedAt,
        silencedBy,
        since);
  }

  Alert withAnnotations(Map<String, String> a) {
    return new Alert(
        fingerprint,
        rule,
        labels,
        new TreeMap<>(a),
        state,
        value,
        activeSince,
        firedAt,
        resolvedAt,
        silencedBy,
        clearingSince);
  }

  Alert withSilencedBy(java.util.List<String> ids) {
    return new Alert(
        fingerprint,
        rule,
        labels,
        annotations,
        state,
        value,
        activeSince,
        firedAt,
        resolvedAt,
        ids,
        clearingSince);
  }
}
