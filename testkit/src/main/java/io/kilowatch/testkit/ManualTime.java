package io.kilowatch.testkit;

import io.kilowatch.time.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A clock and a sleeper that only move when the test says so. Code under test reads {@link
 * #clock()} and sleeps through this object; the test waits until a named thread is asleep here and
 * then moves time on, so a schedule is checked step by step at exact instants, however slow the
 * machine is.
 */
public final class ManualTime implements Sleeper {
  /** How long (real time) a test waits for a thread to fall asleep before it gives up. */
  private static final Duration REAL_WAIT = Duration.ofSeconds(10);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<Thread, Instant> sleepers = new LinkedHashMap<>();
  private Instant now;

  public ManualTime(Instant start) {
    this.now = start;
  }

  /** A UTC clock that reads this time. */
  public Clock clock() {
    return new View(ZoneOffset.UTC);
  }

  public Instant now() {
    lock.lock();
    try {
      return now;
    } finally {
      lock.unlock();
    }
  }

  /** Blocks until the test has moved time to at least now plus {@code duration}. */
  @Override
  public void sleep(Duration duration) throws InterruptedException {
    lock.lock();
    try {
      Instant wake = now.plus(duration);
      if (!now.isBefore(wake)) {
        return;
      }
      Thread me = Thread.currentThread();
      sleepers.put(me, wake);
      changed.signalAll();
      try {
        while (now.isBefore(wake)) {
          changed.await();
        }
      } finally {
        sleepers.remove(me);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Moves time forward by {@code duration}, waking every sleeper that is due. */
  public void advance(Duration duration) {
    lock.lock();
    try {
      advanceTo(now.plus(duration));
    } finally {
      lock.unlock();
    }
  }

  /** Moves time forward to {@code instant} (never back), waking every sleeper that is due. */
  public void advanceTo(Instant instant) {
    lock.lock();
    try {
      if (instant.isAfter(now)) {
        now = instant;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits (in real time, bounded) until the thread named {@code threadName} sleeps here, and
   * returns the instant it sleeps until.
   */
  public Instant awaitSleeping(String threadName) throws InterruptedException {
    lock.lock();
    try {
      long left = REAL_WAIT.toNanos();
      while (true) {
        for (var e : sleepers.entrySet()) {
          // A sleeper already due has been woken and is on its way out: not asleep any more.
          if (e.getKey().getName().equals(threadName) && e.getValue().isAfter(now)) {
            return e.getValue();
          }
        }
        if (left <= 0) {
          throw new AssertionError(
              "thread "
                  + threadName
                  + " did not sleep within "
                  + REAL_WAIT
                  + "; sleeping: "
                  + sleepers.keySet().stream().map(Thread::getName).toList());
        }
        left = changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until the thread named {@code threadName} sleeps here, then moves time to when it wakes;
   * returns that instant.
   */
  public Instant wake(String threadName) throws InterruptedException {
    Instant when = awaitSleeping(threadName);
    advanceTo(when);
    return when;
  }

  /**
   * A sleeper that moves this time forward instead of blocking: for code that sleeps on the test's
   * own thread, where nobody else could move time on.
   */
  public Sleeper advancing() {
    return this::advance;
  }

  /** Sleepers right now, by thread name, for failure messages. */
  @Override
  public String toString() {
    lock.lock();
    try {
      var out = new LinkedHashMap<String, Instant>();
      sleepers.forEach((t, w) -> out.put(t.getName(), w));
      return "ManualTime at " + now + ", sleeping " + out;
    } finally {
      lock.unlock();
    }
  }

  private final class View extends Clock {
    private final ZoneId zone;

    View(ZoneId zone) {
      this.zone = zone;
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return new View(zone);
    }

    @Override
    public Instant instant() {
      return now();
    }
  }
}
