package io.kilowatch.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Bucket;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest {
  /** An hour boundary, so minute and hour steps start here. */
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final Duration HOUR = Duration.ofHours(1);

  @TempDir Path dir;
  private EmbeddedStore store;

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  private EmbeddedStore open() {
    return open(Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(1830));
  }

  private EmbeddedStore open(Duration raw, Duration minute, Duration hour) {
    store = EmbeddedStore.open(dir, raw, minute, hour, false);
    return store;
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
    return result.isEmpty() ? List.of() : result.getFirst().buckets();
  }

  @Test
  void readReturnsWrittenValuesWithTagsAndQualities() {
    open();
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
            sample(T0.plusSeconds(20), "pdu", tags, "power_w", -1, Quality.BAD),
            sample(T0.plusSeconds(30), "pdu", tags, "power_w", 1250, Quality.STALE)));

    var read = store.read(SeriesQuery.of("pdu", "power_w"), T0, T0.plus(HOUR));

    assertThat(read).hasSize(1);
    assertThat(read.getFirst().key()).isEqualTo(SeriesKey.of("pdu", tags, "power_w"));
    assertThat(read.getFirst().points())
        .containsExactly(
            new Point(T0, 1200.5, Quality.GOOD),
            new Point(T0.plusSeconds(10), 1300, Quality.UNCERTAIN),
            new Point(T0.plusSeconds(20), -1, Quality.BAD),
            new Point(T0.plusSeconds(30), 1250, Quality.STALE));
    assertThat(store.read(SeriesQuery.of("pdu", "energy_kwh"), T0, T0.plus(HOUR)))
        .singleElement()
        .satisfies(s -> assertThat(s.points()).containsExactly(new Point(T0, 10.25, Quality.GOOD)));
  }

  @Test
  void rangesIncludeFromAndExcludeTo() {
    open();
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
  void aggregatesCountOnlyGoodAndUncertainReadings() {
    open();
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
    // Step T0: good/uncertain 10, 20, 30 -> mean 20, min 10, max 30, last 30 (the BAD 100 at
    // +20 s and the STALE 90 at +25 s are excluded), count 3.
    // Step T0+1m: 40, 60 -> mean 50, min 40, max 60, last 60, count 2.
    // Step T0+2m: only a BAD reading -> absent.
    assertThat(buckets("pdu", MINUTE, Aggregate.MEAN, T0))
        .containsExactly(new Bucket(T0, 20, 3), new Bucket(T0.plus(MINUTE), 50, 2));
    assertThat(buckets("pdu", MINUTE, Aggregate.MIN, T0))
        .containsExactly(new Bucket(T0, 10, 3), new Bucket(T0.plus(MINUTE), 40, 2));
    assertThat(buckets("pdu", MINUTE, Aggregate.MAX, T0))
        .containsExactly(new Bucket(T0, 30, 3), new Bucket(T0.plus(MINUTE), 60, 2));
    assertThat(buckets("pdu", MINUTE, Aggregate.LAST, T0))
        .containsExactly(new Bucket(T0, 30, 3), new Bucket(T0.plus(MINUTE), 60, 2));
    // One 5-minute step (aligned to a multiple of 5 min since the epoch): 10,20,30,40,60.
    assertThat(buckets("pdu", Duration.ofMinutes(5), Aggregate.MEAN, T0))
        .containsExactly(new Bucket(T0, 32, 5));
    // The BAD reading is still data for raw reads.
    assertThat(store.read(SeriesQuery.of("pdu", null), T0, T0.plus(HOUR)).getFirst().points())
        .hasSize(8);
  }

  @Test
  void counterDeltaCountsResetInFullAndPairAcrossStepBoundaryInLaterStep() {
    open();
    store.write(
        List.of(
            energy(0, 100),
            energy(20, 110),
            energy(40, 115),
            energy(60, 130),
            energy(80, 5),
            energy(100, 12)));
    // Step T0: 100 (no earlier reading: 0), 100->110 = 10, 110->115 = 5 -> 15.
    // Step T0+1m: 115->130 = 15 (the pair across the boundary counts here), 130->5 is a reset
    // so 5 counts in full, 5->12 = 7 -> 27.
    assertThat(buckets("meter", MINUTE, Aggregate.COUNTER_DELTA, T0))
        .containsExactly(new Bucket(T0, 15, 3), new Bucket(T0.plus(MINUTE), 27, 3));
    // Starting the query at the boundary still pairs the first reading with the one before it.
    assertThat(buckets("meter", MINUTE, Aggregate.COUNTER_DELTA, T0.plus(MINUTE)))
        .containsExactly(new Bucket(T0.plus(MINUTE), 27, 3));
    // One step over everything: 10 + 5 + 15 + 5 + 7 = 42.
    assertThat(buckets("meter", HOUR, Aggregate.COUNTER_DELTA, T0))
        .containsExactly(new Bucket(T0, 42, 6));
  }

  @Test
  void counterDeltaFindsThePreviousReadingBeyondTheShortLookBack() {
    open();
    // The previous reading is 3 h before the queried step: 1000 -> 1040 = 40.
    store.write(List.of(energy(0, 1000), energy(3 * 3600 + 30, 1040)));

    assertThat(buckets("meter", MINUTE, Aggregate.COUNTER_DELTA, T0.plus(Duration.ofHours(3))))
        .containsExactly(new Bucket(T0.plus(Duration.ofHours(3)), 40, 1));
  }

  @Test
  void laterWriteOfSameSeriesAndTimeReplacesEarlierOne() {
    open();
    store.write(List.of(power(0, 1, Quality.GOOD), power(10, 5, Quality.GOOD)));
    store.write(List.of(power(0, 2, Quality.GOOD)));
    // Within one batch the last sample wins too.
    store.write(List.of(power(10, 6, Quality.GOOD), power(10, 7, Quality.BAD)));

    assertThat(store.read(SeriesQuery.of("pdu", null), T0, T0.plus(HOUR)).getFirst().points())
        .containsExactly(
            new Point(T0, 2, Quality.GOOD), new Point(T0.plusSeconds(10), 7, Quality.BAD));
    // Only the replacement at T0 is good: mean 2 of one reading.
    assertThat(buckets("pdu", MINUTE, Aggregate.MEAN, T0)).containsExactly(new Bucket(T0, 2, 1));
    assertThat(store.pointCount()).isEqualTo(2);
  }

  /**
   * Readings come back oldest first whatever order they were stored in (late ones are stored after
   * later ones), for a query of a few series (a list of ids) and of many (a semi-join on them).
   */
  @Test
  void readingsComeBackInTimeOrderForFewAndForManySeries() {
    open();
    int racks = StepSql.ID_LIST_MAX * 2;
    var batch = new ArrayList<Sample>();
    for (int t : new int[] {10, 20, 30}) {
      for (int r = 0; r < racks; r++) {
        batch.add(
            sample(
                T0.plusSeconds(t), "pdu", Map.of("rack", "r" + r), "power_w", r + t, Quality.GOOD));
      }
    }
    store.write(batch);
    var late = new ArrayList<Sample>();
    for (int r = 0; r < racks; r++) {
      late.add(
          sample(T0.plusSeconds(15), "pdu", Map.of("rack", "r" + r), "power_w", -r, Quality.GOOD));
    }
    store.write(late);

    var all = store.read(SeriesQuery.of("pdu", "power_w"), T0, T0.plus(HOUR));
    var one = store.read(SeriesQuery.of("pdu", "power_w").withTag("rack", "r7"), T0, T0.plus(HOUR));

    assertThat(all).hasSize(racks);
    for (var sp : all) {
      int r = Integer.parseInt(sp.key().tags().get("rack").substring(1));
      assertThat(sp.points())
          .extracting(Point::time, Point::value)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(T0.plusSeconds(10), r + 10.0),
              org.assertj.core.groups.Tuple.tuple(T0.plusSeconds(15), -r + 0.0),
              org.assertj.core.groups.Tuple.tuple(T0.plusSeconds(20), r + 20.0),
              org.assertj.core.groups.Tuple.tuple(T0.plusSeconds(30), r + 30.0));
    }
    assertThat(one)
        .singleElement()
        .satisfies(
            sp ->
                assertThat(sp.points())
                    .extracting(Point::value)
                    .containsExactly(17.0, -7.0, 27.0, 37.0));
  }

  @Test
  void dataSurvivesCloseAndReopen() {
    open();
    store.write(List.of(power(0, 1, Quality.GOOD), energy(0, 7)));
    store.close();

    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    store.write(List.of(power(10, 2, Quality.UNCERTAIN), energy(10, 9)));

    assertThat(store.listSeries(SeriesQuery.of("", null))).hasSize(2);
    assertThat(store.read(SeriesQuery.of("pdu", null), T0, T0.plus(HOUR)).getFirst().points())
        .containsExactly(
            new Point(T0, 1, Quality.GOOD), new Point(T0.plusSeconds(10), 2, Quality.UNCERTAIN));
    assertThat(buckets("meter", MINUTE, Aggregate.COUNTER_DELTA, T0))
        .containsExactly(new Bucket(T0, 2, 2));
  }

  @Test
  void acknowledgedWriteSurvivesProcessHaltWithoutClose() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    var process =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                CrashWriter.class.getName(),
                dir.toString(),
                "500")
            .redirectErrorStream(true)
            .start();
    String output;
    try (var in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      output = String.join("\n", in.lines().toList());
    }
    assertThat(output).contains("acknowledged");

    open();
    var points =
        store.read(
            SeriesQuery.of("pdu", "power_w"),
            Instant.ofEpochSecond(1_700_000_000L),
            Instant.ofEpochSecond(1_700_001_000L));
    assertThat(points.getFirst().points()).hasSize(500);
    assertThat(points.getFirst().points().getLast().value()).isEqualTo(499);
  }

  /** Three hours of a gauge and a counter at 10 s, with a reset and some bad readings. */
  private List<Sample> threeHours() {
    var batch = new ArrayList<Sample>();
    double counter = 5_000;
    for (int i = 0; i < 3 * 360; i++) {
      long s = i * 10L;
      Quality q = i % 17 == 0 ? Quality.BAD : i % 11 == 0 ? Quality.UNCERTAIN : Quality.GOOD;
      batch.add(
          sample(
              T0.plusSeconds(s), "pdu", Map.of("rack", "r1"), "power_w", 1000 + (i * 37) % 101, q));
      counter = i == 500 ? 3 : counter + (i % 7) * 0.5;
      batch.add(sample(T0.plusSeconds(s), "meter", Map.of("id", "m1"), "energy_kwh", counter, q));
    }
    return batch;
  }

  private Map<String, List<SeriesBuckets>> allAggregates(List<Duration> steps) {
    var out = new TreeMap<String, List<SeriesBuckets>>();
    for (Duration step : steps) {
      for (Aggregate a : Aggregate.values()) {
        for (String m : List.of("pdu", "meter")) {
          out.put(
              m + " " + step + " " + a,
              store.aggregate(SeriesQuery.of(m, null), T0, T0.plus(Duration.ofHours(3)), step, a));
        }
      }
    }
    return out;
  }

  private static void assertSameAnswers(
      Map<String, List<SeriesBuckets>> actual, Map<String, List<SeriesBuckets>> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    for (var e : expected.entrySet()) {
      var got = actual.get(e.getKey());
      assertThat(got).as(e.getKey()).hasSameSizeAs(e.getValue());
      for (int s = 0; s < got.size(); s++) {
        var want = e.getValue().get(s).buckets();
        var have = got.get(s).buckets();
        assertThat(have).as(e.getKey()).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
          assertThat(have.get(i).start()).as(e.getKey()).isEqualTo(want.get(i).start());
          assertThat(have.get(i).count()).as(e.getKey()).isEqualTo(want.get(i).count());
          // Sums regrouped through rollups may differ in the last bits.
          assertThat(have.get(i).value())
              .as(e.getKey() + " " + want.get(i).start())
              .isCloseTo(
                  want.get(i).value(), within(1e-9 * Math.max(1, Math.abs(want.get(i).value()))));
        }
      }
    }
  }

  @Test
  void rollupsAnswerLikeRawPointsOnceRawRetentionHasRemovedThem() {
    open(Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(400));
    store.write(threeHours());
    var steps =
        List.of(MINUTE, Duration.ofMinutes(5), Duration.ofMinutes(7), HOUR, Duration.ofHours(2));
    var fromRaw = allAggregates(steps);
    assertThat(fromRaw.get("meter PT1H COUNTER_DELTA")).isNotEmpty();

    store.maintain(T0.plus(Duration.ofDays(3)));

    // Raw points are gone but for the last good reading of each series.
    assertThat(store.pointCount()).isEqualTo(2);
    assertSameAnswers(allAggregates(steps), fromRaw);
  }

  @Test
  void hourlyAggregatesOutliveRawAndMinuteRetention() {
    open(Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(400));
    store.write(threeHours());
    var hourly = allAggregates(List.of(HOUR));

    store.maintain(T0.plus(Duration.ofDays(10)));

    assertSameAnswers(allAggregates(List.of(HOUR)), hourly);
    // Minute resolution is gone for that period: no minute steps are made up from hours.
    assertThat(buckets("pdu", MINUTE, Aggregate.MEAN, T0)).isEmpty();
    assertThat(store.read(SeriesQuery.of("pdu", null), T0, T0.plus(HOUR))).isEmpty();
  }

  @Test
  void lateDataForRolledUpMinutesIsRolledUpAgain() {
    open(Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(400));
    store.write(threeHours());
    store.maintain(T0.plus(Duration.ofHours(4)));
    // Replace readings inside already rolled-up minutes, including a counter drop (a reset).
    store.write(
        List.of(
            power(600, 5000, Quality.GOOD),
            power(605, 7000, Quality.GOOD),
            energy(1800, 1),
            energy(1805, 2)));
    var expected = allAggregates(List.of(MINUTE, HOUR));

    store.maintain(T0.plus(Duration.ofHours(5)));
    store.maintain(T0.plus(Duration.ofDays(3)));

    assertThat(store.pointCount()).isEqualTo(2);
    assertSameAnswers(allAggregates(List.of(MINUTE, HOUR)), expected);
  }

  @Test
  void counterPairAcrossYearsLongGapCountsBeforeAndAfterRollup() {
    open(Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(1830));
    // 1e10 three years before T0, then 1e10+50 and 1e10+60 at T0: the T0 hour holds 50 + 10 = 60.
    // (Large values also check that the previous reading passes through SQL text exactly.)
    store.write(List.of(energy(-3 * 365 * 86_400L, 1e10)));
    store.write(List.of(energy(0, 1e10 + 50), energy(10, 1e10 + 60)));
    var before = buckets("meter", HOUR, Aggregate.COUNTER_DELTA, T0);
    assertThat(before).containsExactly(new Bucket(T0, 60, 2));

    // Maintenance steps over the empty years instead of walking them day by day.
    store.maintain(T0.plus(Duration.ofDays(3)));

    assertThat(store.pointCount()).isEqualTo(1);
    assertThat(buckets("meter", HOUR, Aggregate.COUNTER_DELTA, T0)).isEqualTo(before);
  }

  @Test
  void concurrentWritersLoseNothing() throws Exception {
    open();
    int writers = 8;
    int batches = 20;
    int perBatch = 100;
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var futures = new ArrayList<Future<?>>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        futures.add(
            pool.submit(
                () -> {
                  for (int b = 0; b < batches; b++) {
                    var batch = new ArrayList<Sample>();
                    for (int i = 0; i < perBatch; i++) {
                      batch.add(
                          sample(
                              T0.plusSeconds(b * perBatch + i),
                              "gpu",
                              Map.of("gpu", "g" + writer),
                              "power_w",
                              i,
                              Quality.GOOD));
                    }
                    store.write(batch);
                  }
                }));
      }
      for (var f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    }

    assertThat(store.pointCount()).isEqualTo((long) writers * batches * perBatch);
    assertThat(store.listSeries(SeriesQuery.of("gpu", "power_w"))).hasSize(writers);
  }

  @Test
  void listSeriesFiltersByMeasurementFieldAndTags() {
    open();
    store.write(
        List.of(
            new Sample(
                T0,
                "pdu",
                new TreeMap<>(Map.of("rack", "r1", "row", "a")),
                new TreeMap<>(Map.of("power_w", 1.0, "energy_kwh", 2.0)),
                Quality.GOOD),
            sample(T0, "pdu", Map.of("rack", "r2", "row", "a"), "power_w", 3, Quality.GOOD),
            sample(T0, "cdu", Map.of("id", "c,1=x"), "flow_lpm", 4, Quality.GOOD)));

    assertThat(store.listSeries(SeriesQuery.of("", null))).hasSize(4);
    assertThat(store.listSeries(SeriesQuery.of("pdu", null))).hasSize(3);
    assertThat(store.listSeries(SeriesQuery.of("pdu", "power_w"))).hasSize(2);
    assertThat(store.listSeries(SeriesQuery.of("pdu", "power_w").withTag("rack", "r2")))
        .containsExactly(SeriesKey.of("pdu", Map.of("rack", "r2", "row", "a"), "power_w"));
    assertThat(store.listSeries(SeriesQuery.of("", "flow_lpm")))
        .containsExactly(SeriesKey.of("cdu", Map.of("id", "c,1=x"), "flow_lpm"));
    assertThat(store.listSeries(SeriesQuery.of("rack", null))).isEmpty();
    // Tags with separators survive the round trip through the series table.
    store.close();
    open();
    assertThat(store.listSeries(SeriesQuery.of("cdu", null)))
        .containsExactly(SeriesKey.of("cdu", Map.of("id", "c,1=x"), "flow_lpm"));
  }

  @Test
  void theEnginesNativeMemoryIsCappedAtTheConfiguredLimit() {
    var config = StoreConfig.embedded(dir);
    store =
        EmbeddedStore.open(
            new StoreConfig(
                config.kind(),
                dir,
                config.rawRetention(),
                config.minuteRetention(),
                config.hourRetention(),
                null,
                config.buffer(),
                256L << 20));

    // DuckDB prints the limit in its own units: 256 MiB is 268.4 MB.
    assertThat(store.engineSetting("memory_limit")).isIn("256.0 MiB", "268.4 MB", "256.0MiB");
  }
}
