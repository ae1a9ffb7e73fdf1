package io.kilowatch.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CounterInterpolationTest {
  private static Point p(int second, double value) {
    return new Point(Instant.ofEpochSecond(second), value, Quality.GOOD);
  }

  // Readings (t, counter): (0, 100) (7, 107) (13, 3: reset, +3) (21, 11) (28, 18)
  // Continuous count: t0 0, t7 7, t13 10, t21 18, t28 25.
  // C(10) lies between t7 and t13: 7 + (3/6)·3 = 8.5; C(20) between t13 and t21: 10 + (7/8)·8 = 17.
  // Steps [0,10) and [10,20): 8.5 and 8.5; [20,30) cannot be read at t=30 (after the last reading).
  private static final List<Point> READINGS =
      List.of(p(0, 100), p(7, 107), p(13, 3), p(21, 11), p(28, 18));

  @Test
  void energyPerStepComesFromTheCounterReadAtEachBoundaryAcrossAReset() {
    Double[] e = CounterInterpolation.perStep(READINGS, 0, 10_000, 3, 10_000);
    assertThat(e[0]).isCloseTo(8.5, within(1e-12));
    assertThat(e[1]).isCloseTo(8.5, within(1e-12));
    assertThat(e[2]).isNull();
  }

  @Test
  void aBoundaryInsideAGapLongerThanTheLimitCannotBeRead() {
    // t7 → t13 is 6 s apart; with a 5 s limit C(10) is unknown, so both steps touching it are gaps.
    Double[] e = CounterInterpolation.perStep(READINGS, 0, 10_000, 2, 5_000);
    assertThat(e[0]).isNull();
    assertThat(e[1]).isNull();
  }

  @Test
  void badReadingsAreSkippedNotInterpolated() {
    // A BAD reading of 0 at t=10 would look like a reset; it must be ignored.
    var withBad =
        List.of(
            p(0, 100),
            new Point(Instant.ofEpochSecond(10), 0, Quality.BAD),
            p(5, 105),
            p(15, 115),
            p(20, 120));
    var sorted = withBad.stream().sorted(java.util.Comparator.comparing(Point::time)).toList();
    Double[] e = CounterInterpolation.perStep(sorted, 0, 10_000, 2, 20_000);
    assertThat(e[0]).isCloseTo(10.0, within(1e-12));
    assertThat(e[1]).isCloseTo(10.0, within(1e-12));
  }
}
