package io.kilowatch.collector.dcgm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the Prometheus text exposition format (version 0.0.4) as dcgm-exporter writes it.
 *
 * <p>Comments, {@code # HELP} and {@code # TYPE} lines are skipped (types are not needed: the DCGM
 * field says what a series is). Label values may contain escaped {@code \\}, {@code \"} and {@code
 * \n}. Values may be {@code NaN}, {@code +Inf} or {@code -Inf}; an optional timestamp after the
 * value is ignored. Real exporters do emit invalid lines (dcgm-exporter writes {@code ERROR -
 * FAILED TO CONVERT TO STRING} as a value): such a line is skipped and counted, the rest of the
 * scrape is kept.
 */
public final class PrometheusTextParser {
  private PrometheusTextParser() {}

  /** One series value. */
  public record Series(String name, Map<String, String> labels, double value) {
    public Series {
      labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }
  }

  /**
   * What a scrape held.
   *
   * @param skipped lines that were neither comments nor valid samples
   * @param firstSkipped the first such line, for the warning (long label sets elided, the value
   *     kept), or null
   */
  public record Result(List<Series> series, int skipped, String firstSkipped) {
    public Result {
      series = List.copyOf(series);
    }
  }

  public static Result parse(String text) {
    var series = new ArrayList<Series>();
    int skipped = 0;
    String firstSkipped = null;
    for (String raw : text.split("\n", -1)) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Series s = parseLine(line);
      if (s == null) {
        skipped++;
        if (firstSkipped == null) {
          firstSkipped = shorten(line);
        }
      } else {
        series.add(s);
      }
    }
    return new Result(series, skipped, firstSkipped);
  }

  /** A line short enough for a log message that still shows the name and the bad value. */
  static String shorten(String line) {
    if (line.length() <= 200) {
      return line;
    }
    int brace = line.lastIndexOf('}');
    if (brace > 0 && line.length() - brace < 120) {
      return line.substring(0, Math.min(80, brace)) + "…" + line.substring(brace);
    }
    return line.substring(0, 200) + "…";
  }

  /** One sample line, or null when it is not one. */
  static Series parseLine(String line) {
    int i = 0;
    int n = line.length();
    while (i < n && isNameChar(line.charAt(i), i == 0)) {
      i++;
    }
    if (i == 0) {
      return null;
    }
    String name = line.substring(0, i);
    var labels = new LinkedHashMap<String, String>();
    if (i < n && line.charAt(i) == '{') {
      i++;
      while (true) {
        i = skipSpaces(line, i);
        if (i < n && line.charAt(i) == '}') {
          i++;
          break;
        }
        int start = i;
        while (i < n && isNameChar(line.charAt(i), i == start)) {
          i++;
        }
        if (i == start) {
          return null;
        }
        String key = line.substring(start, i);
        i = skipSpaces(line, i);
        if (i >= n || line.charAt(i) != '=') {
          return null;
        }
        i = skipSpaces(line, i + 1);
        if (i >= n || line.charAt(i) != '"') {
          return null;
        }
        i++;
        // Most values hold no escape: take them as a substring, without copying char by char.
        int plainEnd = i;
        while (plainEnd < n && line.charAt(plainEnd) != '"' && line.charAt(plainEnd) != '\\') {
          plainEnd++;
        }
        if (plainEnd < n && line.charAt(plainEnd) == '"') {
          labels.put(key, line.substring(i, plainEnd));
          i = skipSpaces(line, plainEnd + 1);
          if (i < n && line.charAt(i) == ',') {
            i++;
            continue;
          } else if (i < n && line.charAt(i) == '}') {
            i++;
            break;
          } else {
            return null;
          }
        }
        var value = new StringBuilder();
        boolean closed = false;
        while (i < n) {
          char c = line.charAt(i++);
          if (c == '\\' && i < n) {
            char e = line.charAt(i++);
            switch (e) {
              case 'n' -> value.append('\n');
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              default -> value.append('\\').append(e);
            }
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value.append(c);
          }
        }
        if (!closed) {
          return null;
        }
        labels.put(key, value.toString());
        i = skipSpaces(line, i);
        if (i < n && line.charAt(i) == ',') {
          i++;
        } else if (i < n && line.charAt(i) == '}') {
          i++;
          break;
        } else {
          return null;
        }
      }
    }
    Double value = parseTail(line, i, n);
    return value == null ? null : new Series(name, labels, value);
  }

  /**
   * What follows a series' name and labels in {@code s[i, n)}: whitespace, the value and an
   * optional integer timestamp. The value, or null when the rest is not that.
   */
  static Double parseTail(CharSequence line, int i, int n) {
    if (i >= n || !Character.isWhitespace(line.charAt(i))) {
      return null;
    }
    // The value and an optional timestamp, separated by regex \s runs, after the whitespace that
    // strip() drops. By hand: a regex split and two matches() per line, each compiling its
    // pattern, were most of the parser's CPU at 3,125 scrapes of 32 lines every 10 s (JFR).
    while (i < n && Character.isWhitespace(line.charAt(i))) {
      i++;
    }
    int valueStart = i;
    while (i < n && !isRegexSpace(line.charAt(i))) {
      i++;
    }
    Double value = parseValue(line, valueStart, i);
    if (value == null) {
      return null;
    }
    while (i < n && isRegexSpace(line.charAt(i))) {
      i++;
    }
    if (i < n) {
      int stampStart = i;
      while (i < n && !isRegexSpace(line.charAt(i))) {
        i++;
      }
      if (!isInteger(line, stampStart, i)) {
        return null;
      }
      while (i < n && isRegexSpace(line.charAt(i))) {
        i++;
      }
      if (i < n) {
        return null;
      }
    }
    return value;
  }

  /** A Prometheus float, or null when it is not one. */
  static Double parseValue(String s) {
    return parseValue(s, 0, s.length());
  }

  /** The Prometheus float in {@code line[from, to)}, or null when it is not one. */
  static Double parseValue(CharSequence line, int from, int to) {
    double plain = plainDecimal(line, from, to);
    if (!Double.isNaN(plain)) {
      return plain;
    }
    String s = line.subSequence(from, to).toString();
    // Numbers first: nearly every value is one.
    if (isDecimal(s)) {
      return Double.parseDouble(s);
    }
    if (s.equalsIgnoreCase("nan")) {
      return Double.NaN;
    }
    if (s.equalsIgnoreCase("+inf") || s.equalsIgnoreCase("inf")) {
      return Double.POSITIVE_INFINITY;
    }
    if (s.equalsIgnoreCase("-inf")) {
      return Double.NEGATIVE_INFINITY;
    }
    // Double.parseDouble also takes Java-only forms ("1d", "Infinity", hex): refuse those.
    if (!isDecimal(s)) {
      return null;
    }
    return Double.parseDouble(s);
  }

  /** Exact powers of ten: every one up to 10^22 is a double without rounding. */
  private static final double[] POWERS_OF_TEN = new double[23];

  static {
    double p = 1;
    for (int k = 0; k < POWERS_OF_TEN.length; k++) {
      POWERS_OF_TEN[k] = p;
      p *= 10;
    }
  }

  /**
   * A value such as {@code 312.5}, {@code -0.25} or {@code 45}, without the substring, the boxed
   * digits and the parser's buffers that {@link Double#parseDouble} spends on each (most of the
   * scrape path's garbage at 25,000 GPUs, JFR): NaN when the text is anything else, or has more
   * than 15 digits, and the caller then takes the general path. With at most 15 digits the digits
   * as an integer m are below 2^53 and 10^k (k &lt; 16 digits after the point) is exact, so both
   * are doubles without rounding and one IEEE division rounds m / 10^k correctly: the same double
   * as {@link Double#parseDouble}, which also rounds correctly (Clinger's fast path).
   */
  private static double plainDecimal(CharSequence s, int from, int to) {
    int i = from;
    boolean negative = false;
    if (i < to && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      negative = s.charAt(i) == '-';
      i++;
    }
    long digits = 0;
    int count = 0;
    int afterPoint = -1;
    for (; i < to; i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (++count > 15) {
          return Double.NaN;
        }
        digits = digits * 10 + (c - '0');
        if (afterPoint >= 0) {
          afterPoint++;
        }
      } else if (c == '.' && afterPoint < 0) {
        afterPoint = 0;
      } else {
        return Double.NaN;
      }
    }
    if (count == 0) {
      return Double.NaN;
    }
    double v = afterPoint > 0 ? digits / POWERS_OF_TEN[afterPoint] : (double) digits;
    return negative ? -v : v;
  }

  /** {@code [+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?}, checked without a regex. */
  static boolean isDecimal(String s) {
    int n = s.length();
    int i = 0;
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    int digits = 0;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    // Digits before or after the point (a lone "." or "+" is no number).
    if (digits == 0) {
      return false;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exponent = i;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
      }
      if (i == exponent) {
        return false;
      }
    }
    return i == n;
  }

  /** {@code -?\d+} over {@code s[from, to)}. */
  private static boolean isInteger(CharSequence s, int from, int to) {
    int i = from < to && s.charAt(from) == '-' ? from + 1 : from;
    if (i == to) {
      return false;
    }
    for (; i < to; i++) {
      if (!isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** What {@code \d} matches in a Java regex: ASCII digits only. */
  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** What {@code \s} matches in a Java regex (without UNICODE_CHARACTER_CLASS). */
  private static boolean isRegexSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
  }

  private static boolean isNameChar(char c, boolean first) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || c == '_'
        || c == ':'
        || (!first && c >= '0' && c <= '9');
  }

  private static int skipSpaces(String s, int i) {
    while (i < s.length() && s.charAt(i) == ' ') {
      i++;
    }
    return i;
  }
}
