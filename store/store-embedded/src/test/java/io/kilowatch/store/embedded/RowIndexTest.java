package io.kilowatch.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import org.junit.jupiter.api.Test;

/** A batch's rows by exact (series id, time): the first row of a key is found, never another. */
class RowIndexTest {

  @Property(tries = 300)
  void findsTheFirstRowOfEachKeyAndNoOther(@ForAll("keys") List<Tuple2<Integer, Long>> keys) {
    int[] ids = new int[keys.size()];
    long[] times = new long[keys.size()];
    var index = new RowIndex(ids, times);
    // The rule, kept the plain way: a key's first row, by the key as a value.
    Map<Tuple2<Integer, Long>, Integer> firstRow = new HashMap<>();
    int rows = 0;
    for (var key : keys) {
      int found = index.putIfAbsent(key.get1(), key.get2(), rows);
      Integer expected = firstRow.get(key);
      if (expected == null) {
        assertThat(found).as("new key %s", key).isEqualTo(-1);
        firstRow.put(key, rows);
        ids[rows] = key.get1();
        times[rows] = key.get2();
        rows++;
      } else {
        assertThat(found).as("repeated key %s", key).isEqualTo(expected);
      }
    }
    assertThat(rows).isEqualTo(firstRow.size());
  }

  /**
   * Small id and time ranges, so keys repeat; and pairs that the old screen, {@code time * 31 +
   * id}, could not tell apart (ids 31 apart at times 1 ms apart).
   */
  @Provide
  Arbitrary<List<Tuple2<Integer, Long>>> keys() {
    long t0 = 1_780_000_000_000L;
    Arbitrary<Tuple2<Integer, Long>> near =
        Combinators.combine(
                Arbitraries.integers().between(0, 200), Arbitraries.longs().between(t0, t0 + 40))
            .as(Tuple::of);
    Arbitrary<Tuple2<Integer, Long>> colliding =
        Arbitraries.integers()
            .between(0, 20)
            .map(k -> Tuple.of(31 * k, t0 + 20 - k)); // all equal under time * 31 + id
    // Any id and any time, old imports before 1970 and the extremes included: the hash and the
    // probe see the whole range.
    Arbitrary<Tuple2<Integer, Long>> wide =
        Combinators.combine(
                Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.longs().injectDuplicates(0.2))
            .as(Tuple::of);
    return Arbitraries.frequencyOf(Tuple.of(3, near), Tuple.of(1, colliding), Tuple.of(1, wide))
        .list()
        .ofMaxSize(2_000);
  }

  @Test
  void oneSeriesAtManyTimesIsManyRowsAndEachTimeFindsItsOwn() {
    int n = 1_000;
    int[] ids = new int[n];
    long[] times = new long[n];
    var index = new RowIndex(ids, times);
    for (int row = 0; row < n; row++) {
      long time = -500L + row; // across 1970, where old imports start
      assertThat(index.putIfAbsent(7, time, row)).isEqualTo(-1);
      ids[row] = 7;
      times[row] = time;
    }
    for (int row = 0; row < n; row++) {
      assertThat(index.putIfAbsent(7, -500L + row, row)).isEqualTo(row);
    }
  }

  @Test
  void keysEqualUnderTheOldScreenAreDifferentRows() {
    long t0 = 1_780_000_000_000L;
    // A batch of four rows whose fourth repeats the second: the fourth row is never written.
    int[] ids = {0, 31, 62, 0};
    long[] times = {t0 + 2, t0 + 1, t0, 0};
    var index = new RowIndex(ids, times);
    assertThat(index.putIfAbsent(0, t0 + 2, 0)).isEqualTo(-1);
    assertThat(index.putIfAbsent(31, t0 + 1, 1)).isEqualTo(-1);
    assertThat(index.putIfAbsent(62, t0, 2)).isEqualTo(-1);
    assertThat(index.putIfAbsent(31, t0 + 1, 3)).isEqualTo(1);
  }
}
