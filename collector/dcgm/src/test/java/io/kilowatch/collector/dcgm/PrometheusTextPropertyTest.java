package io.kilowatch.collector.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * A scrape is whatever the exporter (or something else on that port) sends: any text must come back
 * as series and a count of skipped lines, never an exception, and the GPU mapping must take any
 * series the parser lets through. Well-formed exposition text reads back exactly.
 */
class PrometheusTextPropertyTest {
  private static final String SIGNIFICANT = "{}=\",\\ \n\r\t#e+-.0123456789NaIfgpu_:Aµ";

  @Provide
  Arbitrary<String> scrapes() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars(SIGNIFICANT).ofMaxLength(120),
        Arbitraries.strings().all().ofMaxLength(120),
        shapedLines().list().ofMaxSize(5).map(ls -> String.join("\n", ls)));
  }

  /** Lines of exposition-format pieces, so that most of them reach the labels and the value. */
  @Provide
  Arbitrary<String> shapedLines() {
    Arbitrary<String> word = Arbitraries.strings().withChars(SIGNIFICANT).ofMaxLength(6);
    Arbitrary<String> name =
        Arbitraries.oneOf(
            word, Arbitraries.of(DcgmGpuMapper.FIELDS.keySet()), Arbitraries.of("up"));
    Arbitrary<String> labelName =
        Arbitraries.oneOf(word, Arbitraries.of("gpu", "UUID", "modelName", "GPU_I_ID"));
    Arbitrary<String> labels =
        Combinators.combine(
                labelName, Arbitraries.of("=", " = ", ""), word, Arbitraries.of("\"", ""))
            .as((k, eq, v, q) -> k + eq + "\"" + v + q)
            .list()
            .ofMaxSize(3)
            .map(l -> "{" + String.join(",", l) + "}");
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.of(
                "1",
                "-1.5e3",
                "NaN",
                "+Inf",
                "-inf",
                "1e999",
                ".5",
                "5.",
                "0x1",
                "1d",
                "Infinity",
                "ERROR - FAILED TO CONVERT TO STRING",
                ""),
            Arbitraries.doubles().map(String::valueOf),
            word);
    Arbitrary<String> timestamp =
        Arbitraries.of("", " 1700000000", " -1", " x", " 1 2", " 99999999999999999999");
    return Combinators.combine(
            name,
            Arbitraries.oneOf(labels, Arbitraries.just("")),
            Arbitraries.of(" ", "  ", "\t", ""),
            value,
            timestamp)
        .as((n, l, sep, v, ts) -> n + l + sep + v + ts);
  }

  // Any scrape: each non-blank, non-comment line is a series or one skipped line.
  @Property(tries = 1000)
  void anyScrapeGivesSeriesAndSkippedLinesNeverAnException(@ForAll("scrapes") String text) {
    var result = PrometheusTextParser.parse(text);

    long candidates =
        java.util.Arrays.stream(text.split("\n", -1))
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .count();
    assertThat(result.series().size() + result.skipped()).isEqualTo((int) candidates);
    assertThat(result.series()).allSatisfy(s -> assertThat(s.name()).isNotEmpty());
    assertThat(result.firstSkipped() == null).isEqualTo(result.skipped() == 0);
    // The GPU mapping takes whatever the parser let through.
    assertThat(DcgmGpuMapper.map(result.series())).isNotNull();
  }

  /** A series as exposition text would carry it: valid names, any label value, any double. */
  record Written(String name, Map<String, String> labels, double value) {}

  @Provide
  Arbitrary<Written> series() {
    Arbitrary<String> name =
        Combinators.combine(
                Arbitraries.strings().withChars("abcXYZ_:").ofMinLength(1).ofMaxLength(1),
                Arbitraries.strings().withChars("abcXYZ_:019").ofMaxLength(12))
            .as(String::concat);
    Arbitrary<String> labelValue =
        Arbitraries.oneOf(
            Arbitraries.strings().withChars("\\\"\n{}=, #aµ\t").ofMaxLength(8),
            Arbitraries.strings().all().ofMaxLength(8));
    Arbitrary<Map<String, String>> labels =
        Arbitraries.maps(name, labelValue).ofMaxSize(4).map(LinkedHashMap::new);
    Arbitrary<Double> value =
        Arbitraries.oneOf(
            Arbitraries.doubles(),
            Arbitraries.longs().map(Double::longBitsToDouble),
            Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0));
    return Combinators.combine(name, labels, value).as(Written::new);
  }

  private static final String VALUE_RULE = "[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?";

  // The value check is written by hand (no regex per line); it must take exactly what the rule
  // says. Characters near the rule's edges: digits, signs, points, exponents, letters of NaN/Inf.
  @Property(tries = 2000)
  void aValueIsADecimalExactlyWhenTheRuleSaysSo(@ForAll("valueText") String text) {
    assertThat(PrometheusTextParser.isDecimal(text)).as(text).isEqualTo(text.matches(VALUE_RULE));
  }

  // A plain decimal (nearly every dcgm value) takes a short path of its own: it must give, bit for
  // bit, the double that Double.parseDouble gives, also around its limit of 15 digits.
  @Property(tries = 3000)
  void aPlainDecimalReadsBitForBitAsParseDoubleReadsIt(@ForAll("plainDecimals") String text) {
    assertThat(Double.doubleToRawLongBits(PrometheusTextParser.parseValue(text)))
        .as(text)
        .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(text)));
  }

  @Provide
  Arbitrary<String> plainDecimals() {
    Arbitrary<String> sign = Arbitraries.of("", "+", "-");
    Arbitrary<String> point = Arbitraries.of("", ".");
    Arbitrary<String> few = Arbitraries.strings().numeric().ofMaxLength(9);
    Arbitrary<String> many = Arbitraries.strings().numeric().ofMaxLength(18);
    return Arbitraries.oneOf(
            Combinators.combine(sign, few, point, few).as((s, a, p, b) -> s + a + p + b),
            Combinators.combine(sign, many, point, many).as((s, a, p, b) -> s + a + p + b))
        .filter(t -> t.matches(VALUE_RULE));
  }

  /**
   * After the name and labels: whitespace, a value, optionally whitespace and an integer timestamp,
   * nothing else; runs of regex {@code \\s} separate them (whitespace outside that class, e.g.
   * U+2003 or U+001C, is part of a token), as the exposition rules and the earlier regex split read
   * them.
   */
  @Property(tries = 2000)
  void theValueAndTimestampAreSplitAsTheRuleSays(@ForAll("valueText") String tail) {
    String line = ("m{gpu=\"0\"}" + tail).strip();
    String rest = line.substring(line.indexOf('}') + 1);
    Double expected = null;
    if (!rest.isEmpty() && Character.isWhitespace(rest.charAt(0))) {
      String[] tokens = rest.strip().split("\\s+");
      boolean valueOk = false;
      Double value = null;
      String v = tokens[0];
      if (v.equalsIgnoreCase("nan")) {
        value = Double.NaN;
      } else if (v.equalsIgnoreCase("inf") || v.equalsIgnoreCase("+inf")) {
        value = Double.POSITIVE_INFINITY;
      } else if (v.equalsIgnoreCase("-inf")) {
        value = Double.NEGATIVE_INFINITY;
      } else if (v.matches(VALUE_RULE)) {
        value = Double.parseDouble(v);
      }
      valueOk = value != null;
      boolean stampOk = tokens.length == 1 || (tokens.length == 2 && tokens[1].matches("-?\\d+"));
      expected = valueOk && stampOk ? value : null;
    }
    var parsed = PrometheusTextParser.parseLine(line);
    assertThat(parsed == null ? null : Double.valueOf(parsed.value())).as(line).isEqualTo(expected);
  }

  @Provide
  Arbitrary<String> valueText() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("0123456789+-.eE").ofMaxLength(8),
        Arbitraries.strings()
            .withChars("0123456789+-.eEnaNIf \t\u000B\u001C\u2003x")
            .ofMaxLength(14));
  }

  // Round trip: text written by the exposition rules (escaped \\, \" and \n) parses back exactly.
  @Property(tries = 500)
  void wellFormedExpositionTextReadsBackExactly(
      @ForAll @Size(max = 5) List<@From("series") Written> written) {
    var text = new StringBuilder("# HELP x y\n# TYPE x gauge\n");
    for (Written w : written) {
      text.append(w.name());
      if (!w.labels().isEmpty()) {
        var parts = new ArrayList<String>();
        w.labels().forEach((k, v) -> parts.add(k + "=\"" + escape(v) + "\""));
        text.append('{').append(String.join(",", parts)).append('}');
      }
      text.append(' ').append(format(w.value())).append(" 1700000000000\n");
    }

    var result = PrometheusTextParser.parse(text.toString());

    assertThat(result.skipped()).as(text.toString()).isZero();
    assertThat(result.series()).hasSameSizeAs(written);
    for (int i = 0; i < written.size(); i++) {
      var s = result.series().get(i);
      assertThat(s.name()).isEqualTo(written.get(i).name());
      assertThat(s.labels()).isEqualTo(written.get(i).labels());
      // Boxed: NaN equals NaN, and -0.0 is not 0.0.
      assertThat(Double.valueOf(s.value())).isEqualTo(Double.valueOf(written.get(i).value()));
    }
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String format(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return Double.toString(v);
  }
}
