package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WordingTest {
  // Messages showed "no answer within PT2S": people read seconds, not ISO-8601.
  @Test
  void durationsReadAsNumberAndUnit() {
    assertThat(Wording.duration(Duration.ofSeconds(2))).isEqualTo("2 s");
    assertThat(Wording.duration(Duration.ofMillis(600))).isEqualTo("600 ms");
    assertThat(Wording.duration(Duration.ZERO)).isEqualTo("0 ms");
    assertThat(Wording.duration(Duration.ofMillis(1500))).isEqualTo("1.5 s");
    assertThat(Wording.duration(Duration.ofMillis(59_250))).isEqualTo("59.25 s");
    assertThat(Wording.duration(Duration.ofMinutes(1))).isEqualTo("1 min");
    assertThat(Wording.duration(Duration.ofSeconds(90))).isEqualTo("1 min 30 s");
    assertThat(Wording.duration(Duration.ofHours(2))).isEqualTo("2 h");
    assertThat(Wording.duration(Duration.ofHours(26))).isEqualTo("1 d 2 h");
    assertThat(Wording.duration(Duration.ofSeconds(-5))).isEqualTo("-5 s");
  }

  // Over a minute a fraction of a second is noise: 61.4 s is 1 min 1 s, 61.5 s rounds up.
  @Test
  void pastAMinuteSecondsAreWhole() {
    assertThat(Wording.duration(Duration.ofMillis(61_400))).isEqualTo("1 min 1 s");
    assertThat(Wording.duration(Duration.ofMillis(61_500))).isEqualTo("1 min 2 s");
  }

  // "after 1 failures" read wrong.
  @Test
  void aCountOfOneTakesTheSingular() {
    assertThat(Wording.count(1, "failure")).isEqualTo("1 failure");
    assertThat(Wording.count(0, "failure")).isEqualTo("0 failures");
    assertThat(Wording.count(3, "failure")).isEqualTo("3 failures");
  }
}
