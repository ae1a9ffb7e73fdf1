package io.kilowatch.web;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.kilowatch.config.WebConfig;
import io.kilowatch.web.ingest.TokenAuth;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every API request passes before its route: the per-token rate limit and, where the site asks
 * for it, a token for reading. Writes check their own role in their routes.
 *
 * <p>The rate limit is a fixed one-minute window per token (or per client address without one):
 * simple, cheap and enough to stop a runaway script from starving the wall screens.
 */
final class AccessControl {
  /** Health stays open so load balancers and probes need no token. */
  private static final String HEALTH = "/api/health";

  private static final String REPORT_JOBS = "/api/reports/jobs";

  private final WebConfig config;
  private final TokenAuth tokens;
  private final Clock clock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  AccessControl(WebConfig config, TokenAuth tokens, Clock clock) {
    this.config = config;
    this.tokens = tokens;
    this.clock = clock;
  }

  void check(Context ctx) {
    String path = ctx.path();
    if (!path.startsWith("/api/") && !path.equals("/metrics") && !path.equals("/write")) {
      return; // pages and their assets hold no data
    }
    String presented = TokenAuth.presented(ctx.header("Authorization")).orElse(null);
    if (config.rateLimitPerMinute() > 0) {
      String key = presented != null ? "t:" + TokenAuth.sha256Hex(presented) : "a:" + ctx.ip();
      long minute = clock.millis() / 60_000;
      Window w =
          windows.compute(
              key, (k, old) -> old == null || old.minute != minute ? new Window(minute) : old);
      if (w.count.incrementAndGet() > config.rateLimitPerMinute()) {
        long retry = 60 - (clock.millis() / 1000) % 60;
        ctx.header("Retry-After", Long.toString(retry));
        throw new ApiError(
            HttpStatus.TOO_MANY_REQUESTS,
            "more than "
                + config.rateLimitPerMinute()
                + " requests in a minute; retry in "
                + retry
                + " s");
      }
      if (windows.size() > 100_000) {
        windows.entrySet().removeIf(e -> e.getValue().minute != minute);
      }
    }
    // Starting a report job is a POST but only reads data: it needs what a read needs.
    boolean read =
        ctx.method().name().equals("GET")
            || ctx.method().name().equals("POST") && path.equals(REPORT_JOBS);
    if (read && config.readAccess() == WebConfig.ReadAccess.TOKEN && !path.equals(HEALTH)) {
      if (presented == null) {
        ctx.header("WWW-Authenticate", "Bearer");
        throw new ApiError(
            HttpStatus.UNAUTHORIZED,
            "this site needs a token to read: Authorization: Bearer <token>");
      }
      if (tokens.find(presented).isEmpty()) {
        ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        throw new ApiError(HttpStatus.UNAUTHORIZED, "unknown token");
      }
    }
  }

  private static final class Window {
    final long minute;
    final java.util.concurrent.atomic.AtomicInteger count =
        new java.util.concurrent.atomic.AtomicInteger();

    Window(long minute) {
      this.minute = minute;
    }
  }

  /** An answer other than 400 that carries a JSON body with the reason. */
  static final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final HttpStatus status;

    ApiError(HttpStatus status, String message) {
      super(message);
      this.status = status;
    }
  }
}
