package io.kilowatch.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Bucket;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Store} must answer, whichever database is behind it: analytics and the web
 * layer see only this interface, so the embedded store and InfluxDB must give the same answers to
 * the same data. Each subclass supplies a fresh, empty store per test.
 */
public abstract class StoreContractTest {
  /** An hour boundary, so minute and hour steps start here. */
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final Duration HOUR = Duration.ofHours(1);

  protected Store store;

  /** A new empty store. */
  protected abstract Store openStore();

  @BeforeEach
  void open() {
    store = openStore();
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private static Sample sample(
      Instant t, String measurement, Map<String, String> tags, String field, double v, Quality q) {
    return new Sample(t, measurement, new TreeMap<>(tags), new TreeMap<>(Map.of(field, v)), q);
  }

  private static Sample power(long secondsAfterT0, double v, Quality q) {
    return sample(T0.plusSeconds(secondsAfterT0), "pdu", Map.of("rack", "r1"), "power_w", v, q);
  }

  private static Sample energy(long secondsAfterT0, double v) {
    return sample(
        T0.plusSeconds(secondsAfterT0), "meter", Map.of("id", "m1"), "energy_kwh", v, Quality.GOOD);
  }

  private List<Bucket> buckets(String measurement, Duration step, Aggregate a, Instant from) {
    var result =
        store.aggregate(
            SeriesQuery.of(measurement, null), from, T0.plus(Duration.ofDays(1)), step, a);
    assertThat(result).hasSizeLessThanOrEqualTo(1);
    return result.isEmpty() ? List.of() : result.getFirst().buckets();
  }

  @Test
  void readReturnsEveryReadingWithItsTagsAndQualityIncludingNonFiniteValues() {
    var tags = Map.of("rack", "r1", "device", "pdu-a");
    store.write(
        List.of(
            new Sample(
                T0,
                "pdu",
                new TreeMap<>(tags),
                new TreeMap<>(Map.of("power_w", 1200.5, "energy_kwh", 10.25)),
                Quality.GOOD),
            sample(T0.plusSeconds(10), "pdu", tags, "power_w", 1300, Quality.UNCERTAIN),
            sample(T0.plusSeconds(20), "pdu", tags, "power_w", Double.NaN, Quality.BAD),
            sample(T0.plusSeconds(30), "pdu", tags, "power_w", 1250, Quality.STALE),
            sample(
                T0.plusSeconds(40),
                "pdu",
                tags,
                "power_w",
                Double.POSITIVE_INFINITY,
                Quality.BAD)));

    var read = store.read(SeriesQuery.of("pdu", "power_w"), T0, T0.plus(HOUR));

    assertThat(read).hasSize(1);
    assertThat(read.getFirst().key()).isEqualTo(SeriesKey.of("pdu", tags, "power_w"));
    assertThat(read.getFirst().points())
        .containsExactly(
            new Point(T0, 1200.5, Quality.GOOD),
            new Point(T0.plusSeconds(10), 1300, Quality.UNCERTAIN),
            new Point(T0.plusSeconds(20), Double.NaN, Quality.BAD),
            new Point(T0.plusSeconds(30), 1250, Quality.STALE),
            new Point(T0.plusSeconds(40), Double.POSITIVE_INFINITY, Quality.BAD));
    // Without a field, every field of the measurement, each its own series, in text order.
    assertThat(store.read(SeriesQuery.of("pdu", null), T0, T0.plus(HOUR)))
        .extracting(s -> s.key().field(), s -> s.points().size())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("energy_kwh", 1),
            org.assertj.core.groups.Tuple.tuple("power_w", 5));
  }

