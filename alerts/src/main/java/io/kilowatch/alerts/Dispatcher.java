package io.kilowatch.alerts;

import io.kilowatch.config.AlertsConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Routes firing alerts into groups and decides when each group is notified: {@code groupWait} after
 * it first appears, then at most every {@code groupInterval} while it changes, and every {@code
 * repeatInterval} while it keeps firing unchanged. Notifications go to the outbox.
 */
final class Dispatcher {
  private final List<AlertsConfig.Route> routes;
  private final Map<String, AlertsConfig.Receiver> receivers;
  private final URI externalUrl;
  private final Map<String, NotificationGroup> groups = new LinkedHashMap<>();

  Dispatcher(AlertsConfig config) {
    this.routes = config.routes();
    this.receivers = new LinkedHashMap<>();
    config.receivers().forEach(r -> receivers.put(r.name(), r));
    this.externalUrl = config.externalUrl();
  }

  void restore(List<NotificationGroup> saved) {
    for (NotificationGroup g : saved) {
      // A route removed or reordered since: its groups cannot be placed, so they start afresh.
      if (g.route() < routes.size() && routes.get(g.route()).receiver().equals(g.receiver())) {
        groups.put(g.key(), g);
      }
    }
  }

  List<NotificationGroup> groups() {
    return List.copyOf(groups.values());
  }

  /**
   * Takes this evaluation's alerts and returns the notifications due now.
   *
   * @param firing firing alerts, silenced ones included (they are dropped quietly)
   * @param resolved alerts that resolved in this evaluation
   * @param waiting the notifications of a receiver's group still waiting for delivery; a new one
   *     supersedes them, so it carries on the resolved alerts they report
   */
  List<OutboxMessage> update(
      List<Alert> firing,
      List<Alert> resolved,
      Instant now,
      BiFunction<String, String, List<OutboxMessage>> waiting) {
    Map<String, Alert> firingNow = new LinkedHashMap<>();
    Set<String> silenced = new java.util.HashSet<>();
    for (Alert a : firing) {
      if (a.silenced()) {
        silenced.add(a.fingerprint());
      } else {
        firingNow.put(a.fingerprint(), a);
      }
    }
    Map<String, Alert> resolvedNow = new LinkedHashMap<>();
    resolved.forEach(a -> resolvedNow.put(a.fingerprint(), a));

    for (Alert a : firingNow.values()) {
      for (int i = 0; i < routes.size(); i++) {
        AlertsConfig.Route route = routes.get(i);
        if (!matches(route, a.labels())) {
          continue;
        }
        SortedMap<String, String> gl = new TreeMap<>();
        for (String l : route.groupBy()) {
          if (a.labels().containsKey(l)) {
            gl.put(l, a.labels().get(l));
          }
        }
        String key = i + ":" + route.receiver() + ":" + gl;
        int routeIndex = i;
        NotificationGroup g =
            groups.computeIfAbsent(
                key,
                k ->
                    new NotificationGroup(
                        k,
                        routeIndex,
                        route.receiver(),
                        gl,
                        Map.of(),
                        Map.of(),
                        Set.of(),
                        now,
                        null));
        g.firing().put(a.fingerprint(), a);
        g.resolved().remove(a.fingerprint());
      }
    }
    for (NotificationGroup g : groups.values()) {
      for (var it = g.firing().entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (firingNow.containsKey(e.getKey())) {
          continue;
        }
        it.remove();
        if (silenced.contains(e.getKey())) {
          // Silenced while firing: no resolved message, the problem is not gone.
          g.notified().remove(e.getKey());
        } else if (g.notified().contains(e.getKey())) {
          Alert done = resolvedNow.get(e.getKey());
          if (done == null) {
            done =
                e.getValue()
                    .withState(
                        AlertState.RESOLVED, e.getValue().value(), e.getValue().firedAt(), now);
          }
          g.resolved().put(e.getKey(), done);
          g.notified().remove(e.getKey());
        }
      }
    }
    List<OutboxMessage> out = new ArrayList<>();
    for (var it = groups.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      NotificationGroup g = entry.getValue();
      AlertsConfig.Route route = routes.get(g.route());
      boolean due;
      if (g.lastSent() == null) {
        due = !g.firing().isEmpty() && !now.isBefore(g.createdAt().plus(route.groupWait()));
      } else if (g.changed()) {
        due = !now.isBefore(g.lastSent().plus(route.groupInterval()));
      } else {
        due = !g.firing().isEmpty() && !now.isBefore(g.lastSent().plus(route.repeatInterval()));
      }
      NotificationGroup next = g;
      if (due) {
        out.add(message(g, now, waiting));
        next =
            new NotificationGroup(
                g.key(),
                g.route(),
                g.receiver(),
                g.groupLabels(),
                g.firing(),
                Map.of(),
                g.firing().keySet(),
                g.createdAt(),
                now);
      }
      if (next.firing().isEmpty() && next.resolved().isEmpty()) {
        it.remove();
      } else if (next != g) {
        entry.setValue(next);
      }
    }
    return out;
  }

  private static boolean matches(AlertsConfig.Route route, Map<String, String> labels) {
    return route.match().entrySet().stream()
        .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  private OutboxMessage message(
      NotificationGroup g, Instant now, BiFunction<String, String, List<OutboxMessage>> waiting) {
    List<Alert> alerts = new ArrayList<>(g.firing().values());
    alerts.addAll(g.resolved().values());
    Set<String> reported = new java.util.HashSet<>();
    alerts.forEach(a -> reported.add(a.fingerprint()));
    // An undelivered "resolved" must survive being superseded, or the receiver would keep that
    // alert firing for ever; an undelivered "firing" is stale once this one is sent.
    for (OutboxMessage older : waiting.apply(g.receiver(), hash(g.key()))) {
      for (Alert a : older.alerts()) {
        if (a.state() == AlertState.RESOLVED && reported.add(a.fingerprint())) {
          alerts.add(a);
        }
      }
    }
    AlertsConfig.Receiver receiver = receivers.get(g.receiver());
    String groupKey = "{}:" + g.groupLabels();
    var batch = new Payloads.Batch(g.receiver(), groupKey, g.groupLabels(), alerts, externalUrl);
    String body = Payloads.body(receiver.kind(), batch);
    // Due at once whatever the delivery clock says: evaluation time need not be wall time.
    return new OutboxMessage(
        UUID.randomUUID().toString(),
        g.receiver(),
        hash(g.key()),
        body,
        now,
        0,
        Instant.EPOCH,
        null,
        alerts);
  }

  static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
