package io.kilowatch.collector.opcua;

import static org.awaitility.Awaitility.await;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/** Bounded waits for values that arrive by subscription. */
final class Polls {
  private static final Duration POLL = Duration.ofMillis(20);

  private Polls() {}

  /**
   * Polls every 20 ms, collecting samples, until {@code done} holds for everything collected or
   * {@code max} has passed; failed polls are retried until then too. Returns what was collected
   * either way: the caller's assertions on it say more than a timeout would.
   */
  static List<Sample> until(DeviceCollector c, Duration max, Predicate<List<Sample>> done)
      throws InterruptedException {
    var all = new ArrayList<Sample>();
    try {
      await()
          .atMost(max)
          .pollDelay(Duration.ZERO)
          .pollInterval(POLL)
          .pollInSameThread()
          .until(
              () -> {
                try {
                  all.addAll(c.poll());
                } catch (Exception e) {
                  // not up yet: keep trying until max
                }
                return done.test(all);
              });
    } catch (ConditionTimeoutException e) {
      // the caller asserts on what did arrive
    }
    return all;
  }

  /**
   * The samples of the first poll made with a session: polls while the first session opens (in the
   * background, which takes seconds in a cold JVM) return nothing or fail with "still connecting",
   * and are retried for at most 10 s; any other failure, or "still connecting" after 10 s, is
   * thrown as the poll threw it.
   */
  static List<Sample> once(DeviceCollector c) throws Exception {
    try {
      return await()
          .atMost(Duration.ofSeconds(10))
          .pollDelay(Duration.ZERO)
          .pollInterval(POLL)
          .pollInSameThread()
          .ignoreExceptionsMatching(Polls::stillConnecting)
          .until(c::poll, samples -> !c.connecting());
    } catch (ConditionTimeoutException e) {
      if (e.getCause() instanceof Exception last) {
        throw last;
      }
      throw e;
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

  private static boolean stillConnecting(Throwable e) {
    return e instanceof IOException
        && e.getMessage() != null
        && e.getMessage().startsWith("still connecting");
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

  /**
   * The values with runs of one value collapsed: what changed. A live subscription hands every
   * point's last value over again at each poll, so a deadband shows in the changes, not the count.
   */
  static List<Double> changes(List<Double> values) {
    var out = new ArrayList<Double>();
    for (Double v : values) {
      if (out.isEmpty() || !out.getLast().equals(v)) {
        out.add(v);
      }
    }
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