  /**
   * The columns of the good readings are {@link Store#read}'s good and uncertain finite readings,
   * oldest first whatever order they were written in; a series whose readings in range are all bad
   * is there with none.
   */
  @Test
  void readGoodAnswersTheGoodAndUncertainFiniteReadingsOfEverySeriesRead() {
    var a = Map.of("rack", "r1");
    var b = Map.of("rack", "r2");
    store.write(
        List.of(
            sample(T0.plusSeconds(30), "pdu", a, "power_w", 1250, Quality.STALE),
            sample(T0.plusSeconds(20), "pdu", a, "power_w", Double.NaN, Quality.BAD),
            sample(T0.plusSeconds(40), "pdu", a, "power_w", 1400, Quality.GOOD),
            sample(T0, "pdu", a, "power_w", 1200.5, Quality.GOOD),
            sample(T0.plusSeconds(10), "pdu", a, "power_w", 1300, Quality.UNCERTAIN),
            sample(T0.plusSeconds(10), "pdu", b, "power_w", 7, Quality.BAD)));
    // Late: written after later readings of the same series.
    store.write(List.of(sample(T0.plusSeconds(5), "pdu", a, "power_w", 1100, Quality.GOOD)));

    var good = store.readGood(SeriesQuery.of("pdu", "power_w"), T0, T0.plusSeconds(40));

    assertThat(good).hasSize(2);
    assertThat(good.get(0).key()).isEqualTo(SeriesKey.of("pdu", a, "power_w"));
    assertThat(good.get(0).times())
        .containsExactly(
            T0.toEpochMilli(), T0.plusSeconds(5).toEpochMilli(), T0.plusSeconds(10).toEpochMilli());
    assertThat(good.get(0).values()).containsExactly(1200.5, 1100, 1300);
    assertThat(good.get(1).key()).isEqualTo(SeriesKey.of("pdu", b, "power_w"));
    assertThat(good.get(1).size()).isZero();
  }

  @Test
  void rangesIncludeFromAndExcludeTo() {
    store.write(
        List.of(power(0, 1, Quality.GOOD), power(10, 2, Quality.GOOD), power(20, 3, Quality.GOOD)));

    var read = store.read(SeriesQuery.of("pdu", null), T0, T0.plusSeconds(20));
    assertThat(read.getFirst().points()).extracting(Point::value).containsExactly(1.0, 2.0);

    var agg =
        store.aggregate(
            SeriesQuery.of("pdu", null),
            T0.plusSeconds(10),
            T0.plusSeconds(20),
            MINUTE,
            Aggregate.MAX);
    // Only the reading at +10 s is inside [+10 s, +20 s); the step still starts on the minute.
    assertThat(agg.getFirst().buckets()).containsExactly(new Bucket(T0, 2, 1));
  }

  @Test
  void emptyAndInvertedRangesAndUnknownSeriesGiveEmptyAnswers() {
    store.write(List.of(power(0, 1, Quality.GOOD), energy(0, 5)));
    var pdu = SeriesQuery.of("pdu", null);

    assertThat(store.read(pdu, T0, T0)).isEmpty();
    assertThat(store.read(pdu, T0.plusSeconds(5), T0)).isEmpty();
    assertThat(store.read(pdu, T0.plusSeconds(1), T0.plus(HOUR))).isEmpty();
    assertThat(store.read(SeriesQuery.of("nothing", null), T0, T0.plus(HOUR))).isEmpty();
    for (Aggregate a : Aggregate.values()) {
      assertThat(store.aggregate(pdu, T0, T0, MINUTE, a)).as(a.name()).isEmpty();
      assertThat(store.aggregate(pdu, T0.plusSeconds(1), T0.plus(HOUR), MINUTE, a))
          .as(a.name())
          .isEmpty();
      assertThat(store.aggregate(SeriesQuery.of("meter", "other_kwh"), T0, T0.plus(HOUR), HOUR, a))
          .isEmpty();
    }
  }

  @Test
  void aggregatesCountOnlyGoodAndUncertainReadings() {
    store.write(
        List.of(
            power(0, 10, Quality.GOOD),
            power(10, 20, Quality.UNCERTAIN),
            power(20, 100, Quality.BAD),
            power(25, 90, Quality.STALE),
            power(30, 30, Quality.GOOD),
            power(60, 40, Quality.GOOD),
            power(70, 60, Quality.GOOD),
            power(130, 500, Quality.BAD)));

    // Step T0: 10, 20, 30 (BAD 100 and STALE 90 excluded); step T0+1m: 40, 60; T0+2m only BAD.
    assertThat(buckets("pdu", MINUTE, Aggregate.MEAN, T0))
        .containsExactly(new Bucket(T0, 20, 3), new Bucket(T0.plus(MINUTE), 50, 2));
    assertThat(buckets("pdu", MINUTE, Aggregate.MIN, T0))
        .containsExactly(new Bucket(T0, 10, 3), new Bucket(T0.plus(MINUTE), 40, 2));
    assertThat(buckets("pdu", MINUTE, Aggregate.MAX, T0))
        .containsExactly(new Bucket(T0, 30, 3), new Bucket(T0.plus(MINUTE), 60, 2));
    assertThat(buckets("pdu", MINUTE, Aggregate.LAST, T0))
        .containsExactly(new Bucket(T0, 30, 3), new Bucket(T0.plus(MINUTE), 60, 2));
    assertThat(buckets("pdu", Duration.ofMinutes(5), Aggregate.MEAN, T0))
        .containsExactly(new Bucket(T0, 32, 5));
    assertThat(store.read(SeriesQuery.of("pdu", null), T0, T0.plus(HOUR)).getFirst().points())
        .hasSize(8);
  }

