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
