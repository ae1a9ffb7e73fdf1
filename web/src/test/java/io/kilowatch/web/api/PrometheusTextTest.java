package io.kilowatch.web.api;

import static io.kilowatch.web.api.PrometheusText.Type.COUNTER;
import static io.kilowatch.web.api.PrometheusText.Type.GAUGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.web.api.PrometheusText.Labels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exposition writer's rules, which hold for every family whether or not promtool is here. */
class PrometheusTextTest {

  @Test
  void anUnknownValueIsLeftOutRatherThanWrittenAsNaN() {
    var out =
        new PrometheusText()
            .family("kilowatch_x_watts", GAUGE, "x")
            .sample(Labels.of("kind", "nan"), Double.NaN)
            .sample(Labels.of("kind", "inf"), Double.POSITIVE_INFINITY)
            .sample(Labels.of("kind", "known"), 1.5)
            .toString();

    assertThat(out)
        .isEqualTo(
            """
            # HELP kilowatch_x_watts x
            # TYPE kilowatch_x_watts gauge
            kilowatch_x_watts{kind="known"} 1.5
            """);
  }

  @Test
  void labelValuesAndHelpAreEscapedAsTheFormatSays() {
    var out =
        new PrometheusText()
            .family("kilowatch_x", GAUGE, "a \\ and\na \"quote\"")
            .sample(Labels.of("device", "a\\b \"c\"\nd", "kind", "pdu"), 1)
            .toString();

    assertThat(out)
        .isEqualTo(
            """
            # HELP kilowatch_x a \\\\ and\\na "quote"
            # TYPE kilowatch_x gauge
            kilowatch_x{device="a\\\\b \\"c\\"\\nd",kind="pdu"} 1
            """);
  }

  @Test
  void aFamilyWrittenTwiceIsAnError() {
    var out = new PrometheusText().family("kilowatch_x_total", COUNTER, "x").sample(1);

    assertThatThrownBy(() -> out.family("kilowatch_x_total", COUNTER, "again"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("kilowatch_x_total written twice");
  }

  @Test
  void countersEndInTotalAndGaugesDoNot() {
    assertThatThrownBy(() -> new PrometheusText().family("kilowatch_lines", COUNTER, "x"))
        .hasMessageContaining("must end in _total");
    assertThatThrownBy(() -> new PrometheusText().family("kilowatch_lines_total", GAUGE, "x"))
        .hasMessageContaining("must not end in _total");
    assertThatThrownBy(() -> new PrometheusText().family("kilowatch-lines_total", COUNTER, "x"))
        .hasMessageContaining("no Prometheus metric name");
  }

  @Test
  void aServerCounterIsCheckedWhenItIsMadeNotWhenScraped() {
    assertThatThrownBy(() -> new MetricsRoutes.Counter("kilowatch_ingest_lines", "x", () -> 0))
        .hasMessageContaining("must end in _total");
    var taken = new MetricsRoutes.Counter("kilowatch_samples_written_total", "x", () -> 0);
    assertThatThrownBy(() -> new MetricsRoutes(List::of, null, null, null, List.of(taken)))
        .hasMessageContaining("kilowatch_samples_written_total is already exposed");
    var once = new MetricsRoutes.Counter("kilowatch_a_total", "x", () -> 0);
    assertThatThrownBy(() -> new MetricsRoutes(List::of, null, null, null, List.of(once, once)))
        .hasMessageContaining("kilowatch_a_total is already exposed");
  }
}