  @Test
  void counterDeltaCountsResetInFullAndPairAcrossStepBoundaryInLaterStep() {
    store.write(
        List.of(
            energy(0, 100),
            energy(20, 110),
            energy(40, 115),
            energy(60, 130),
            energy(80, 5),
            energy(100, 12)));

    // T0: 0 (nothing before) + 10 + 5; T0+1m: 115->130 = 15, reset to 5 counts 5, then 7.
    assertThat(buckets("meter", MINUTE, Aggregate.COUNTER_DELTA, T0))
        .containsExactly(new Bucket(T0, 15, 3), new Bucket(T0.plus(MINUTE), 27, 3));
    assertThat(buckets("meter", MINUTE, Aggregate.COUNTER_DELTA, T0.plus(MINUTE)))
        .containsExactly(new Bucket(T0.plus(MINUTE), 27, 3));
    assertThat(buckets("meter", HOUR, Aggregate.COUNTER_DELTA, T0))
        .containsExactly(new Bucket(T0, 42, 6));
  }

  @Test
  void counterDeltaPairsWithAPreviousGoodReadingHoursBeforeAndSkipsBadOnes() {
    store.write(
        List.of(
            energy(0, 1000),
            sample(T0.plusSeconds(7200), "meter", Map.of("id", "m1"), "energy_kwh", 1, Quality.BAD),
            energy(3 * 3600 + 30, 1040)));

    assertThat(buckets("meter", MINUTE, Aggregate.COUNTER_DELTA, T0.plus(Duration.ofHours(3))))
        .containsExactly(new Bucket(T0.plus(Duration.ofHours(3)), 40, 1));
  }

  @Test
  void laterWriteOfSameSeriesAndTimeReplacesEarlierOne() {
    store.write(List.of(power(0, 1, Quality.GOOD), power(10, 5, Quality.GOOD)));
    store.write(List.of(power(0, 2, Quality.GOOD)));
    store.write(List.of(power(10, 6, Quality.GOOD), power(10, 7, Quality.BAD)));

    assertThat(store.read(SeriesQuery.of("pdu", null), T0, T0.plus(HOUR)).getFirst().points())
        .containsExactly(
            new Point(T0, 2, Quality.GOOD), new Point(T0.plusSeconds(10), 7, Quality.BAD));
    assertThat(buckets("pdu", MINUTE, Aggregate.MEAN, T0)).containsExactly(new Bucket(T0, 2, 1));
  }

  @Test
  void listSeriesAndQueriesFilterByMeasurementFieldAndTags() {
    store.write(
        List.of(
            new Sample(
                T0,
                "pdu",
                new TreeMap<>(Map.of("rack", "r1", "device", "a")),
                new TreeMap<>(Map.of("power_w", 10.0, "energy_kwh", 1.0)),
                Quality.GOOD),
            sample(T0, "pdu", Map.of("rack", "r2", "device", "b"), "power_w", 20, Quality.GOOD),
            sample(T0, "pdu", Map.of("rack", "r2", "device", "c"), "power_w", 30, Quality.GOOD),
            sample(T0, "cdu", Map.of("cluster", "c1"), "flow_lpm", 300, Quality.GOOD)));

    assertThat(store.listSeries(SeriesQuery.of("", null)))
        .extracting(SeriesKey::toString)
        .containsExactly(
            "cdu,cluster=c1 flow_lpm",
            "pdu,device=a,rack=r1 energy_kwh",
            "pdu,device=a,rack=r1 power_w",
            "pdu,device=b,rack=r2 power_w",
            "pdu,device=c,rack=r2 power_w");
    // Field keys are per measurement in InfluxDB; series b and c still have no energy_kwh.
    assertThat(store.listSeries(SeriesQuery.of("pdu", "energy_kwh")))
        .containsExactly(SeriesKey.of("pdu", Map.of("rack", "r1", "device", "a"), "energy_kwh"));
    assertThat(store.listSeries(SeriesQuery.of("pdu", "power_w").withTag("rack", "r2")))
        .extracting(k -> k.tags().get("device"))
        .containsExactly("b", "c");
    assertThat(store.listSeries(SeriesQuery.of("pdu", null).withTag("rack", "r9"))).isEmpty();
    assertThat(store.listSeries(SeriesQuery.of("none", null))).isEmpty();
    // A tag selects within its measurement and field only, whichever index is narrower.
    assertThat(store.listSeries(SeriesQuery.of("pdu", null).withTag("device", "a")))
        .extracting(SeriesKey::field)
        .containsExactly("energy_kwh", "power_w");
    assertThat(store.listSeries(SeriesQuery.of("cdu", null).withTag("rack", "r2"))).isEmpty();
    assertThat(
            store.listSeries(
                SeriesQuery.of("pdu", "power_w").withTag("rack", "r2").withTag("device", "c")))
        .extracting(SeriesKey::toString)
        .containsExactly("pdu,device=c,rack=r2 power_w");

    var r2 = SeriesQuery.of("pdu", "power_w").withTag("rack", "r2");
    assertThat(store.aggregate(r2, T0, T0.plus(HOUR), HOUR, Aggregate.MAX))
        .extracting(sb -> sb.buckets().getFirst().value())
        .containsExactly(20.0, 30.0);
    assertThat(store.read(r2, T0, T0.plus(HOUR))).hasSize(2);
  }

