package io.kilowatch.web.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongSetTest {
  /** The series limits are only as right as this set: it must agree with a HashSet, 0 included. */
  @Test
  void agreesWithAHashSetAcrossGrowthAndTheZeroKey() {
    var random = new SplittableRandom(7);
    var set = new LongSet();
    var expected = new HashSet<Long>();
    for (int i = 0; i < 200_000; i++) {
      // A small range as well, so that keys repeat and 0 comes up.
      long k = i % 2 == 0 ? random.nextLong() : random.nextLong(-50, 50);
      assertThat(set.add(k)).isEqualTo(expected.add(k));
    }
    assertThat(set.size()).isEqualTo(expected.size());
    for (int i = 0; i < 10_000; i++) {
      long k = random.nextLong(-100, 100);
      assertThat(set.contains(k)).isEqualTo(expected.contains(k));
    }
    var copy = new LongSet();
    copy.addAll(set);
    assertThat(copy.size()).isEqualTo(expected.size());
    assertThat(copy.contains(0)).isEqualTo(expected.contains(0L));
  }
}
