package io.kilowatch.store.embedded;

import static io.kilowatch.store.embedded.RunChecks.assertSources;
import static io.kilowatch.store.embedded.RunChecks.check;
import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Run;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.RunChecks.Reading;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runs} answers the same readings whichever source holds them: raw points, minute bins or
 * hour bins. Energy over a period is built from these runs, so a bin that summarised its readings
 * differently from the readings themselves would change an audited figure once raw data expires.
 */
class EmbeddedStoreRunsTest {
  private static final long MINUTE = 60_000;
  private static final long HOUR = 3_600_000;
  private static final long DAY = 24 * HOUR;
  private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
  private static final SeriesQuery ALL = SeriesQuery.of("", null);

  private static final SeriesKey GPU = SeriesKey.of("gpu", Map.of("gpu", "g1"), "power_w");
  private static final SeriesKey PDU = SeriesKey.of("pdu", Map.of("rack", "r1"), "power_w");
  private static final SeriesKey METER = SeriesKey.of("meter", Map.of("id", "m1"), "energy_kwh");
  private static final SeriesKey OLD = SeriesKey.of("meter", Map.of("id", "m0"), "energy_kwh");

  @TempDir Path dir;
  private EmbeddedStore store;

  private final List<Sample> written = new ArrayList<>();
  private final Map<SeriesKey, List<Reading>> good = new LinkedHashMap<>();

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  private void add(SeriesKey key, long t, double v, Quality q) {
    written.add(
        new Sample(
            Instant.ofEpochMilli(t),
            key.measurement(),
            new TreeMap<>(key.tags()),
            new TreeMap<>(Map.of(key.field(), v)),
            q));
    if (q.code() <= Quality.UNCERTAIN.code() && Double.isFinite(v)) {
      good.computeIfAbsent(key, k -> new ArrayList<>()).add(new Reading(t, v));
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /**
   * Three days of: a GPU's power at irregular times with gaps of minutes and hours, bad, uncertain
   * and NaN readings; a PDU every 10 s (equal pairs, so ties for the longest); a counter with
   * resets and a gap of 2.6 days; a counter with two readings 100 days back and two after.
   */
  private void scenario() {
    var rnd = new Random(42);
    for (long t = T0; t < T0 + 3 * DAY; ) {
      double p = rnd.nextDouble();
      Quality q =
          p < 0.03
              ? Quality.BAD
              : p < 0.08 ? Quality.UNCERTAIN : p < 0.09 ? Quality.STALE : Quality.GOOD;
      add(GPU, t, p > 0.995 ? Double.NaN : round(200 + 500 * rnd.nextDouble()), q);
      double g = rnd.nextDouble();
      t +=
          g < 0.85
              ? 1_000 + rnd.nextInt(29_000)
              : g < 0.95
                  ? 31_000 + rnd.nextInt(270_000)
                  : g < 0.99
                      ? 5 * MINUTE + rnd.nextInt(35 * 60_000)
                      : HOUR + rnd.nextLong(3 * HOUR);
    }
    for (long t = T0; t < T0 + 3 * DAY; t += 10_000) {
      double v = round(1000 + 300 * Math.sin(t / 3.6e6) + 20 * rnd.nextDouble());
      add(PDU, t, v, rnd.nextDouble() < 0.05 ? Quality.UNCERTAIN : Quality.GOOD);
    }
    double counter = 1000;
    for (long t = T0 + 17; t < T0 + 3 * DAY; t += 30_000 + rnd.nextInt(60_000)) {
      if (t > T0 + 6 * HOUR && t < T0 + 2 * DAY + 20 * HOUR) {
        continue;
      }
      counter =
          rnd.nextDouble() < 0.01 ? round(rnd.nextDouble()) : round(counter + rnd.nextDouble());
      add(METER, t, counter, rnd.nextDouble() < 0.02 ? Quality.BAD : Quality.GOOD);
    }
    add(OLD, T0 - 100 * DAY, 5, Quality.GOOD);
    add(OLD, T0 - 100 * DAY + 30_000, 6, Quality.GOOD);
    add(OLD, T0 + 2 * DAY + 3 * HOUR, 7.5, Quality.GOOD);
    add(OLD, T0 + 2 * DAY + 3 * HOUR + 40_000, 7.7, Quality.GOOD);
  }

  private void writeInTimeOrder() {
    var sorted = new ArrayList<>(written);
    sorted.sort(Comparator.comparing(Sample::time));
    for (int i = 0; i < sorted.size(); i += 5_000) {
      store.write(sorted.subList(i, Math.min(sorted.size(), i + 5_000)));
    }
  }

  private static List<long[]> alignedRanges() {
    var ranges =
        new ArrayList<>(
            List.of(
                new long[] {T0 - 200 * DAY, T0 + 4 * DAY},
                new long[] {T0 + 6 * HOUR, T0 + 30 * HOUR},
                new long[] {T0 + DAY + 12 * HOUR, T0 + 2 * DAY + 12 * HOUR},
                // Inside the counter's gap: its neighbours are 18 h before and 1 d 19 h after.
                new long[] {T0 + DAY, T0 + DAY + HOUR},
                new long[] {T0, T0 + DAY},
                new long[] {T0 + 2 * DAY + 12 * HOUR, T0 + 3 * DAY},
                new long[] {T0 + 3 * DAY, T0 + 5 * DAY},
                new long[] {T0 - 2 * DAY, T0}));
    var rnd = new Random(7);
    for (int i = 0; i < 8; i++) {
      long a = T0 - DAY + rnd.nextLong(5 * DAY) / HOUR * HOUR;
      ranges.add(new long[] {a, a + HOUR * (1 + rnd.nextInt(40))});
    }
    return ranges;
  }

  private static List<long[]> unalignedRanges() {
    var ranges = new ArrayList<long[]>();
    var rnd = new Random(11);
    for (int i = 0; i < 12; i++) {
      long a = T0 - DAY + rnd.nextLong(5 * DAY);
      ranges.add(new long[] {a, a + 1 + rnd.nextLong(i % 3 == 0 ? 10 * MINUTE : 30 * HOUR)});
    }
    return ranges;
  }

  private void checkAll(long minuteHorizon, long rawHorizon) {
    boolean sawHourSpan = false;
    long started = System.nanoTime();
    long inStore = 0;
    for (long[] r : alignedRanges()) {
      long q = System.nanoTime();
      var answer = RunChecks.runs(store, ALL, r[0], r[1]);
      inStore += System.nanoTime() - q;
      assertThat(good.keySet()).containsAll(answer.keySet());
      for (var e : good.entrySet()) {
        check(answer.get(e.getKey()), e.getValue(), r[0], r[1], true);
      }
      sawHourSpan |= assertSources(answer, minuteHorizon, rawHorizon);
    }
    if (minuteHorizon > Long.MIN_VALUE) {
      assertThat(sawHourSpan).as("some hour bin spans more than a minute").isTrue();
    }
    System.out.println(
        "aligned checks "
            + (System.nanoTime() - started) / 1_000_000
            + " ms, in runs() "
            + inStore / 1_000_000
            + " ms");
    started = System.nanoTime();
    for (long[] r : unalignedRanges()) {
      var answer = RunChecks.runs(store, ALL, r[0], r[1]);
      for (var e : good.entrySet()) {
        check(answer.get(e.getKey()), e.getValue(), r[0], r[1], false);
      }
    }
    System.out.println("unaligned checks " + (System.nanoTime() - started) / 1_000_000 + " ms");
  }

  private Map<String, List<SeriesBuckets>> hourAggregates() {
    var out = new TreeMap<String, List<SeriesBuckets>>();
    for (Aggregate a : List.of(Aggregate.MEAN, Aggregate.COUNTER_DELTA, Aggregate.LAST)) {
      out.put(
          a.name(),
          store.aggregate(
              ALL,
              Instant.ofEpochMilli(T0 - DAY),
              Instant.ofEpochMilli(T0 + 4 * DAY),
              Duration.ofHours(1),
              a));
    }
    return out;
  }

  @Test
  void runsSummariseTheSameReadingsFromRawMinuteAndHourSources() {
    store =
        EmbeddedStore.open(
            dir, Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(400), false);
    scenario();
    writeInTimeOrder();

    // Raw only: every run is one reading.
    checkAll(Long.MIN_VALUE, Long.MIN_VALUE);
    var fromRaw = hourAggregates();

    // Hour bins before T0+1d12h, minute bins before T0+2d12h, raw after.
    store.maintain(Instant.ofEpochMilli(T0 + 3 * DAY + 12 * HOUR));
    checkAll(T0 + DAY + 12 * HOUR, T0 + 2 * DAY + 12 * HOUR);

    // Hour bins only; the raw points left are each series' last good reading.
    store.maintain(Instant.ofEpochMilli(T0 + 10 * DAY));
    assertThat(store.pointCount()).isEqualTo(good.size());
    checkAll(T0 + 8 * DAY, T0 + 9 * DAY);
    assertThat(hourAggregates().keySet()).isEqualTo(fromRaw.keySet());
    var now = hourAggregates();
    for (var e : fromRaw.entrySet()) {
      var got = now.get(e.getKey());
      assertThat(got).hasSameSizeAs(e.getValue());
      for (int s = 0; s < got.size(); s++) {
        var want = e.getValue().get(s).buckets();
        var have = got.get(s).buckets();
        assertThat(have).as(e.getKey()).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
          assertThat(have.get(i).count()).isEqualTo(want.get(i).count());
          assertThat(have.get(i).value())
              .as(e.getKey() + " " + got.get(s).key() + " " + want.get(i).start())
              .isCloseTo(
                  want.get(i).value(),
                  org.assertj.core.api.Assertions.within(
                      1e-9 * Math.max(1, Math.abs(want.get(i).value()))));
        }
      }
    }
  }

  @Test
  void aSeriesWithNoRunInRangeIsAnsweredWithItsNeighboursHoweverFarAway() {
    store =
        EmbeddedStore.open(
            dir, Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(400), false);
    add(OLD, T0 - 100 * DAY, 5, Quality.GOOD);
    add(OLD, T0 + 40 * DAY, 9, Quality.GOOD);
    writeInTimeOrder();
    store.maintain(Instant.ofEpochMilli(T0 + 50 * DAY));

    var answer = RunChecks.runs(store, ALL, T0, T0 + DAY);

    assertThat(answer.get(OLD))
        .containsExactly(Run.of(T0 - 100 * DAY, 5), Run.of(T0 + 40 * DAY, 9));
  }
}