  @Test
  void instantsWrittenWithOffsetsAcrossADaylightSavingChangeStayInstantsAndDaysAreUtcDays() {
    // Europe/Paris goes from +01:00 to +02:00 at 2026-03-29 01:00 UTC. Stores hold instants: the
    // offset a reading was written with does not matter, and steps are aligned to the epoch.
    var before = OffsetDateTime.parse("2026-03-29T01:30:00+01:00").toInstant(); // 00:30Z
    var after = OffsetDateTime.parse("2026-03-29T03:30:00+02:00").toInstant(); // 01:30Z
    var nextDay = OffsetDateTime.parse("2026-03-30T01:59:59.999+02:00").toInstant(); // 23:59:59Z
    var tags = Map.of("rack", "r1");
    store.write(
        List.of(
            sample(before, "pdu", tags, "power_w", 1, Quality.GOOD),
            sample(after, "pdu", tags, "power_w", 3, Quality.GOOD),
            sample(nextDay, "pdu", tags, "power_w", 5, Quality.GOOD)));

    var day = Instant.parse("2026-03-29T00:00:00Z");
    assertThat(
            store
                .aggregate(
                    SeriesQuery.of("pdu", null),
                    OffsetDateTime.parse("2026-03-28T00:00:00-05:00").toInstant(),
                    OffsetDateTime.parse("2026-04-01T00:00:00+09:00").toInstant(),
                    Duration.ofDays(1),
                    Aggregate.MEAN)
                .getFirst()
                .buckets())
        .containsExactly(new Bucket(day, 3, 3));
    assertThat(
            store
                .aggregate(
                    SeriesQuery.of("pdu", null),
                    day,
                    day.plus(Duration.ofDays(1)),
                    HOUR,
                    Aggregate.LAST)
                .getFirst()
                .buckets())
        .containsExactly(
            new Bucket(day, 1, 1),
            new Bucket(day.plus(HOUR), 3, 1),
            new Bucket(day.plus(Duration.ofHours(23)), 5, 1));
    assertThat(store.read(SeriesQuery.of("pdu", null), after, after.plusMillis(1)))
        .singleElement()
        .satisfies(s -> assertThat(s.points()).extracting(Point::time).containsExactly(after));
  }

  /** Three hours of two gauges and a counter at 10 s, with a reset and some bad readings. */
  protected static List<Sample> threeHours() {
    var batch = new ArrayList<Sample>();
    double counter = 5_000;
    for (int i = 0; i < 3 * 360; i++) {
      long s = i * 10L;
      Quality q =
          i % 17 == 0
              ? Quality.BAD
              : i % 13 == 0 ? Quality.STALE : i % 11 == 0 ? Quality.UNCERTAIN : Quality.GOOD;
      for (String rack : List.of("r1", "r2")) {
        batch.add(
            sample(
                T0.plusSeconds(s),
                "pdu",
                Map.of("rack", rack),
                "power_w",
                1000 + (i * 37 + rack.hashCode()) % 101 + 0.25,
                q));
      }
      counter = i == 500 ? 3 : counter + (i % 7) * 0.5;
      batch.add(sample(T0.plusSeconds(s), "meter", Map.of("id", "m1"), "energy_kwh", counter, q));
    }
    return batch;
  }
}
