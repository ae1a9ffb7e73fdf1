package io.kilowatch.web;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds how many analytics and query requests compute at once. Each of them reads the store and
 * computes for up to seconds; a burst of them on all request threads would take every core from the
 * poll loops, the store writer and {@code /api/health}. So at most {@link #permits} run, a few more
 * wait a short while for a turn, and the rest are refused at once with 429, Retry-After and the
 * limit named, rather than queued behind work they would only slow down further.
 *
 * <p>A servlet filter rather than a route wrapper: the permit is released in a {@code finally}
 * around the whole request, whatever the handler throws.
 */
final class QueryGate implements Filter {
  /** The endpoints that read ranges of data and compute on them. */
  static final Set<String> GATED =
      Set.of(
          "/api/query",
          "/api/series",
          "/api/overview",
          "/api/energy",
          "/api/pue",
          "/api/carbon",
          "/api/risk",
          "/api/jobs");

  /** Gated with every path below it ({@code /api/jobs/{id}}). */
  static final String GATED_PREFIX = "/api/jobs/";

  /** How long a request may wait for a turn: about one heavy request's time. */
  static final Duration WAIT = Duration.ofSeconds(5);

  static final Duration RETRY_AFTER = Duration.ofSeconds(2);

  private final int permits;
  private final int maxWaiting;
  private final Semaphore running;
  private final AtomicInteger waiting = new AtomicInteger();

  /**
   * @param permits requests that may compute at once
   * @param maxWaiting requests that may wait for a turn; beyond that, 429 at once
   */
  QueryGate(int permits, int maxWaiting) {
    this.permits = permits;
    this.maxWaiting = maxWaiting;
    this.running = new Semaphore(permits, true);
  }

  /**
   * One request per core but one, at least one: the core left over is the poll loops', the store
   * writer's and {@code /api/health}'s, however many heavy requests arrive.
   */
  static QueryGate forThisMachine() {
    int permits = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    return new QueryGate(permits, 4 * permits + 4);
  }

  int permits() {
    return permits;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest http)
        || !(GATED.contains(http.getRequestURI()) || http.getRequestURI().startsWith(GATED_PREFIX))
        || "OPTIONS".equals(http.getMethod())) {
      chain.doFilter(req, res);
      return;
    }
    if (!enter()) {
      refuse((HttpServletResponse) res);
      return;
    }
    try {
      chain.doFilter(req, res);
    } finally {
      running.release();
    }
  }

  private boolean enter() {
    if (running.tryAcquire()) {
      return true;
    }
    if (waiting.incrementAndGet() > maxWaiting) {
      waiting.decrementAndGet();
      return false;
    }
    try {
      return running.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      waiting.decrementAndGet();
    }
  }

  private void refuse(HttpServletResponse res) throws IOException {
    res.setStatus(429);
    res.setHeader("Retry-After", Long.toString(RETRY_AFTER.toSeconds()));
    res.setContentType("application/json");
    String body =
        "{\"error\":\"too many analytics and query requests at once: "
            + permits
            + " run at a time and "
            + maxWaiting
            + " may wait up to "
            + WAIT.toSeconds()
            + " s; retry after "
            + RETRY_AFTER.toSeconds()
            + " s\",\"limit\":\"queries running at once\",\"max\":"
            + permits
            + "}";
    res.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
  }
}
