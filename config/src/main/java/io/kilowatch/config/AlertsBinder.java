package io.kilowatch.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Binds the {@code alerts:} section: rules, receivers, routes and API tokens. */
final class AlertsBinder {
  static final Set<String> ALERTS_KEYS =
      Set.of("externalUrl", "evaluationInterval", "rules", "receivers", "routes", "apiTokens");
  static final Set<String> RULE_KEYS =
      Set.of(
          "name",
          "type",
          "measurement",
          "field",
          "tags",
          "by",
          "reduce",
          "window",
          "op",
          "threshold",
          "clear",
          "for",
          "keepFiringFor",
          "per",
          "rating",
          "ratingTag",
          "after",
          "unit",
          "severity",
          "labels",
          "annotations");
  static final Set<String> RECEIVER_KEYS = Set.of("name", "kind", "url", "secret", "timeout");
  static final Set<String> ROUTE_KEYS =
      Set.of("receiver", "match", "groupBy", "groupWait", "groupInterval", "repeatInterval");
  static final Set<String> TOKEN_KEYS = Set.of("name", "sha256", "role");

  static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
  static final Duration DEFAULT_RECEIVER_TIMEOUT = Duration.ofSeconds(10);
  static final Duration DEFAULT_GROUP_WAIT = Duration.ofSeconds(30);
  static final Duration DEFAULT_GROUP_INTERVAL = Duration.ofMinutes(5);
  static final Duration DEFAULT_REPEAT_INTERVAL = Duration.ofHours(4);
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  private final Binder binder;
  private final TokenHashes tokenHashes;

  AlertsBinder(Binder binder, TokenHashes tokenHashes) {
    this.tokenHashes = tokenHashes;
    this.binder = binder;
  }

  /** The section, or {@link AlertsConfig#NONE} when the file has none. */
  AlertsConfig alerts(At at) {
    if (at == null) {
      return AlertsConfig.NONE;
    }
    Fields f = binder.fields(at, ALERTS_KEYS);
    if (f == null) {
      return AlertsConfig.NONE;
    }
    URI externalUrl =
        f.has("externalUrl") ? f.requireUri("externalUrl", Set.of("http", "https")) : null;
    Duration every =
        f.optionalDuration("evaluationInterval", AlertsConfig.DEFAULT_EVALUATION_INTERVAL);
    List<AlertsConfig.Rule> rules = new ArrayList<>();
    Set<String> ruleNames = new HashSet<>();
    for (At item : f.list("rules")) {
      AlertsConfig.Rule r = rule(item);
      if (r != null && !ruleNames.add(r.name())) {
        binder.problem(item, "duplicate rule name '" + r.name() + "'");
      } else if (r != null) {
        rules.add(r);
      }
    }
    List<AlertsConfig.Receiver> receivers = new ArrayList<>();
    Set<String> receiverNames = new HashSet<>();
    for (At item : f.list("receivers")) {
      AlertsConfig.Receiver r = receiver(item);
      if (r != null && !receiverNames.add(r.name())) {
        binder.problem(item, "duplicate receiver name '" + r.name() + "'");
      } else if (r != null) {
        receivers.add(r);
      }
    }
    List<AlertsConfig.Route> routes = new ArrayList<>();
    for (At item : f.list("routes")) {
      AlertsConfig.Route r = route(item, receiverNames);
      if (r != null) {
        routes.add(r);
      }
    }
    List<AlertsConfig.ApiToken> tokens = new ArrayList<>();
    for (At item : f.list("apiTokens")) {
      AlertsConfig.ApiToken t = token(item);
      if (t != null) {
        tokens.add(t);
      }
    }
    if (every == null) {
      return AlertsConfig.NONE;
    }
    return new AlertsConfig(externalUrl, every, rules, receivers, routes, tokens);
  }

