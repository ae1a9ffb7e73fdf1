package io.kilowatch.store.embedded;

import static io.kilowatch.store.embedded.RunChecks.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
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
 * History written after the fact (an import of last month, a collector's buffer replayed after a
 * long outage) must end up in the rollups before retention deletes its raw points: it used to be
 * deleted by the next maintenance pass without ever being rolled up, so a month of back-filled
 * energy silently vanished.
 */
class EmbeddedStoreBackFillTest {
  private static final long MINUTE = 60_000;
  private static final long HOUR = 3_600_000;
  private static final long DAY = 24 * HOUR;
  private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
  private static final long NOW = T0 + 60 * DAY;
  private static final SeriesQuery ALL = SeriesQuery.of("", null);

  private static final SeriesKey GPU = SeriesKey.of("gpu", Map.of("gpu", "g1"), "power_w");
  private static final SeriesKey METER = SeriesKey.of("meter", Map.of("id", "m1"), "energy_kwh");
  private static final SeriesKey PDU = SeriesKey.of("pdu", Map.of("rack", "r9"), "power_w");

  @TempDir Path dir;
  @TempDir Path rawDir;
  private EmbeddedStore store;
  private EmbeddedStore rawOnly;

  private final Map<SeriesKey, List<Reading>> good = new LinkedHashMap<>();

  @AfterEach
  void closeStores() {
    for (var s : new EmbeddedStore[] {store, rawOnly}) {
      if (s != null) {
        s.close();
      }
    }
  }

  private Sample sample(SeriesKey key, long t, double v, Quality q, boolean keep) {
    if (keep && q.code() <= Quality.UNCERTAIN.code() && Double.isFinite(v)) {
      good.computeIfAbsent(key, k -> new ArrayList<>()).add(new Reading(t, v));
    }
    return new Sample(
        Instant.ofEpochMilli(t),
        key.measurement(),
        new TreeMap<>(key.tags()),
        new TreeMap<>(Map.of(key.field(), v)),
        q);
  }

  private void sortGood() {
    good.values().forEach(l -> l.sort(Comparator.comparingLong(Reading::t)));
  }

  /** Power, a counter with a reset, and a series first seen in the back-fill, every 5 min. */
  private List<Sample> fiveMinuteData(long from, long to, long seed, boolean keep) {
    var rnd = new Random(seed);
    var out = new ArrayList<Sample>();
    double counter = 10_000 + (from - T0) / 1e6;
    for (long t = from; t < to; t += 5 * MINUTE) {
      out.add(sample(GPU, t, Math.round(300 + 400 * rnd.nextDouble()), Quality.GOOD, keep));
      counter = t == from + 7 * DAY ? 2 : counter + Math.round(rnd.nextDouble() * 100) / 100.0;
      out.add(sample(METER, t + 1_000, counter, Quality.GOOD, keep));
      out.add(
          sample(
              PDU,
              t + 2_000,
              1000 + (t / 1000) % 97,
              rnd.nextDouble() < 0.02 ? Quality.BAD : Quality.GOOD,
              keep));
    }
    return out;
  }

  private static void writeInBatches(Store s, List<Sample> samples) {
    for (int i = 0; i < samples.size(); i += 2_000) {
      s.write(samples.subList(i, Math.min(samples.size(), i + 2_000)));
    }
  }

