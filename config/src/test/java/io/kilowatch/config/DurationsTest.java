package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesEveryUnit() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
  }

  @Test
  void aYearIs365Days() {
    assertThat(Durations.parse("5y")).isEqualTo(Duration.ofDays(5 * 365));
  }

  @Test
  void zeroAndNegativeParseSoCallersCanSayMustBePositive() {
    assertThat(Durations.parse("0s")).isZero();
    assertThat(Durations.parse("-3s")).isEqualTo(Duration.ofSeconds(-3));
  }

  @Test
  void rejectsMissingOrUnknownUnitsWithTheAcceptedForms() {
    for (String bad : new String[] {"10", "10 s", "1.5s", "10sec", "s", "", "PT10S"}) {
      assertThatThrownBy(() -> Durations.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("500ms, 10s, 2m, 1h, 7d or 5y");
    }
  }

  @Test
  void formatWritesTheLargestExactUnit() {
    for (String text : new String[] {"500ms", "90s", "2m", "1h", "7d", "5y", "1500ms", "0ms"}) {
      assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
    }
  }

  // Found by ParamsPropertyTest: twelve digits of years overflow a Duration; that escaped as an
  // ArithmeticException (a 500 for step=999999999999y, a crash for interval: 999999999999y).
  @Test
  void aDurationTooLongForJavaIsAnIllegalArgument() {
    for (String huge : new String[] {"999999999999y", "-999999999999y"}) {
      assertThatThrownBy(() -> Durations.parse(huge))
          .as(huge)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("too long");
    }
    assertThat(Durations.parse("999999999999d")).isEqualTo(Duration.ofDays(999_999_999_999L));
  }
}