  private AlertsConfig.Rule rule(At at) {
    Fields f = binder.fields(at, RULE_KEYS);
    if (f == null) {
      return null;
    }
    String name = f.requireId("name");
    AlertsConfig.Type type =
        f.optionalEnum("type", AlertsConfig.Type.class, AlertsConfig.Type.THRESHOLD);
    if (type == null || name == null) {
      return null;
    }
    boolean needsSeries = type != AlertsConfig.Type.DEVICE_DOWN;
    boolean needsThreshold =
        type == AlertsConfig.Type.THRESHOLD
            || type == AlertsConfig.Type.RATE
            || type == AlertsConfig.Type.LOAD;
    String measurement =
        needsSeries ? f.requireString("measurement") : f.optionalString("measurement", null);
    String field = needsSeries ? f.requireString("field") : f.optionalString("field", null);
    Double threshold = null;
    if (needsThreshold) {
      At t = f.require("threshold", "the trigger level, a number");
      threshold = t == null ? null : binder.number(t);
    }
    Double clear = f.has("clear") ? binder.number(f.get("clear")) : null;
    AlertsConfig.Op op = f.optionalEnum("op", AlertsConfig.Op.class, AlertsConfig.Op.ABOVE);
    if (threshold != null && clear != null && op != null) {
      boolean wrongSide = op == AlertsConfig.Op.ABOVE ? clear > threshold : clear < threshold;
      if (wrongSide) {
        binder.problem(
            f.get("clear"),
            "must be on the healthy side of threshold "
                + threshold
                + " (op "
                + Binder.yamlName(op)
                + "), got "
                + clear);
      }
    }
    Double rating = f.has("rating") ? binder.number(f.get("rating")) : null;
    String ratingTag = f.optionalString("ratingTag", null);
    if (type == AlertsConfig.Type.LOAD && rating == null && ratingTag == null) {
      binder.problem(at, "a load rule needs rating (e.g. 32 for a 32 A breaker) or ratingTag");
    }
    if (rating != null && rating <= 0) {
      binder.problem(f.get("rating"), "must be positive, got " + rating);
      rating = null;
    }
    Duration after = f.optionalDuration("after", null);
    if (type == AlertsConfig.Type.ABSENT && after == null && !f.has("after")) {
      binder.problem(at, "an absent rule needs after (how old the newest reading may be, e.g. 1m)");
    }
    List<String> by = new ArrayList<>();
    for (At item : f.list("by")) {
      String tag = binder.text(item);
      if (tag != null) {
        by.add(tag.strip());
      }
    }
    Duration window = f.optionalDuration("window", DEFAULT_WINDOW);
    Duration forDuration = f.has("for") ? zeroOrPositive(f.get("for")) : Duration.ZERO;
    Duration keepFiringFor =
        f.has("keepFiringFor") ? zeroOrPositive(f.get("keepFiringFor")) : Duration.ZERO;
    Duration per = f.optionalDuration("per", Duration.ofMinutes(1));
    AlertsConfig.Reduce reduce =
        f.optionalEnum("reduce", AlertsConfig.Reduce.class, AlertsConfig.Reduce.MEAN);
    AlertsConfig.Severity severity =
        f.optionalEnum("severity", AlertsConfig.Severity.class, AlertsConfig.Severity.WARNING);
    if ((needsThreshold && threshold == null)
        || (needsSeries && (measurement == null || field == null))
        || window == null
        || forDuration == null
        || keepFiringFor == null
        || per == null
        || reduce == null
        || severity == null
        || op == null) {
      return null;
    }
    return new AlertsConfig.Rule(
        name,
        type,
        measurement,
        field,
        f.stringMap("tags"),
        by,
        reduce,
        window,
        op,
        threshold == null ? 0 : threshold,
        clear,
        forDuration,
        keepFiringFor,
        per,
        rating,
        ratingTag,
        after,
        unit(f),
        severity,
        f.stringMap("labels"),
        f.stringMap("annotations"));
  }

  /**
   * The unit a rule's threshold is written in; the series' readings are converted to it before they
   * are compared, so it must be a unit (blank: the series' own).
   */
  private String unit(Fields f) {
    String unit = f.optionalString("unit", "");
    if (unit == null || unit.isBlank()) {
      return "";
    }
    try {
      if (io.kilowatch.config.units.Units.parse(unit).code().equals("%")
          && "load".equals(f.optionalString("type", ""))) {
        binder.problem(
            f.get("unit"),
            "a load rule's unit is that of its series and rating (e.g. A); its threshold is always"
                + " % of the rating");
      }
    } catch (IllegalArgumentException e) {
      binder.problem(f.get("unit"), e.getMessage());
    }
    return unit;
  }

