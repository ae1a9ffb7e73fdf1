package io.kilowatch.web.api;

import static io.kilowatch.web.api.ParamsPropertyTest.params;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The shrunk examples ParamsPropertyTest found, kept as plain cases. */
class ParamsTest {

  // Twelve digits of years overflow a Duration: was an ArithmeticException, a 500.
  @Test
  void aRelativeTimeOrStepTooLongForADurationIsABadRequest() {
    assertThatThrownBy(() -> params("from", "-999999999999y").time("from", null))
        .isInstanceOf(BadRequest.class)
        .hasMessageContaining("is not a time");
    assertThatThrownBy(() -> params("step", "999999999999y").duration("step", null))
        .isInstanceOf(BadRequest.class);
  }

  // Twelve digits of days fit a Duration but not now minus it: was a DateTimeException, a 500.
  @Test
  void aRelativeTimeBeforeTheFirstInstantIsABadRequest() {
    assertThatThrownBy(() -> params("from", "-999999999999d").time("from", null))
        .isInstanceOf(BadRequest.class);
  }

  // Ranges are computed in milliseconds (to - from, step): times and steps stay where they fit.
  @Test
  void timesAreFourDigitYearsAndStepsAtMostTenThousandYears() {
    for (String far : new String[] {"+10000-01-01T00:00:00Z", "9223372036854775807"}) {
      assertThatThrownBy(() -> params("to", far).time("to", null))
          .as(far)
          .isInstanceOf(BadRequest.class)
          .hasMessageContaining("0000 to 9999");
    }
    assertThatThrownBy(() -> params("step", "999999999999d").duration("step", null))
        .isInstanceOf(BadRequest.class)
        .hasMessageContaining("at most");
    assertThat(params("to", "9999-12-31T00:00:00Z").time("to", null))
        .isEqualTo(Instant.parse("9999-12-31T00:00:00Z"));
    assertThat(params("step", "5y").duration("step", null)).isEqualTo(Duration.ofDays(5 * 365));
  }
}