  private Map<String, List<SeriesBuckets>> aggregates(Store s, long from, long to) {
    var out = new TreeMap<String, List<SeriesBuckets>>();
    for (Aggregate a : Aggregate.values()) {
      out.put(
          a.name(),
          s.aggregate(
              ALL, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to), Duration.ofHours(1), a));
    }
    return out;
  }

  private static void assertSameAggregates(
      Map<String, List<SeriesBuckets>> actual, Map<String, List<SeriesBuckets>> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    for (var e : expected.entrySet()) {
      var got = actual.get(e.getKey());
      assertThat(got).as(e.getKey()).hasSameSizeAs(e.getValue());
      for (int s = 0; s < got.size(); s++) {
        assertThat(got.get(s).key()).isEqualTo(e.getValue().get(s).key());
        var want = e.getValue().get(s).buckets();
        var have = got.get(s).buckets();
        assertThat(have).as(e.getKey()).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
          String what = e.getKey() + " " + got.get(s).key() + " " + want.get(i).start();
          assertThat(have.get(i).start()).as(what).isEqualTo(want.get(i).start());
          assertThat(have.get(i).count()).as(what).isEqualTo(want.get(i).count());
          assertThat(have.get(i).value())
              .as(what)
              .isCloseTo(
                  want.get(i).value(), within(1e-9 * Math.max(1, Math.abs(want.get(i).value()))));
        }
      }
    }
  }

  @Test
  void
      lastMonthWrittenAfterMaintenanceIsRolledUpBeforeItsRawPointsGoAndWritingItAgainChangesNothing() {
    store =
        EmbeddedStore.open(
            dir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(1830), false);
    rawOnly =
        EmbeddedStore.open(
            rawDir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(1830), false);
    // The store runs: the last two days are there and maintenance has run at NOW.
    var current = fiveMinuteData(NOW - 2 * DAY, NOW - HOUR, 1, true);
    writeInBatches(store, current);
    store.maintain(Instant.ofEpochMilli(NOW));
    // Merged a few hours at a time, as a large import is.
    store.dirtyChunkRows(300);
    // Then last month is imported: 30 days ending 5 days ago, mostly older than the 7-day raw
    // retention, newest first as an importer might send it.
    var backFill = fiveMinuteData(NOW - 35 * DAY, NOW - 5 * DAY, 2, true);
    sortGood();
    for (int i = backFill.size(); i > 0; i -= 3_000) {
      store.write(backFill.subList(Math.max(0, i - 3_000), i));
    }
    // Far older than the hour retention: nothing can keep it, it is deleted.
    store.write(List.of(sample(GPU, NOW - 2000 * DAY, 5, Quality.GOOD, false)));
    writeInBatches(rawOnly, current);
    writeInBatches(rawOnly, backFill);

    store.maintain(Instant.ofEpochMilli(NOW));
    store.maintain(Instant.ofEpochMilli(NOW));

    // Raw points older than the raw horizon are gone but for each series' last good one.
    long rawHorizon = NOW - 7 * DAY;
    var oldRaw = store.read(ALL, Instant.ofEpochMilli(0), Instant.ofEpochMilli(rawHorizon));
    assertThat(oldRaw).hasSize(3).allSatisfy(sp -> assertThat(sp.points()).hasSize(1));
    // ... and the month is answered from minute bins, reading for reading.
    for (long[] r :
        new long[][] {
          {NOW - 40 * DAY, NOW + DAY},
          {NOW - 35 * DAY, NOW - 5 * DAY},
          {NOW - 20 * DAY, NOW - 19 * DAY},
          {NOW - 8 * DAY, NOW - 6 * DAY},
          {NOW - 5 * DAY, NOW - 2 * DAY}
        }) {
      var answer = RunChecks.runs(store, ALL, r[0], r[1]);
      for (var e : good.entrySet()) {
        check(answer.get(e.getKey()), e.getValue(), r[0], r[1], true);
      }
    }
    var runs = RunChecks.runs(store, ALL, NOW - 40 * DAY, NOW + DAY);
    assertThat(runs.get(GPU).stream().filter(r -> r.firstMs() < NOW - 30 * DAY)).isNotEmpty();
    var aggregates = aggregates(store, NOW - 36 * DAY, NOW);
    assertThat(aggregates.get("MEAN")).hasSize(3);
    assertThat(aggregates.get("MEAN").getFirst().buckets()).hasSizeGreaterThan(30 * 24);
    assertSameAggregates(aggregates, aggregates(rawOnly, NOW - 36 * DAY, NOW));
    long points = store.pointCount();
    store.close();
    var tables = RunChecks.tableDigests(dir);
    store =
        EmbeddedStore.open(
            dir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(1830), false);

    // The same import again: nothing changes, to the last bit.
    for (int i = backFill.size(); i > 0; i -= 3_000) {
      store.write(backFill.subList(Math.max(0, i - 3_000), i));
    }
    store.maintain(Instant.ofEpochMilli(NOW));

    assertThat(RunChecks.runs(store, ALL, NOW - 40 * DAY, NOW + DAY)).isEqualTo(runs);
    assertSameAggregates(aggregates(store, NOW - 36 * DAY, NOW), aggregates);
    assertThat(store.pointCount()).isEqualTo(points);
    store.close();
    assertThat(RunChecks.tableDigests(dir)).isEqualTo(tables);
    store = null;
  }

  @Test
  void backFillIntoBinsWhoseRawIsGoneExtendsThemAndLeavesOutWhatFallsBetweenTheirReadings() {
    // Minute bins are kept 30 days, hour bins longer.
    store =
        EmbeddedStore.open(
            dir, Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(1830), false);
    var first = new ArrayList<Sample>();
    for (long m = T0; m < T0 + 2 * HOUR; m += MINUTE) {
      for (long s : new long[] {10, 30, 50}) {
        first.add(sample(GPU, m + s * 1000, 100 + (m / MINUTE) % 7 + s, Quality.GOOD, true));
      }
    }
    store.write(first);
    store.maintain(Instant.ofEpochMilli(T0 + 3 * DAY));
    assertThat(store.pointCount()).isEqualTo(1);

    // Into minute bins: before the first reading and after the last extend a bin; between them,
    // a new reading or a new value for a reading whose raw point is gone cannot be placed.
    var second = new ArrayList<Sample>();
    for (long m = T0; m < T0 + 2 * HOUR; m += 7 * MINUTE) {
      second.add(sample(GPU, m + 5_000, 90, Quality.GOOD, true));
      second.add(sample(GPU, m + 55_000, 180, Quality.GOOD, true));
      second.add(sample(GPU, m + 40_000, 1e6, Quality.GOOD, false));
      second.add(sample(GPU, m + 30_000, -1e6, Quality.GOOD, false));
      second.add(sample(GPU, m + 58_000, 1e6, Quality.BAD, false));
    }
    // A minute and an hour that had nothing.
    second.add(sample(GPU, T0 + 5 * HOUR + 1_000, 70, Quality.GOOD, true));
    second.add(sample(GPU, T0 + 5 * HOUR + 2_000, 75, Quality.GOOD, true));
    sortGood();
    store.write(second);
    store.maintain(Instant.ofEpochMilli(T0 + 3 * DAY));

    var runs = RunChecks.runs(store, ALL, T0, T0 + 6 * HOUR);
    check(runs.get(GPU), good.get(GPU), T0, T0 + 6 * HOUR, true);
    assertThat(runs.get(GPU))
        .allSatisfy(r -> assertThat(r.lastMs() - r.firstMs()).isLessThan(MINUTE));
    // Written twice, nothing changes.
    store.write(second);
    store.maintain(Instant.ofEpochMilli(T0 + 3 * DAY));
    assertThat(RunChecks.runs(store, ALL, T0, T0 + 6 * HOUR)).isEqualTo(runs);

    // Once only hour bins are left, they were made from the merged minutes.
    store.maintain(Instant.ofEpochMilli(T0 + 40 * DAY));
    var hours = RunChecks.runs(store, ALL, T0, T0 + 6 * HOUR);
    check(hours.get(GPU), good.get(GPU), T0, T0 + 6 * HOUR, true);
    assertThat(hours.get(GPU)).hasSize(3);

    // Into hour bins the same rule holds: outside an hour's first and last reading it merges.
    var third =
        List.of(
            sample(GPU, T0 + 1_000, 60, Quality.GOOD, true),
            sample(GPU, T0 + HOUR + 59 * MINUTE + 59_000, 61, Quality.GOOD, true),
            sample(GPU, T0 + 30 * MINUTE + 1_000, 1e6, Quality.GOOD, false),
            sample(GPU, T0 + 3 * HOUR, 62, Quality.GOOD, true));
    sortGood();
    store.write(third);
    store.maintain(Instant.ofEpochMilli(T0 + 40 * DAY));

    hours = RunChecks.runs(store, ALL, T0, T0 + 6 * HOUR);
    check(hours.get(GPU), good.get(GPU), T0, T0 + 6 * HOUR, true);
    assertThat(hours.get(GPU)).hasSize(4);
    store.write(third);
    store.maintain(Instant.ofEpochMilli(T0 + 40 * DAY));
    assertThat(RunChecks.runs(store, ALL, T0, T0 + 6 * HOUR)).isEqualTo(hours);
    assertThat(store.pointCount()).isEqualTo(1);
  }

  @Test
  void runsOfABackFillAreAnsweredFromRawUntilMaintenanceMergesThemWhenTheyAreRecent() {
    store =
        EmbeddedStore.open(
            dir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(1830), false);
    var current = fiveMinuteData(NOW - DAY, NOW - HOUR, 3, true);
    writeInBatches(store, current);
    store.maintain(Instant.ofEpochMilli(NOW));
    // Late but within the raw retention: rolled up again from raw, answered from raw throughout.
    var late = fiveMinuteData(NOW - 3 * DAY, NOW - 2 * DAY, 4, true);
    sortGood();
    writeInBatches(store, late);
    for (var e : good.entrySet()) {
      check(
          RunChecks.runs(store, ALL, NOW - 4 * DAY, NOW).get(e.getKey()),
          e.getValue(),
          NOW - 4 * DAY,
          NOW,
          true);
    }
    store.maintain(Instant.ofEpochMilli(NOW));
    store.maintain(Instant.ofEpochMilli(NOW + 10 * DAY));
    for (var e : good.entrySet()) {
      var runs = RunChecks.runs(store, ALL, NOW - 4 * DAY, NOW).get(e.getKey());
      check(runs, e.getValue(), NOW - 4 * DAY, NOW, true);
    }
  }
}
