package io.kilowatch.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Alerting: the rules evaluated against the store, where notifications go and who may silence.
 *
 * @param externalUrl base URL of the dashboard as people reach it, for links in notifications; may
 *     be {@code null} (links are then relative)
 * @param evaluationInterval how often every rule is evaluated
 * @param rules what is checked
 * @param receivers where notifications are delivered
 * @param routes which alerts go to which receiver, grouped how; an alert goes to every route whose
 *     {@code match} it satisfies
 * @param apiTokens bearer tokens (stored as SHA-256 hashes) allowed to change silences
 */
public record AlertsConfig(
    URI externalUrl,
    Duration evaluationInterval,
    List<Rule> rules,
    List<Receiver> receivers,
    List<Route> routes,
    List<ApiToken> apiTokens) {

  public static final Duration DEFAULT_EVALUATION_INTERVAL = Duration.ofSeconds(15);

  /** No rules, no receivers: what a site without an {@code alerts:} section gets. */
  public static final AlertsConfig NONE =
      new AlertsConfig(
          null, DEFAULT_EVALUATION_INTERVAL, List.of(), List.of(), List.of(), List.of());

  public AlertsConfig {
    Objects.requireNonNull(evaluationInterval, "evaluationInterval");
    rules = List.copyOf(rules);
    receivers = List.copyOf(receivers);
    routes = List.copyOf(routes);
    apiTokens = List.copyOf(apiTokens);
  }

  public AlertsConfig withReceivers(List<Receiver> newReceivers, List<Route> newRoutes) {
    return new AlertsConfig(
        externalUrl, evaluationInterval, rules, newReceivers, newRoutes, apiTokens);
  }

  /**
   * One rule. Series are selected by measurement, field and tags; each is reduced over {@code
   * window}; series sharing the {@code by} tags are combined into one alert instance (the worst
   * value wins), or every series is its own instance when {@code by} is empty.
   *
   * @param type what is computed from the series
   * @param threshold the trigger level, compared with {@code op}; for {@code load} a percentage of
   *     the rating
   * @param clear the level at which a firing alert resolves (hysteresis), {@code null} for the
   *     threshold itself
   * @param forDuration how long the condition must hold before the alert fires
   * @param keepFiringFor how long the value must stay past the clear level before a firing alert
   *     resolves: damps a series that flaps across both levels
   * @param per for {@code rate}: the change is expressed per this duration
   * @param rating for {@code load}: the rating (e.g. breaker amperes) the value is a percentage of
   * @param ratingTag for {@code load}: a series tag holding the rating, used when {@code rating} is
   *     absent
   * @param after for {@code absent}: how old the newest reading may be; for {@code device-down}
   *     unused
   */
  public record Rule(
      String name,
      Type type,
      String measurement,
      String field,
      Map<String, String> tags,
      List<String> by,
      Reduce reduce,
      Duration window,
      Op op,
      double threshold,
      Double clear,
      Duration forDuration,
      Duration keepFiringFor,
      Duration per,
      Double rating,
      String ratingTag,
      Duration after,
      String unit,
      Severity severity,
      Map<String, String> labels,
      Map<String, String> annotations) {
    public Rule {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      tags = Map.copyOf(tags);
      by = List.copyOf(by);
      labels = Map.copyOf(labels);
      annotations = Map.copyOf(annotations);
    }

    /** The level at which a firing instance resolves. */
    public double clearLevel() {
      return clear != null ? clear : threshold;
    }
  }

  public enum Type {
    /** The reduced value crosses a level. */
    THRESHOLD,
    /** The change over the window, per {@code per}, crosses a level. */
    RATE,
    /** A series has no good reading newer than {@code after}. */
    ABSENT,
    /** The reduced value as a percentage of a rating (breaker, phase) crosses a level. */
    LOAD,
    /** The poller reports the device down. */
    DEVICE_DOWN
  }

  public enum Reduce {
    MEAN,
    MIN,
    MAX,
    LAST
  }

  public enum Op {
    ABOVE,
    BELOW
  }

  public enum Severity {
    INFO,
    WARNING,
    CRITICAL
  }

  /**
   * A notification target.
   *
   * @param secret HMAC-SHA256 key for the signature headers, normally {@code ${VAR}} from the
   *     environment; {@code null} sends unsigned
   */
  public record Receiver(String name, ReceiverKind kind, URI url, String secret, Duration timeout) {
    public Receiver {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(timeout, "timeout");
    }

    /** Keeps the secret out of logs and API answers. */
    @Override
    public String toString() {
      return "Receiver["
          + name
          + ", "
          + kind
          + ", "
          + url
          + (secret == null ? "" : ", signed")
          + "]";
    }
  }

  public enum ReceiverKind {
    /** Alertmanager v4 webhook payload. */
    WEBHOOK,
    /** Slack incoming-webhook message. */
    SLACK,
    /** Written to the log only. */
    LOG
  }

  /**
   * @param match labels an alert must have, all of them; empty matches every alert
   * @param groupBy labels whose values make up a group; alerts of one group go in one notification
   * @param groupWait how long a new group waits for more alerts before its first notification
   * @param groupInterval how long after a notification a changed group is notified again
   * @param repeatInterval how long after a notification an unchanged firing group is notified again
   */
  public record Route(
      String receiver,
      Map<String, String> match,
      List<String> groupBy,
      Duration groupWait,
      Duration groupInterval,
      Duration repeatInterval) {
    public Route {
      match = Map.copyOf(match);
      groupBy = List.copyOf(groupBy);
    }
  }

  /** A bearer token, stored only as the hex SHA-256 of its text. */
  public record ApiToken(String name, String sha256, Role role) {}

  public enum Role {
    VIEWER,
    OPERATOR,
    ADMIN
  }
}
