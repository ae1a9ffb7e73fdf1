package io.kilowatch.collector.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.collector.dcgm.PrometheusTextParser.Series;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextParserTest {

  @Test
  void parsesTheA800ScrapeAndCountsItsUnconvertibleValues() {
    var result = PrometheusTextParser.parse(Fixtures.read(Fixtures.A800_MIG));

    // 233 sample lines, 10 of which carry "ERROR - FAILED TO CONVERT TO STRING" as the value.
    assertThat(result.series()).hasSize(223);
    assertThat(result.skipped()).isEqualTo(10);
    assertThat(result.firstSkipped())
        .startsWith("DCGM_FI_DEV_VGPU_PER_PROCESS_UTILIZATION{")
        .contains("ERROR - FAILED TO CONVERT TO STRING");
    Series first = result.series().getFirst();
    assertThat(first.name()).isEqualTo("DCGM_FI_DEV_SM_CLOCK");
    assertThat(first.labels())
        .containsEntry("gpu", "0")
        .containsEntry("UUID", "GPU-1f027ee8-6e1e-2b8c-0108-3d370e5f0418")
        .containsEntry("modelName", "NVIDIA A800-SXM4-80GB")
        .containsEntry("GPU_I_ID", "3")
        .containsEntry("DCGM_FI_PROCESS_NAME", "/usr/bin/dcgm-exporter");
    assertThat(first.value()).isEqualTo(1410);
  }

  @Test
  void parsesTheDatadogFixtureIncludingUnlabeledSeriesAndEmptyHelp() {
    var result = PrometheusTextParser.parse(Fixtures.read(Fixtures.DATADOG));

    assertThat(result.skipped()).isZero();
    assertThat(result.series())
        .anySatisfy(
            s -> {
              assertThat(s.name()).isEqualTo("DCGM_FI_DEV_FAN_SPEED");
              assertThat(s.labels()).isEmpty();
              assertThat(s.value()).isZero();
            });
    assertThat(result.series().getLast().name()).isEqualTo("DCGM_FI_PROF_DRAM_ACTIVE");
    assertThat(result.series().getLast().value()).isEqualTo(0.000003);
  }

  @Test
  void indentedLinesAreAccepted() {
    var result = PrometheusTextParser.parse(Fixtures.read(Fixtures.NVIDIA_DOCS_A100));

    assertThat(result.skipped()).isZero();
    assertThat(result.series())
        .filteredOn(s -> s.name().equals("DCGM_FI_DEV_POWER_USAGE"))
        .singleElement()
        .satisfies(s -> assertThat(s.value()).isEqualTo(409.692));
  }

  @Test
  void unescapesLabelValues() {
    var result =
        PrometheusTextParser.parse(
            "m{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\",comma=\"x,y}\"} 1\n");

    assertThat(result.series())
        .singleElement()
        .extracting(Series::labels)
        .isEqualTo(Map.of("path", "C:\\dir", "quote", "say \"hi\"", "nl", "a\nb", "comma", "x,y}"));
  }

  @Test
  void acceptsSpecialFloatsAndTimestampsAndCommentsAndBlankLines() {
    var result =
        PrometheusTextParser.parse(
            """
            # HELP a something
            # TYPE a gauge
            # a free comment

            a{x="1"} NaN
            a{x="2"} +Inf
            a{x="3"} -Inf
            a{x="4"} 1.5e3 1700000000000
            b 42\r
            c{} -7
            """);

    assertThat(result.skipped()).isZero();
    assertThat(result.series())
        .extracting(Series::value)
        .containsExactly(
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1500.0, 42.0, -7.0);
  }

  @Test
  void skipsAndCountsGarbageLinesButKeepsTheRest() {
    var result =
        PrometheusTextParser.parse(
            """
            good 1
            bad_value{gpu="0"} N/A
            java_only 1d
            unterminated{gpu="0} 1
            {gpu="0"} 1
            no_value{gpu="0"}
            <html>
            also_good{gpu="1"} 2
            """);

    assertThat(result.series()).extracting(Series::name).containsExactly("good", "also_good");
    assertThat(result.skipped()).isEqualTo(6);
    assertThat(result.firstSkipped()).isEqualTo("bad_value{gpu=\"0\"} N/A");
  }
}
