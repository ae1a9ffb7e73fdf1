package io.kilowatch.collector.dcgm;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends scrapes that passed their deadline by closing their connection, for every scrape of the
 * process from one thread. A socket timeout on each read instead costs a timer per read: scheduled,
 * then cancelled when the answer comes, which at a thousand scrapes a second was a tenth of the
 * collector's CPU. A deadline is kept to within one tick after the scrape started.
 */
final class ScrapeDeadlines {
  static final long TICK_MILLIS = 50;

  private static final Set<KeepAliveGet> IN_FLIGHT = ConcurrentHashMap.newKeySet();

  /**
   * Whether the watcher is parked with nothing in flight. Polls start on the one-second grid, so
   * scrapes come in bursts and the set is empty most of each second: ticking through those idle
   * stretches too (20 wake-ups a second) cost the watcher 6–7 ms of CPU a second at 25,000 GPUs on
   * a machine where each wake-up is a hypervisor exit, and 0.3 ms a second parked.
   */
  private static volatile boolean idle;

  private static final Thread WATCHER =
      Thread.ofPlatform().daemon().name("dcgm-scrape-deadlines").start(ScrapeDeadlines::watch);

  private ScrapeDeadlines() {}

  static void enter(KeepAliveGet get) {
    IN_FLIGHT.add(get);
    // After the add: a watcher that goes idle after this read sees the scrape in its re-check.
    if (idle) {
      idle = false;
      LockSupport.unpark(WATCHER);
    }
  }

  static void leave(KeepAliveGet get) {
    IN_FLIGHT.remove(get);
  }

  private static void watch() {
    while (true) {
      if (IN_FLIGHT.isEmpty()) {
        idle = true;
        // Re-checked after saying so: a scrape that entered before it saw the flag is seen here.
        while (idle && IN_FLIGHT.isEmpty()) {
          LockSupport.park();
        }
        idle = false;
      }
      try {
        Thread.sleep(TICK_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      for (KeepAliveGet get : IN_FLIGHT) {
        get.expireIfPast(now);
      }
    }
  }
}