  /** {@code for: 0s} is allowed: fire at the first evaluation that sees the condition. */
  private Duration zeroOrPositive(At at) {
    String text = binder.text(at);
    if (text == null) {
      return null;
    }
    try {
      Duration d = Durations.parse(text);
      if (!d.isNegative()) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    binder.problem(at, "expected a duration such as 0s, 30s or 5m, got " + Binder.shown(at));
    return null;
  }

  private AlertsConfig.Receiver receiver(At at) {
    Fields f = binder.fields(at, RECEIVER_KEYS);
    if (f == null) {
      return null;
    }
    String name = f.requireId("name");
    AlertsConfig.ReceiverKind kind =
        f.optionalEnum("kind", AlertsConfig.ReceiverKind.class, AlertsConfig.ReceiverKind.WEBHOOK);
    URI url = null;
    if (kind != null && kind != AlertsConfig.ReceiverKind.LOG) {
      url = f.requireUri("url", Set.of("http", "https"));
    }
    String secret = f.optionalString("secret", null);
    binder.requireFromEnvironment(f.get("secret"), "secret");
    Duration timeout = f.optionalDuration("timeout", DEFAULT_RECEIVER_TIMEOUT);
    if (name == null || kind == null || timeout == null) {
      return null;
    }
    if (kind != AlertsConfig.ReceiverKind.LOG && url == null) {
      return null;
    }
    return new AlertsConfig.Receiver(name, kind, url, secret, timeout);
  }

  private AlertsConfig.Route route(At at, Set<String> receivers) {
    Fields f = binder.fields(at, ROUTE_KEYS);
    if (f == null) {
      return null;
    }
    String receiver = f.requireString("receiver");
    if (receiver != null && !receivers.contains(receiver)) {
      binder.problem(
          f.get("receiver"),
          "unknown receiver '"
              + receiver
              + "'; receivers: "
              + (receivers.isEmpty()
                  ? "(none)"
                  : String.join(", ", receivers.stream().sorted().toList())));
      return null;
    }
    List<String> groupBy = new ArrayList<>();
    for (At item : f.list("groupBy")) {
      String label = binder.text(item);
      if (label != null) {
        groupBy.add(label.strip());
      }
    }
    Map<String, String> match = f.stringMap("match");
    Duration wait = f.has("groupWait") ? zeroOrPositive(f.get("groupWait")) : DEFAULT_GROUP_WAIT;
    Duration interval = f.optionalDuration("groupInterval", DEFAULT_GROUP_INTERVAL);
    Duration repeat = f.optionalDuration("repeatInterval", DEFAULT_REPEAT_INTERVAL);
    if (receiver == null || wait == null || interval == null || repeat == null) {
      return null;
    }
    return new AlertsConfig.Route(receiver, match, groupBy, wait, interval, repeat);
  }

  private AlertsConfig.ApiToken token(At at) {
    Fields f = binder.fields(at, TOKEN_KEYS);
    if (f == null) {
      return null;
    }
    String name = f.requireString("name");
    String hash = f.requireString("sha256");
    if (hash != null && !SHA256_HEX.matcher(hash.strip().toLowerCase(Locale.ROOT)).matches()) {
      binder.problem(
          f.get("sha256"),
          "expected 64 hex digits (sha256sum of the token), got "
              + hash.strip().length()
              + " characters");
      hash = null;
    }
    AlertsConfig.Role role = f.requireEnum("role", AlertsConfig.Role.class);
    if (hash != null) {
      tokenHashes.register(hash, name, f.get("sha256"));
    }
    if (name == null || hash == null || role == null) {
      return null;
    }
    return new AlertsConfig.ApiToken(name, hash.strip().toLowerCase(Locale.ROOT), role);
  }
}
