package io.kilowatch.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.alerts.AlertEngine;
import io.kilowatch.alerts.Silence;
import io.kilowatch.config.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Alerts and silences: reading needs nothing, changing silences needs a bearer token with the
 * operator (or admin) role.
 */
public final class AlertRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Duration MAX_SILENCE = Duration.ofDays(30);

  private final AlertEngine engine;
  private final Authorizer auth;

  /**
   * @param engine the site's alerting, or {@code null} where none runs (lists are then empty)
   */
  public AlertRoutes(AlertEngine engine, Authorizer auth) {
    this.engine = engine;
    this.auth = auth;
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/alerts", this::alerts);
    routes.get("/api/silences", this::silences);
    routes.post("/api/silences", this::create);
    routes.delete("/api/silences/{id}", this::expire);
  }

  private void alerts(Context ctx) {
    var body = new LinkedHashMap<String, Object>();
    body.put("alerts", engine == null ? List.of() : engine.alerts());
    body.put("history", engine == null ? List.of() : engine.history());
    body.put(
        "rules",
        engine == null ? List.of() : engine.config().rules().stream().map(r -> r.name()).toList());
    body.put("outbox", engine == null ? 0 : engine.outbox().pending().size());
    ctx.json(body);
  }

  private void silences(Context ctx) {
    Instant now = Instant.now();
    List<Map<String, Object>> out = new ArrayList<>();
    if (engine != null) {
      for (Silence s : engine.silences()) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", s.id());
        m.put(
            "state",
            s.activeAt(now) ? "active" : s.startsAt().isAfter(now) ? "pending" : "expired");
        m.put("matchers", s.matchers());
        m.put("startsAt", s.startsAt());
        m.put("endsAt", s.endsAt());
        m.put("createdBy", s.createdBy());
        m.put("comment", s.comment());
        out.add(m);
      }
    }
    ctx.json(out);
  }

  private boolean operator(Context ctx) {
    return Authorizer.operator(auth, ctx);
  }

  private void create(Context ctx) throws Exception {
    if (!operator(ctx)) {
      return;
    }
    if (engine == null) {
      ctx.status(503).json(Map.of("error", "alerting is not running"));
      return;
    }
    JsonNode body;
    try {
      body = JSON.readTree(ctx.body());
    } catch (Exception e) {
      throw new BadRequest("body", "expected a JSON object: " + e.getMessage());
    }
    if (body == null || !body.isObject()) {
      throw new BadRequest("body", "expected a JSON object");
    }
    List<Silence.Matcher> matchers = new ArrayList<>();
    JsonNode ms = body.get("matchers");
    if (ms == null || !ms.isArray() || ms.isEmpty()) {
      throw new BadRequest("matchers", "at least one matcher {name, value} is required");
    }
    for (JsonNode m : ms) {
      if (!m.hasNonNull("name") || !m.hasNonNull("value")) {
        throw new BadRequest("matchers", "every matcher needs name and value");
      }
      try {
        matchers.add(
            new Silence.Matcher(
                m.get("name").asText(),
                m.get("value").asText(),
                m.path("isRegex").asBoolean(false),
                m.path("isEqual").asBoolean(true)));
      } catch (IllegalArgumentException e) {
        throw new BadRequest("matchers", e.getMessage());
      }
    }
    Instant now = Instant.now();
    Instant startsAt = time(body, "startsAt", now);
    Instant endsAt;
    if (body.hasNonNull("duration")) {
      try {
        endsAt = startsAt.plus(Durations.parse(body.get("duration").asText()));
      } catch (IllegalArgumentException e) {
        throw new BadRequest("duration", e.getMessage());
      }
    } else {
      endsAt = time(body, "endsAt", null);
      if (endsAt == null) {
        throw new BadRequest("endsAt", "give endsAt (RFC 3339) or duration (e.g. 2h)");
      }
    }
    if (!endsAt.isAfter(startsAt) || !endsAt.isAfter(now)) {
      throw new BadRequest("endsAt", "must be after startsAt and in the future");
    }
    if (Duration.between(startsAt, endsAt).compareTo(MAX_SILENCE) > 0) {
      throw new BadRequest("endsAt", "a silence lasts at most " + Durations.format(MAX_SILENCE));
    }
    Silence s =
        engine.silence(
            matchers,
            startsAt,
            endsAt,
            body.path("createdBy").asText("api"),
            body.path("comment").asText(""));
    ctx.status(201).json(s);
  }

  private static Instant time(JsonNode body, String key, Instant fallback) {
    if (!body.hasNonNull(key)) {
      return fallback;
    }
    try {
      return Instant.parse(body.get(key).asText());
    } catch (DateTimeParseException e) {
      throw new BadRequest(key, "expected an RFC 3339 time such as 2026-01-01T12:00:00Z");
    }
  }

  private void expire(Context ctx) {
    if (!operator(ctx)) {
      return;
    }
    String id = ctx.pathParam("id");
    Optional<Silence> s = engine == null ? Optional.empty() : engine.expire(id);
    if (s.isEmpty()) {
      ctx.status(404).json(Map.of("error", "no silence " + id.toLowerCase(Locale.ROOT)));
      return;
    }
    ctx.json(s.get());
  }
}
