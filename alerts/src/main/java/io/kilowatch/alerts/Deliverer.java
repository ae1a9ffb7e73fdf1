package io.kilowatch.alerts;

import io.kilowatch.config.AlertsConfig;
import io.kilowatch.config.Wording;
import io.kilowatch.time.Sleeper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends outbox messages, oldest first, on one virtual thread. A 2xx removes the message; a timeout,
 * connection failure or 5xx (and 408/429) schedules a retry with exponential backoff and jitter;
 * any other 4xx is a configuration error: logged and the message set aside, as retrying cannot
 * help. Each receiver has a {@link CircuitBreaker}: while it is open its notifications wait in the
 * outbox untried.
 */
final class Deliverer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Deliverer.class);
  private static final Duration RECHECK_WAIT = Duration.ofSeconds(1);
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  private final Outbox outbox;
  private final Map<String, AlertsConfig.Receiver> receivers;
  private final DeliveryOptions options;
  private final Clock clock;
  private final Sleeper sleeper;
  // Only where a receiver sends over HTTP: the client's selector thread wakes every few seconds for
  // as long as it exists, which a site without webhook receivers need not pay for. Made up front,
  // not at the first send, so that a first attempt is not slowed by it.
  private final HttpClient http;
  private final Map<String, CircuitBreaker> breakers = new java.util.HashMap<>();
  private final Map<String, Tally> results = new java.util.HashMap<>();

  private record Tally(AtomicLong delivered, AtomicLong failed) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean poked;
  private volatile boolean running;
  private Thread thread;

  Deliverer(
      Outbox outbox,
      Map<String, AlertsConfig.Receiver> receivers,
      DeliveryOptions options,
      Clock clock,
      Sleeper sleeper) {
    this.outbox = outbox;
    this.receivers = Map.copyOf(receivers);
    this.options = options;
    this.clock = clock;
    this.sleeper = sleeper;
    for (String name : receivers.keySet()) {
      breakers.put(name, new CircuitBreaker(options.breakerFailures(), options.breakerCoolDown()));
      results.put(name, new Tally(new AtomicLong(), new AtomicLong()));
    }
    boolean sendsOverHttp =
        this.receivers.values().stream().anyMatch(r -> r.kind() != AlertsConfig.ReceiverKind.LOG);
    this.http =
        sendsOverHttp
            ? HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build()
            : null;
  }

  /** Whether there is an HTTP client (for tests: only webhook receivers make one). */
  boolean httpClientMade() {
    return http != null;
  }

  private void closeHttp() {
    if (http != null) {
      http.close();
    }
  }

  synchronized void start() {
    running = true;
    thread = Thread.ofVirtual().name("alert-delivery").start(this::loop);
  }

  /** Asks the loop to look at the outbox now (a message was just added). */
  void poke() {
    lock.lock();
    try {
      poked = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    while (running) {
      // When the next message is due; null while none waits, when only a poke ends the wait.
      Instant next = null;
      try {
        for (OutboxMessage m : outbox.pending()) {
          if (!running) {
            return;
          }
          Instant now = clock.instant();
          if (m.nextAttemptAt().isAfter(now)) {
            next = earlier(next, m.nextAttemptAt());
            continue;
          }
          if (!outbox.isWaiting(m.id())) {
            continue; // superseded since the list was read
          }
          CircuitBreaker breaker = breakers.get(m.receiver());
          if (breaker != null && !breaker.allows(now)) {
            Instant until = breaker.openUntil();
            // Half-open only while its probe is out, which this thread sends: look again later.
            next = earlier(next, until.isAfter(now) ? until : now.plus(RECHECK_WAIT));
            continue;
          }
          OutboxMessage after = attempt(m);
          if (breaker != null && breaker.state() == CircuitBreaker.State.CLOSED && after == null) {
            // The receiver may just have recovered and its other messages been made due.
            next = clock.instant();
          }
          if (after != null) {
            next = earlier(next, after.nextAttemptAt());
          }
        }
      } catch (RuntimeException e) {
        log.error("alert delivery loop failed; retrying in {}", RECHECK_WAIT, e);
        next = clock.instant().plus(RECHECK_WAIT);
      }
      if (!sleepUntil(next)) {
        return;
      }
    }
  }

  private static Instant earlier(Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }

  /**
   * Waits until {@code next}, or until poked; with nothing waiting ({@code next} null) only a poke
   * ends the wait. An idle loop then wakes for nothing: every message enters the outbox with a
   * poke, and a timed wake with nothing to send is CPU spent for nothing (bench/README.md,
   * "Wake-ups").
   */
  private boolean sleepUntil(Instant next) {
    if (next == null) {
      return awaitPoke(null);
    }
    Duration wait = Duration.between(clock.instant(), next);
    if (!wait.isPositive()) {
      return true;
    }
    // A message waiting is looked at again at least every RECHECK_WAIT, as before.
    Duration nap = wait.compareTo(RECHECK_WAIT) < 0 ? wait : RECHECK_WAIT;
    // A sleeper cannot be woken early, so it sleeps on a thread of its own and pokes when done:
    // whichever comes first, that or a new message, ends the wait.
    Thread timer =
        Thread.ofVirtual()
            .name("alert-delivery-timer")
            .start(
                () -> {
                  try {
                    sleeper.sleep(nap);
                    poke();
                  } catch (InterruptedException e) {
                    // the wait ended first
                  }
                });
    return awaitPoke(timer);
  }

  /** Waits for a poke (a new message, or {@code timer}'s, which is stopped after). */
  private boolean awaitPoke(Thread timer) {
    lock.lock();
    try {
      while (!poked) {
        wake.await();
      }
      poked = false;
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
      if (timer != null) {
        timer.interrupt();
      }
    }
  }

  /** One attempt; returns the message as rescheduled, or {@code null} when it is done with. */
  OutboxMessage attempt(OutboxMessage m) {
    AlertsConfig.Receiver receiver = receivers.get(m.receiver());
    if (receiver == null) {
      log.error(
          "alert notification {} is for receiver '{}', which is no longer configured; set aside",
          m.id(),
          m.receiver());
      outbox.fail(m.retryAt(clock.instant(), "receiver not configured"));
      return null;
    }
    if (receiver.kind() == AlertsConfig.ReceiverKind.LOG) {
      log.info("alert notification to {}: {}", receiver.name(), m.body());
      outbox.remove(m);
      return null;
    }
    String error;
    try {
      HttpResponse<String> r =
          http.send(request(receiver, m), HttpResponse.BodyHandlers.ofString());
      int status = r.statusCode();
      if (status < 500 && status != 408 && status != 429) {
        answered(receiver.name());
      }
      if (status >= 200 && status < 300) {
        results.get(receiver.name()).delivered().incrementAndGet();
        if (m.attempts() > 0) {
          log.info(
              "alert notification {} delivered to {} after {} failed attempts",
              m.id(),
              receiver.name(),
              m.attempts());
        }
        outbox.remove(m);
        return null;
      }
      results.get(receiver.name()).failed().incrementAndGet();
      if (status >= 400 && status < 500 && status != 408 && status != 429) {
        log.error(
            "receiver {} refused alert notification {} with HTTP {}: a configuration error (URL,"
                + " secret or payload kind); not retried. Body: {}",
            receiver.name(),
            m.id(),
            status,
            abbreviate(r.body()));
        outbox.fail(m.retryAt(clock.instant(), "HTTP " + status));
        return null;
      }
      error = "HTTP " + status;
    } catch (HttpTimeoutException e) {
      error = "timeout after " + Wording.duration(receiver.timeout());
      results.get(receiver.name()).failed().incrementAndGet();
    } catch (IOException e) {
      error = e.toString();
      results.get(receiver.name()).failed().incrementAndGet();
    } catch (RuntimeException e) {
      // The request could not be made (a URL the client refuses): a failed attempt like any other,
      // so that the breaker, if this was its probe,
      // opens again rather than stay half-open with no answer to wait for.
      error = e.toString();
      results.get(receiver.name()).failed().incrementAndGet();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return m;
    }
    Instant now = clock.instant();
    if (breakers.get(receiver.name()).failed(now)) {
      log.warn(
          "receiver {} failed {} times in a row ({}); circuit breaker open: nothing is sent to it"
              + " for {}, then one probe; its notifications wait in the outbox",
          receiver.name(),
          options.breakerFailures(),
          error,
          options.breakerCoolDown());
    }
    if (Duration.between(m.createdAt(), now).compareTo(options.maxAge()) > 0) {
      log.error(
          "alert notification {} to {} undelivered for {}; giving up: {}",
          m.id(),
          receiver.name(),
          options.maxAge(),
          error);
      outbox.fail(m.retryAt(now, error));
      return null;
    }
    Duration wait = options.backoff(m.attempts() + 1, ThreadLocalRandom.current().nextDouble());
    OutboxMessage retry = m.retryAt(now.plus(wait), error);
    if (!outbox.reschedule(retry)) {
      return null; // superseded by a newer notification of its group while this attempt ran
    }
    log.warn(
        "alert notification {} to {} failed ({}), attempt {}; retry in {} ms",
        m.id(),
        receiver.name(),
        error,
        retry.attempts(),
        wait.toMillis());
    return retry;
  }

  /** The receiver answered (2xx, or a 4xx that is not about load): it is reachable. */
  private void answered(String receiver) {
    if (breakers.get(receiver).succeeded()) {
      log.info("receiver {} answers again; circuit breaker closed", receiver);
      outbox.expedite(receiver, clock.instant());
    }
  }

  /** One receiver's delivery results since start, and its breaker now. */
  record ReceiverResults(long delivered, long failed, CircuitBreaker.State breaker) {}

  /** By receiver name, for every configured receiver. */
  Map<String, ReceiverResults> results() {
    Map<String, ReceiverResults> out = new java.util.TreeMap<>();
    results.forEach(
        (name, r) ->
            out.put(
                name,
                new ReceiverResults(
                    r.delivered().get(), r.failed().get(), breakers.get(name).state())));
    return out;
  }

  private HttpRequest request(AlertsConfig.Receiver receiver, OutboxMessage m) {
    long timestamp = clock.instant().getEpochSecond();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(receiver.url())
            .timeout(receiver.timeout())
            .header("Content-Type", "application/json")
            .header("User-Agent", "kilowatch")
            .header(Signatures.IDEMPOTENCY_HEADER, m.id())
            .header(Signatures.TIMESTAMP_HEADER, Long.toString(timestamp))
            .POST(HttpRequest.BodyPublishers.ofString(m.body()));
    if (receiver.secret() != null) {
      b.header(
          Signatures.SIGNATURE_HEADER, Signatures.sign(receiver.secret(), timestamp, m.body()));
    }
    return b.build();
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      running = false;
      t = thread;
    }
    if (t == null) {
      closeHttp();
      return;
    }
    t.interrupt();
    try {
      if (!t.join(STOP_WAIT)) {
        log.warn("alert delivery did not stop within {}", STOP_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeHttp();
  }
}
