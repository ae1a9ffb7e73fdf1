package io.kilowatch.web;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.kilowatch.config.WebConfig;
import io.kilowatch.web.ingest.TokenAuth;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * What every API request passes before its route: the rate limits and, where the site asks for it,
 * a token for reading, or for the event stream a one-use {@link StreamTickets ticket}. Writes check
 * their own role in their routes.
 *
 * <p>The rate limits are fixed one-minute windows, first per client address, then per known token
 * (per address again for requests without one): simple, cheap and enough to stop a runaway script
 * from starving the wall screens. The address comes first, before any token is looked at, and an
 * unknown token gets no window of its own, so a client cannot buy a fresh budget by making up a
 * token for each request.
 */
final class AccessControl {
  /** Health stays open so load balancers and probes need no token. */
  private static final String HEALTH = "/api/health";

  private static final String REPORT_JOBS = "/api/reports/jobs";

  static final String EVENTS = "/api/events";

  static final String EVENTS_TICKET = "/api/events/ticket";

  /** Windows kept before those of past minutes are dropped, so many addresses cannot grow it. */
  private static final int MAX_WINDOWS = 100_000;

  private final WebConfig config;
  private final TokenAuth tokens;
  private final Predicate<String> known;
  private final Clock clock;
  private final StreamTickets tickets;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /**
   * @param known whether a presented token is one the site knows (web or alert tokens): only those
   *     get a window of their own
   */
  AccessControl(
      WebConfig config,
      TokenAuth tokens,
      Predicate<String> known,
      Clock clock,
      StreamTickets tickets) {
    this.config = config;
    this.tokens = tokens;
    this.known = known;
    this.clock = clock;
    this.tickets = tickets;
  }

  void check(Context ctx) {
    String path = ctx.path();
    if (!path.startsWith("/api/") && !path.equals("/metrics") && !path.equals("/write")) {
      return; // pages and their assets hold no data
    }
    if (path.equals(HEALTH)) {
      // Answering costs about what a 429 would, and whoever watches the monitor must hear from it
      // while a burst from the same address is being refused.
      return;
    }
    limit("a:" + ctx.ip(), config.rateLimitPerAddressPerMinute(), "rateLimitPerAddressPerMinute");
    String presented = TokenAuth.presented(ctx.header("Authorization")).orElse(null);
    if (config.rateLimitPerMinute() > 0) {
      // Without a known token the request is the address's own, as before tokens were looked at.
      String key =
          presented != null && known.test(presented)
              ? "t:" + TokenAuth.sha256Hex(presented)
              : "n:" + ctx.ip();
      limit(key, config.rateLimitPerMinute(), "rateLimitPerMinute");
    }
    // Starting a report job or asking for a stream ticket is a POST but only reads data: it needs
    // what a read needs.
    String method = ctx.method().name();
    boolean read =
        method.equals("GET")
            || method.equals("POST") && (path.equals(REPORT_JOBS) || path.equals(EVENTS_TICKET));
    if (read && config.readAccess() == WebConfig.ReadAccess.TOKEN && !path.equals(HEALTH)) {
      String ticket = ctx.queryParam("ticket");
      // The stream alone takes a ticket, since EventSource cannot send the header; nowhere else
      // does one stand in for a token, and never for a write.
      if (presented == null && ticket != null && method.equals("GET") && path.equals(EVENTS)) {
        if (tickets.redeem(ticket)) {
          return;
        }
        throw new ApiError(
            HttpStatus.UNAUTHORIZED,
            "stream ticket is forged, expired or already used: ask POST "
                + EVENTS_TICKET
                + " for a new one",
            Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\""));
      }
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

  /** Counts a request in {@code key}'s window; 429 with {@code Retry-After} beyond {@code max}. */
  private void limit(String key, int max, String name) {
    if (max <= 0) {
      return;
    }
    long millis = clock.millis();
    long minute = millis / 60_000;
    Window w =
        windows.compute(
            key, (k, old) -> old == null || old.minute != minute ? new Window(minute) : old);
    if (w.count.incrementAndGet() > max) {
      long retry = 60 - (millis / 1000) % 60;
      throw new ApiError(
          HttpStatus.TOO_MANY_REQUESTS,
          "more than " + max + " requests in a minute (" + name + "); retry in " + retry + " s",
          Map.of("Retry-After", Long.toString(retry)));
    }
    if (windows.size() > MAX_WINDOWS) {
      windows.entrySet().removeIf(e -> e.getValue().minute != minute);
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
    final Map<String, String> headers;

    ApiError(HttpStatus status, String message) {
      this(status, message, Map.of());
    }

    ApiError(HttpStatus status, String message, Map<String, String> headers) {
      super(message);
      this.status = status;
      this.headers = Map.copyOf(headers);
    }
  }
}
