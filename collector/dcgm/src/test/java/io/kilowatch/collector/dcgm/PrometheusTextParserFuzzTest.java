package io.kilowatch.collector.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Seeded random inputs: the parser counts what it cannot read and never throws. */
class PrometheusTextParserFuzzTest {
  private static final String PIECES = "DCGM_FI_{}=\",\\ \n\t#e+-.0123456789NaInf gpu UUID abc";

  @Test
  void randomTextIsSkippedLineByLineNeverThrown() {
    Random random = new Random(42);
    int parsed = 0;
    for (int round = 0; round < 10_000; round++) {
      var sb = new StringBuilder();
      for (int k = random.nextInt(80); k > 0; k--) {
        sb.append(PIECES.charAt(random.nextInt(PIECES.length())));
      }
      var result = PrometheusTextParser.parse(sb.toString());
      long candidates =
          sb.toString()
              .lines()
              .map(String::strip)
              .filter(l -> !l.isEmpty() && !l.startsWith("#"))
              .count();
      assertThat(result.series().size() + result.skipped()).isEqualTo((int) candidates);
      parsed += result.series().size();
    }
    assertThat(parsed).as("some random lines are valid samples").isPositive();
  }

  @Test
  void mutatedRealLinesNeverThrow() {
    Random random = new Random(1);
    String line =
        "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-1\",modelName=\"NVIDIA H100\"} 301.5 1700000000";
    for (int round = 0; round < 10_000; round++) {
      var sb = new StringBuilder(line);
      for (int e = 1 + random.nextInt(3); e > 0 && !sb.isEmpty(); e--) {
        int at = random.nextInt(sb.length());
        char c = PIECES.charAt(random.nextInt(PIECES.length()));
        switch (random.nextInt(3)) {
          case 0 -> sb.deleteCharAt(at);
          case 1 -> sb.insert(at, c);
          default -> sb.setCharAt(at, c);
        }
      }
      var result = PrometheusTextParser.parse(sb.toString());
      assertThat(result.series()).allSatisfy(s -> assertThat(s.name()).isNotEmpty());
    }
  }
}
