package io.kilowatch.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outages of what kilowatch depends on, on the soak's clock: the alert receiver, the grid-intensity
 * API and (with InfluxDB) the store. Each window takes its part down at its start and brings it
 * back at its end, and remembers when that actually happened for the report.
 */
final class Outages implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Outages.class);

  /** One part down from {@code from} to {@code to} after the soak starts. */
  record Window(String what, Duration from, Duration to) {
    Duration length() {
      return to.minus(from);
    }
  }

  /** What happened: the window, and when the part went down and came back (null if it did not). */
  record Happened(Window window, Instant down, Instant up, String error) {}

  private final ScheduledExecutorService clock =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("soak-outages").daemon().unstarted(r));
  private final List<Happened> happened = new ArrayList<>();

  /** A part that can be taken down and brought back. */
  interface Part {
    void down() throws Exception;

    void up() throws Exception;
  }

  void schedule(Window w, Part part) {
    int index;
    synchronized (this) {
      index = happened.size();
      happened.add(new Happened(w, null, null, null));
    }
    clock.schedule(
        () -> {
          try {
            part.down();
            record(index, h -> new Happened(w, Instant.now(), null, null));
            log.info("soak: {} down for {}s", w.what(), w.length().toSeconds());
          } catch (Exception e) {
            record(index, h -> new Happened(w, h.down(), h.up(), "down: " + e));
          }
        },
        w.from().toMillis(),
        TimeUnit.MILLISECONDS);
    clock.schedule(
        () -> {
          try {
            part.up();
            record(index, h -> new Happened(w, h.down(), Instant.now(), h.error()));
            log.info("soak: {} back", w.what());
          } catch (Exception e) {
            record(index, h -> new Happened(w, h.down(), h.up(), "up: " + e));
          }
        },
        w.to().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private synchronized void record(int index, java.util.function.UnaryOperator<Happened> change) {
    happened.set(index, change.apply(happened.get(index)));
  }

  synchronized List<Happened> happened() {
    return List.copyOf(happened);
  }

  /** Whether {@code what} is inside one of its windows right now. */
  synchronized boolean isDown(String what) {
    return happened.stream()
        .anyMatch(h -> h.window().what().equals(what) && h.down() != null && h.up() == null);
  }

  @Override
  public void close() {
    clock.shutdownNow();
  }
}
