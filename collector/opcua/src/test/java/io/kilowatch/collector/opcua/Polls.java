package io.kilowatch.collector.opcua;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Bounded waits for values that arrive by subscription. */
final class Polls {
  private Polls() {}

  /**
   * Polls every 20 ms, collecting samples, until {@code done} holds for everything collected or
   * {@code max} has passed; failed polls are retried until the deadline too.
   */
  static List<Sample> until(DeviceCollector c, Duration max, Predicate<List<Sample>> done)
      throws InterruptedException {
    var all = new ArrayList<Sample>();
    long deadline = System.nanoTime() + max.toNanos();
    while (true) {
      try {
        all.addAll(c.poll());
      } catch (Exception e) {
        // not up yet: keep trying until the deadline
      }
      if (done.test(all) || System.nanoTime() > deadline) {
        return all;
      }
      Thread.sleep(20);
    }
  }

  /**
   * The samples of the first poll that does not fail with "still connecting" (sessions open in the
   * background, which takes seconds in a cold JVM), waiting at most 10 s.
   */
  static List<Sample> once(DeviceCollector c) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try {
        return c.poll();
      } catch (java.io.IOException e) {
        if (!stillConnecting(e) || System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.sleep(20);
    }
  }

  /** The first failure of a poll other than "still connecting", or null if a poll succeeded. */
  static Exception failure(DeviceCollector c) throws InterruptedException {
    try {
      once(c);
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  private static boolean stillConnecting(Exception e) {
    return e.getMessage() != null && e.getMessage().startsWith("still connecting");
  }

  /** Whether some sample of that quality carries {@code field}. */
  static boolean has(List<Sample> samples, String field, Quality q) {
    return samples.stream().anyMatch(s -> s.quality() == q && s.fields().containsKey(field));
  }

  static boolean has(List<Sample> samples, String field, double value) {
    return samples.stream()
        .anyMatch(
            s -> s.quality() != Quality.BAD && Double.valueOf(value).equals(s.fields().get(field)));
  }

  /** The fields of every sample of that quality, merged. */
  static Map<String, Double> fields(List<Sample> samples, Quality q) {
    var out = new java.util.TreeMap<String, Double>();
    samples.stream().filter(s -> s.quality() == q).forEach(s -> out.putAll(s.fields()));
    return out;
  }

  /** Every value of {@code field}, in arrival order. */
  static List<Double> values(List<Sample> samples, String field) {
    return samples.stream()
        .map(Sample::fields)
        .filter(f -> f.containsKey(field))
        .map(f -> f.get(field))
        .toList();
  }
}
