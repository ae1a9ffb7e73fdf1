package io.kilowatch.collector.lineprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.store.Sample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Property tests with seeded randomness: whatever the writer writes, the parser reads back exactly;
 * and no input, however broken, makes the parser throw anything but its own result.
 */
class LineProtocolRoundTripTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** Characters that need escaping, mixed with ordinary and non-ASCII ones. */
  private static final String ALPHABET = "abcXYZ019_-.:/ ,=\\\"'#µ°é{}[]i";

  @Test
  void randomSamplesSurviveWriteThenParse() {
    Random random = new Random(20261122);
    for (int round = 0; round < 1000; round++) {
      var samples = new ArrayList<Sample>();
      int n = 1 + random.nextInt(5);
      for (int k = 0; k < n; k++) {
        samples.add(randomSample(random));
      }
      Precision precision = Precision.values()[random.nextInt(4)];
      List<Sample> truncated = samples.stream().map(s -> truncate(s, precision)).toList();

      String text = LineProtocolWriter.format(samples, precision);
      var parsed = LineProtocolParser.parse(text, precision, NOW);

      assertThat(parsed.problems()).as(text).isEmpty();
      assertThat(parsed.samples()).as(text).isEqualTo(truncated);
    }
  }

  @Test
  void randomGarbageGivesProblemsNeverExceptions() {
    Random random = new Random(7);
    String pieces = ALPHABET + "\n\r\t\u0000=, \"\\tfTFiu-+eE.";
    int good = 0;
    for (int round = 0; round < 10_000; round++) {
      var sb = new StringBuilder();
      int len = random.nextInt(60);
      for (int k = 0; k < len; k++) {
        sb.append(pieces.charAt(random.nextInt(pieces.length())));
      }
      var r = LineProtocolParser.parse(sb, Precision.values()[random.nextInt(4)], NOW);
      assertThat(r.samples().size() + r.problems().size()).isEqualTo(r.lines());
      good += r.samples().size();
    }
    assertThat(good).as("some random lines are valid").isPositive();
  }

  @Test
  void mutatedValidLinesGiveProblemsNeverExceptionsAndNeverHalfALine() {
    Random random = new Random(99);
    for (int round = 0; round < 3000; round++) {
      Sample s = randomSample(random);
      String line = LineProtocolWriter.format(List.of(s), Precision.NS).strip();
      var chars = new StringBuilder(line);
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits && !chars.isEmpty(); e++) {
        int at = random.nextInt(chars.length());
        switch (random.nextInt(3)) {
          case 0 -> chars.deleteCharAt(at);
          case 1 -> chars.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
          default -> chars.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
      }
      var r = LineProtocolParser.parse(chars, Precision.NS, NOW);
      assertThat(r.samples().size() + r.problems().size()).isEqualTo(r.lines());
      assertThat(r.lines()).isLessThanOrEqualTo(1);
    }
  }

  private static Sample randomSample(Random random) {
    var tags = new TreeMap<String, String>();
    for (int t = random.nextInt(4); t > 0; t--) {
      tags.put(word(random), word(random));
    }
    var fields = new TreeMap<String, Double>();
    for (int f = 1 + random.nextInt(4); f > 0; f--) {
      fields.put(word(random), value(random));
    }
    String measurement = word(random);
    if (measurement.startsWith("#")) {
      measurement = "m" + measurement;
    }
    long seconds = random.nextLong(-2_000_000_000L, 4_000_000_000L);
    Instant time = Instant.ofEpochSecond(seconds, random.nextInt(1_000_000_000));
    return new Sample(time, measurement, tags, fields, io.kilowatch.store.Quality.GOOD);
  }

  private static String word(Random random) {
    var sb = new StringBuilder();
    for (int k = 1 + random.nextInt(8); k > 0; k--) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  private static double value(Random random) {
    return switch (random.nextInt(5)) {
      case 0 -> random.nextInt(2000) - 1000;
      case 1 -> random.nextDouble() * 1000;
      case 2 -> anyFinite(random);
      case 3 -> random.nextLong() / 1000.0;
      default -> -0.0;
    };
  }

  /** Any finite double bit pattern: subnormals, huge and tiny exponents. */
  private static double anyFinite(Random random) {
    double d;
    do {
      d = Double.longBitsToDouble(random.nextLong());
    } while (!Double.isFinite(d));
    return d;
  }

  private static Sample truncate(Sample s, Precision p) {
    Instant t = p.toInstant(p.fromInstant(s.time()));
    return new Sample(t, s.measurement(), s.tags(), s.fields(), s.quality());
  }
}
