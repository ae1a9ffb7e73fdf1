package io.kilowatch.collector.lineprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The ingest endpoints hand the parser whatever a client sends: any text must come back as samples
 * and per-line problems (never an exception, never half a line), and whatever the writer writes
 * must read back exactly.
 */
class LineProtocolPropertyTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** Every character the grammar gives a meaning to, plus ordinary and non-ASCII ones. */
  private static final String SIGNIFICANT = " ,=\\\"#\t\r\n.-+eEiutTfF0123456789abcXµ\u0000";

  @Provide
  Arbitrary<String> bodies() {
    Arbitrary<String> dense = Arbitraries.strings().withChars(SIGNIFICANT).ofMaxLength(120);
    Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(120);
    return Arbitraries.oneOf(
        dense, any, shapedLines().list().ofMaxSize(4).map(ls -> String.join("\n", ls)));
  }

  /** Lines built from line-protocol pieces, so most of them get past the measurement. */
  @Provide
  Arbitrary<String> shapedLines() {
    Arbitrary<String> word =
        Arbitraries.strings().withChars(SIGNIFICANT).ofMinLength(0).ofMaxLength(6);
    Arbitrary<String> name =
        Arbitraries.oneOf(word, Arbitraries.of("gpu", "pdu", "power_w", "a\\ b"));
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.of(
                "1",
                "-1.5e3",
                "12i",
                "-9223372036854775809i",
                "18446744073709551616u",
                "7u",
                "t",
                "FALSE",
                "\"s\"",
                "\"unterminated",
                "1e999",
                "NaN",
                "0x10",
                "-",
                "i",
                "u",
                ".",
                "1e",
                "+.5",
                "1..2"),
            word);
    Arbitrary<String> timestamp =
        Arbitraries.oneOf(
            Arbitraries.of(
                "",
                " 0",
                " -1",
                " 9223372036854775807",
                " -9223372036854775808",
                " 99999999999999999999",
                " 1 2",
                " x"),
            Arbitraries.longs().map(l -> " " + l));
    Arbitrary<String> tags =
        Combinators.combine(name, name)
            .as((k, v) -> "," + k + "=" + v)
            .list()
            .ofMaxSize(3)
            .map(l -> String.join("", l));
    Arbitrary<String> fields =
        Combinators.combine(name, value)
            .as((k, v) -> k + "=" + v)
            .list()
            .ofMinSize(1)
            .ofMaxSize(3)
            .map(l -> String.join(",", l));
    return Combinators.combine(name, tags, Arbitraries.of(" ", "  ", "", ","), fields, timestamp)
        .as((m, t, sep, f, ts) -> m + t + sep + f + ts);
  }

  // Any body: every non-blank, non-comment line is a sample or a problem, numbered as in the body.
  @Property(tries = 2000)
  void anyBodyGivesSamplesAndProblemsNeverAnException(
      @ForAll("bodies") String body, @ForAll Precision precision) {
    var r = LineProtocolParser.parse(body, precision, NOW);

    int lineCount = body.split("\n", -1).length;
    assertThat(r.samples().size() + r.problems().size()).isEqualTo(r.lines());
    assertThat(r.sampleLines()).allSatisfy(n -> assertThat(n).isBetween(1, lineCount));
    assertThat(r.problems())
        .allSatisfy(
            p -> {
              assertThat(p.line()).isBetween(1, lineCount);
              assertThat(p.message()).isNotBlank();
            });
    assertThat(r.samples()).allSatisfy(s -> assertThat(s.fields()).isNotEmpty());
  }

  // One line: parseLine either returns a whole sample or throws its own checked exception.
  @Property(tries = 2000)
  void aLineIsASampleOrALineProtocolException(
      @ForAll("shapedLines") String line, @ForAll Precision precision) {
    try {
      Sample s = LineProtocolParser.parseLine(line, precision, NOW);
      assertThat(s.measurement()).isNotEmpty();
      assertThat(s.fields()).isNotEmpty().allSatisfy((k, v) -> assertThat(v).isFinite());
      assertThat(s.quality()).isEqualTo(Quality.GOOD);
    } catch (LineProtocolException e) {
      assertThat(e.getMessage()).contains("(column ");
    }
  }

  @Provide
  Arbitrary<String> names() {
    // Any text line protocol can carry: no line breaks or tabs, not empty.
    return Arbitraries.oneOf(
            Arbitraries.strings().withChars(" ,=\\\"#abcµ{}'i0").ofMinLength(1).ofMaxLength(8),
            Arbitraries.strings().all().ofMinLength(1).ofMaxLength(8))
        .filter(s -> s.indexOf('\n') < 0 && s.indexOf('\r') < 0 && s.indexOf('\t') < 0);
  }

  @Provide
  Arbitrary<Double> values() {
    return Arbitraries.oneOf(
        Arbitraries.doubles(),
        Arbitraries.longs().map(l -> (double) l),
        Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite),
        Arbitraries.of(
            -0.0, 0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1e15, 1e-7));
  }

  @Provide
  Arbitrary<Sample> samples() {
    Arbitrary<String> measurement = names().filter(s -> !s.startsWith("#"));
    Arbitrary<Map<String, String>> tags = Arbitraries.maps(names(), names()).ofMaxSize(4);
    Arbitrary<Map<String, Double>> fields =
        Arbitraries.maps(names(), values()).ofMinSize(1).ofMaxSize(4);
    // Nanoseconds since 1970 in a long reach 1677..2262.
    Arbitrary<Instant> time =
        Arbitraries.longs()
            .between(-9_000_000_000L, 9_000_000_000L)
            .flatMap(
                s ->
                    Arbitraries.integers()
                        .between(0, 999_999_999)
                        .map(n -> Instant.ofEpochSecond(s, n)));
    return Combinators.combine(time, measurement, tags, fields)
        .as((t, m, tg, f) -> new Sample(t, m, new TreeMap<>(tg), new TreeMap<>(f), Quality.GOOD));
  }

  // Round trip: any sample the writer accepts reads back equal, to the precision's resolution.
  @Property(tries = 300)
  void whatTheWriterWritesTheParserReadsBack(
      @ForAll @Size(min = 1, max = 5) List<@From("samples") Sample> samples,
      @ForAll Precision precision) {
    String text = LineProtocolWriter.format(samples, precision);

    var r = LineProtocolParser.parse(text, precision, NOW);

    assertThat(r.problems()).as(text).isEmpty();
    assertThat(r.samples())
        .as(text)
        .isEqualTo(
            samples.stream()
                .map(
                    s ->
                        new Sample(
                            precision.toInstant(precision.fromInstant(s.time())),
                            s.measurement(),
                            s.tags(),
                            s.fields(),
                            s.quality()))
                .toList());
  }

  // Escaping alone: any name, escaped as a tag value, comes back unchanged.
  @Property(tries = 1000)
  void anyTagValueSurvivesEscaping(@ForAll("names") String value) throws LineProtocolException {
    var s =
        new Sample(
            NOW,
            "m",
            new TreeMap<>(Map.of("k", value)),
            new TreeMap<>(Map.of("f", 1.0)),
            Quality.GOOD);
    String line = LineProtocolWriter.format(List.of(s), Precision.NS).strip();

    assertThat(LineProtocolParser.parseLine(line, Precision.NS, NOW).tags())
        .containsEntry("k", value);
  }
}
