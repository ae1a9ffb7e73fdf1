package io.kilowatch.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kilowatch.config.AlertsConfig;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Notification bodies: Alertmanager v4 webhook JSON and Slack incoming-webhook JSON. */
final class Payloads {
  /** What Alertmanager writes as {@code endsAt} of an alert that is still firing. */
  static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Payloads() {}

  /** One notification of a group: alerts firing now and alerts resolved since the last one. */
  record Batch(
      String receiver,
      String groupKey,
      SortedMap<String, String> groupLabels,
      List<Alert> alerts,
      URI externalUrl) {

    boolean firing() {
      return alerts.stream().anyMatch(a -> a.state() == AlertState.FIRING);
    }

    String status() {
      return firing() ? "firing" : "resolved";
    }
  }

  static String body(AlertsConfig.ReceiverKind kind, Batch batch) {
    return switch (kind) {
      case SLACK -> slack(batch);
      case WEBHOOK, LOG -> alertmanager(batch);
    };
  }

  static String alertmanager(Batch batch) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "4");
    root.put("groupKey", batch.groupKey());
    root.put("truncatedAlerts", 0);
    root.put("status", batch.status());
    root.put("receiver", batch.receiver());
    root.set("groupLabels", JSON.valueToTree(batch.groupLabels()));
    root.set("commonLabels", JSON.valueToTree(common(batch.alerts(), Alert::labels)));
    root.set("commonAnnotations", JSON.valueToTree(common(batch.alerts(), Alert::annotations)));
    root.put("externalURL", Templates.base(batch.externalUrl()));
    ArrayNode alerts = root.putArray("alerts");
    for (Alert a : batch.alerts()) {
      ObjectNode n = alerts.addObject();
      n.put("status", a.state() == AlertState.FIRING ? "firing" : "resolved");
      n.set("labels", JSON.valueToTree(a.labels()));
      n.set("annotations", JSON.valueToTree(a.annotations()));
      n.put("startsAt", time(a.firedAt() != null ? a.firedAt() : a.activeSince()));
      n.put("endsAt", a.resolvedAt() == null ? ZERO_TIME : time(a.resolvedAt()));
      n.put("generatorURL", a.annotations().getOrDefault("dashboard", ""));
      n.put("fingerprint", a.fingerprint());
    }
    return root.toString();
  }

  /** Labels (or annotations) that every alert of the batch shares with the same value. */
  private static SortedMap<String, String> common(
      List<Alert> alerts, java.util.function.Function<Alert, Map<String, String>> of) {
    if (alerts.isEmpty()) {
      return new TreeMap<>();
    }
    SortedMap<String, String> out = new TreeMap<>(of.apply(alerts.getFirst()));
    for (Alert a : alerts) {
      Map<String, String> m = of.apply(a);
      out.entrySet().removeIf(e -> !Objects.equals(e.getValue(), m.get(e.getKey())));
    }
    return out;
  }

  static String slack(Batch batch) {
    List<Alert> firing =
        batch.alerts().stream().filter(a -> a.state() == AlertState.FIRING).toList();
    List<Alert> resolved =
        batch.alerts().stream().filter(a -> a.state() != AlertState.FIRING).toList();
    String groupText =
        batch.groupLabels().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(", "));
    String title =
        (firing.isEmpty() ? "[RESOLVED] " : "[FIRING:" + firing.size() + "] ")
            + (groupText.isEmpty() ? "kilowatch alerts" : groupText);
    ObjectNode root = JSON.createObjectNode();
    root.put("text", title);
    ArrayNode attachments = root.putArray("attachments");
    List<Alert> ordered = new ArrayList<>(firing);
    ordered.addAll(resolved);
    for (Alert a : ordered) {
      boolean isFiring = a.state() == AlertState.FIRING;
      ObjectNode att = attachments.addObject();
      att.put(
          "color",
          !isFiring
              ? "good"
              : "critical".equals(a.labels().get("severity")) ? "danger" : "warning");
      att.put(
          "title",
          (isFiring ? "" : "resolved: ")
              + a.labels().getOrDefault("alertname", a.rule())
              + " · "
              + a.labels().getOrDefault("severity", ""));
      att.put("title_link", a.annotations().getOrDefault("dashboard", ""));
      att.put("text", a.annotations().getOrDefault("summary", ""));
      att.put("fallback", title + ": " + a.annotations().getOrDefault("summary", ""));
    }
    return root.toString();
  }

  private static String time(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t);
  }
}
