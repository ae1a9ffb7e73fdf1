package io.kilowatch.time;

import java.time.Duration;

/**
 * How code that waits for time to pass does so. Production passes {@link #SYSTEM}; tests pass a
 * sleeper driven by a manual clock, so schedules run in controlled time and their expectations can
 * be exact instead of millisecond bands.
 */
@FunctionalInterface
public interface Sleeper {
  /** Real sleeping, on the current thread. */
  Sleeper SYSTEM =
      d -> {
        if (d.isPositive()) {
          Thread.sleep(d);
        }
      };

  /**
   * Returns after {@code duration} has passed, at once when it is not positive.
   *
   * @throws InterruptedException when the thread is interrupted while waiting; callers use
   *     interrupts to stop
   */
  void sleep(Duration duration) throws InterruptedException;
}
