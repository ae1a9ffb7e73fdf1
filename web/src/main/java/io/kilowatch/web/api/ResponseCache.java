package io.kilowatch.web.api;

import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers identical read requests that arrive within a short time from one computation.
 *
 * <p>A wall of screens showing the same overview asks the same question every tick; each answer
 * would otherwise cost several store queries. Requests for the same URL while one is being computed
 * wait for it instead of starting their own (no thundering herd), and an answer is reused for
 * {@code ttl}, shorter than any poll interval, so nothing is older than a tick. Errors are never
 * cached.
 */
public final class ResponseCache {
  private static final int SWEEP_AT = 1_000;

  private final Duration ttl;

  /**
   * Expiry counts on the monotonic clock: a wall clock stepped back by NTP must not keep answers
   * "fresh" for the size of the step.
   */
  private static final InstantSource MONOTONIC =
      new InstantSource() {
        private final long origin = System.nanoTime();

        @Override
        public java.time.Instant instant() {
          return java.time.Instant.EPOCH.plusNanos(System.nanoTime() - origin);
        }
      };

  private final InstantSource time;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  public ResponseCache(Duration ttl) {
    this(ttl, MONOTONIC);
  }

  /** With {@code time} telling when answers expire (tests pass a manual clock). */
  public ResponseCache(Duration ttl, InstantSource time) {
    this.ttl = ttl;
    this.time = time;
  }

  private record Entry(Instant expires, CompletableFuture<String> json) {
    boolean freshAt(Instant now) {
      return expires.isAfter(now);
    }
  }

  /** Sends the JSON for this request, computing {@code body} only when no fresh answer exists. */
  public void respond(Context ctx, Callable<Object> body) throws Exception {
    String key = ctx.method().name() + " " + ctx.fullUrl();
    Instant now = time.instant();
    var mine = new CompletableFuture<String>();
    Entry entry =
        entries.compute(
            key,
            (k, old) -> old != null && old.freshAt(now) ? old : new Entry(now.plus(ttl), mine));
    if (entry.json() == mine) {
      try {
        mine.complete(ctx.jsonMapper().toJsonString(body.call(), Object.class));
      } catch (Exception | Error e) {
        entries.remove(key, entry);
        mine.completeExceptionally(e);
        throw e;
      }
      if (entries.size() > SWEEP_AT) {
        Instant sweep = time.instant();
        entries.values().removeIf(e -> !e.freshAt(sweep));
      }
    }
    String json;
    try {
      json = entry.json().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
    ctx.contentType("application/json").result(json);
  }
}
