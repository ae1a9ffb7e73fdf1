package io.kilowatch.store.embedded;

import static io.kilowatch.store.embedded.RunChecks.check;

import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.RunChecks.Reading;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;

/**
 * Whatever the readings (bursts milliseconds apart, gaps of hours, flat stretches, drops), the
 * minute and hour bins that replace them answer the same figures as the readings themselves.
 */
class EmbeddedStoreRunsPropertyTest {
  private static final long MINUTE = 60_000;
  private static final long HOUR = 3_600_000;
  private static final long DAY = 24 * HOUR;
  private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
  private static final SeriesKey KEY = SeriesKey.of("gpu", Map.of("gpu", "g1"), "power_w");
  private static final SeriesQuery ALL = SeriesQuery.of("", null);

  /** A reading's distance from the one before it, and its value (bad ones are noise between). */
  record Step(long gap, double value, boolean bad) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Long> gap =
        Arbitraries.frequencyOf(
            Tuple.of(5, Arbitraries.longs().between(1, 2_000)),
            Tuple.of(5, Arbitraries.longs().between(1_000, 60_000)),
            Tuple.of(2, Arbitraries.longs().between(MINUTE, 30 * MINUTE)),
            Tuple.of(1, Arbitraries.longs().between(30 * MINUTE, 3 * HOUR)));
    Arbitrary<Double> value =
        Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.just(100.0)),
            Tuple.of(4, Arbitraries.doubles().between(-100, 2_000).ofScale(3)));
    Arbitrary<Boolean> bad = Arbitraries.integers().between(0, 9).map(i -> i == 0);
    return Combinators.combine(gap, value, bad).as(Step::new).list().ofMinSize(1).ofMaxSize(300);
  }

  @Property(tries = 20)
  void minuteAndHourBinsAnswerLikeTheReadingsTheyReplace(
      @ForAll("steps") List<Step> steps,
      @ForAll @LongRange(min = 0, max = HOUR) long start,
      @ForAll @LongRange(min = 0, max = 2 * DAY) long cutFrom,
      @ForAll @LongRange(min = 1, max = DAY) long cutLength)
      throws IOException {
    var samples = new ArrayList<Sample>();
    var good = new ArrayList<Reading>();
    long t = T0 + start;
    for (Step s : steps) {
      t += s.gap();
      if (t >= T0 + 2 * DAY) {
        break;
      }
      samples.add(
          new Sample(
              Instant.ofEpochMilli(t),
              KEY.measurement(),
              new TreeMap<>(KEY.tags()),
              new TreeMap<>(Map.of(KEY.field(), s.value())),
              s.bad() ? Quality.BAD : Quality.GOOD));
      if (!s.bad()) {
        good.add(new Reading(t, s.value()));
      }
    }
    Path dir = Files.createTempDirectory("kilowatch-runs-property");
    try (var store =
        EmbeddedStore.open(
            dir, Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(1830), false)) {
      store.write(samples);
      // Minute bins only, then hour bins only.
      for (long now : new long[] {T0 + 3 * DAY, T0 + 40 * DAY}) {
        store.maintain(Instant.ofEpochMilli(now));
        for (long[] r :
            new long[][] {
              {T0 - HOUR, T0 + 3 * DAY},
              {T0 + HOUR, T0 + 2 * HOUR},
              {T0 + cutFrom / HOUR * HOUR, T0 + (cutFrom + cutLength) / HOUR * HOUR + HOUR}
            }) {
          check(RunChecks.runs(store, ALL, r[0], r[1]).get(KEY), good, r[0], r[1], true);
        }
        long a = T0 + cutFrom;
        check(RunChecks.runs(store, ALL, a, a + cutLength).get(KEY), good, a, a + cutLength, false);
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
