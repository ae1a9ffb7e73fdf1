package io.kilowatch.collector.dcgm;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ends scrapes that passed their deadline by closing their connection, for every scrape of the
 * process from one thread. A socket timeout on each read instead costs a timer per read: scheduled,
 * then cancelled when the answer comes, which at a thousand scrapes a second was a tenth of the
 * collector's CPU. A deadline is kept to within one tick.
 */
final class ScrapeDeadlines {
  static final long TICK_MILLIS = 50;

  private static final Set<KeepAliveGet> IN_FLIGHT = ConcurrentHashMap.newKeySet();

  static {
    Thread.ofPlatform().daemon().name("dcgm-scrape-deadlines").start(ScrapeDeadlines::watch);
  }

  private ScrapeDeadlines() {}

  static void enter(KeepAliveGet get) {
    IN_FLIGHT.add(get);
  }

  static void leave(KeepAliveGet get) {
    IN_FLIGHT.remove(get);
  }

  private static void watch() {
    while (true) {
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
