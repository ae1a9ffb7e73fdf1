package io.kilowatch.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
  /** A generator that always returns the same double, to pin the jitter. */
  private static RandomGenerator fixed(double value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  private static final Duration TEN_S = Duration.ofSeconds(10);
  private static final Duration FIVE_MIN = Duration.ofMinutes(5);

  @Test
  void doublesWithEachFailureUpToTheCap() {
    var none = fixed(0);
    assertThat(Backoff.delay(TEN_S, 1, FIVE_MIN, none)).isEqualTo(Duration.ofSeconds(20));
    assertThat(Backoff.delay(TEN_S, 2, FIVE_MIN, none)).isEqualTo(Duration.ofSeconds(40));
    assertThat(Backoff.delay(TEN_S, 4, FIVE_MIN, none)).isEqualTo(Duration.ofSeconds(160));
    assertThat(Backoff.delay(TEN_S, 5, FIVE_MIN, none)).isEqualTo(FIVE_MIN);
    assertThat(Backoff.delay(TEN_S, 1_000_000, FIVE_MIN, none)).isEqualTo(FIVE_MIN);
  }

  @Test
  void jitterOnlyShortensAndByAtMostATenth() {
    assertThat(Backoff.delay(TEN_S, 1, FIVE_MIN, fixed(0.999999)))
        .isGreaterThan(Duration.ofSeconds(18))
        .isLessThan(Duration.ofSeconds(20));
    assertThat(Backoff.delay(TEN_S, 9, FIVE_MIN, fixed(0.5))).isEqualTo(Duration.ofSeconds(285));
  }

  @Test
  void aDeviceSlowerThanTheCapIsNotPolledFasterWhenDown() {
    Duration hourly = Duration.ofHours(1);
    assertThat(Backoff.delay(hourly, 3, FIVE_MIN, fixed(0))).isEqualTo(hourly);
  }
}
