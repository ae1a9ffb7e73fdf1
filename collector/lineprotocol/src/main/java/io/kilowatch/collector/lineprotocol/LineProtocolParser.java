package io.kilowatch.collector.lineprotocol;

import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Parses InfluxDB line protocol into samples: one line, one {@link Sample}.
 *
 * <pre>measurement[,tag=value...] field=value[,field=value...] [timestamp]</pre>
 *
 * <p>Escapes as InfluxDB reads them: a backslash escapes comma and space in the measurement, and
 * comma, equals and space in tag keys, tag values and field keys; in a quoted string it escapes a
 * double quote or a backslash. A backslash before any other character is kept as it is.
 *
 * <p>Field values: floats ({@code 1}, {@code -1.5e3}), integers ({@code 12i}), unsigned integers
 * ({@code 12u}) and booleans ({@code t}, {@code true}, {@code F}, {@code FALSE}...; stored as 1 and
 * 0). kilowatch stores numbers, so a line with a string field is refused as a whole, like a line
 * with any other mistake: a line is stored entirely or not at all. Line protocol carries no
 * quality, so every sample is {@link Quality#GOOD}. Blank lines and {@code #} comments are skipped.
 */
public final class LineProtocolParser {
  private LineProtocolParser() {}

  /** A line that was refused: its 1-based number, why, and (shortened) its text. */
  public record Problem(int line, String message, String text) {}

  /**
   * What a body held.
   *
   * @param sampleLines the 1-based line number of each sample, in the same order
   * @param lines non-blank, non-comment lines seen
   */
  public record Result(
      List<Sample> samples, List<Integer> sampleLines, List<Problem> problems, int lines) {
    public Result {
      samples = List.copyOf(samples);
      sampleLines = List.copyOf(sampleLines);
      problems = List.copyOf(problems);
      if (sampleLines.size() != samples.size()) {
        throw new IllegalArgumentException("one line number per sample");
      }
    }
  }

  /**
   * Parses a whole body; never throws for bad input: bad lines are in {@link Result#problems()}.
   *
   * @param now the time of lines without a timestamp
   */
  public static Result parse(CharSequence body, Precision precision, Instant now) {
    return parse(body, precision, now, Limits.NONE);
  }

  /**
   * What a line may hold beyond being well formed. A line over a limit is a bad line like any
   * other, and its problem names the limit, so the writer learns which one to respect.
   *
   * @param subMillisecond what becomes of a timestamp finer than a millisecond, the store's
   *     resolution
   */
  public record Limits(
      int maxLineLength,
      int maxTagKeyLength,
      int maxTagValueLength,
      int maxFieldsPerLine,
      SubMillisecond subMillisecond) {
    public static final Limits NONE =
        new Limits(
            Integer.MAX_VALUE,
            Integer.MAX_VALUE,
            Integer.MAX_VALUE,
            Integer.MAX_VALUE,
            SubMillisecond.KEEP);
  }

  /** A timestamp finer than a millisecond. */
  public enum SubMillisecond {
    /** Passed on as it is. */
    KEEP,
    /**
     * The line is refused: the store keeps milliseconds, so two such points of one series in the
     * same millisecond would replace each other without the writer knowing.
     */
    REJECT
  }

  /** Like {@link #parse(CharSequence, Precision, Instant)}, refusing lines over {@code limits}. */
  public static Result parse(CharSequence body, Precision precision, Instant now, Limits limits) {
    var samples = new ArrayList<Sample>();
    var sampleLines = new ArrayList<Integer>();
    var problems = new ArrayList<Problem>();
    int lines = 0;
    int number = 0;
    int start = 0;
    int n = body.length();
    while (start <= n) {
      int end = start;
      while (end < n && body.charAt(end) != '\n') {
        end++;
      }
      number++;
      int stop = end > start && body.charAt(end - 1) == '\r' ? end - 1 : end;
      String line = body.subSequence(start, stop).toString();
      start = end + 1;
      if (isSkipped(line)) {
        continue;
      }
      lines++;
      try {
        if (line.length() > limits.maxLineLength()) {
          // Parsing it would only build the oversized tags the limit is there to refuse.
          throw new LineProtocolException(
              "line of "
                  + line.length()
                  + " characters is longer than the limit maxLineLength = "
                  + limits.maxLineLength());
        }
        Sample sample = parseLine(line, precision, now);
        check(sample, limits);
        samples.add(sample);
        sampleLines.add(number);
      } catch (LineProtocolException e) {
        problems.add(new Problem(number, e.getMessage(), shorten(line)));
      }
    }
    return new Result(samples, sampleLines, problems, lines);
  }

  private static void check(Sample sample, Limits limits) throws LineProtocolException {
    for (var tag : sample.tags().entrySet()) {
      if (tag.getKey().length() > limits.maxTagKeyLength()) {
        throw new LineProtocolException(
            "tag key of "
                + tag.getKey().length()
                + " characters is longer than the limit maxTagKeyLength = "
                + limits.maxTagKeyLength());
      }
      if (tag.getValue().length() > limits.maxTagValueLength()) {
        throw new LineProtocolException(
            "value of tag '"
                + shorten(tag.getKey(), 40)
                + "' has "
                + tag.getValue().length()
                + " characters, more than the limit maxTagValueLength = "
                + limits.maxTagValueLength());
      }
    }
    if (sample.fields().size() > limits.maxFieldsPerLine()) {
      throw new LineProtocolException(
          sample.fields().size()
              + " fields on one line, more than the limit maxFieldsPerLine = "
              + limits.maxFieldsPerLine());
    }
    if (limits.subMillisecond() == SubMillisecond.REJECT
        && sample.time().getNano() % 1_000_000 != 0) {
      throw new LineProtocolException(
          "timestamp "
              + sample.time()
              + " is finer than a millisecond; kilowatch stores milliseconds, so points less than"
              + " 1 ms apart would replace each other: send whole milliseconds (precision=ms)");
    }
  }

  private static String shorten(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "…";
  }

  /** Whether a line holds nothing to parse: blank, or a {@code #} comment. */
  public static boolean isSkipped(String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '#') {
        return true;
      }
      if (c != ' ' && c != '\t') {
        return false;
      }
    }
    return true;
  }

  /** A line as quoted in a problem: at most 200 characters. */
  public static String shorten(String line) {
    return line.length() <= 200 ? line : line.substring(0, 200) + "…";
  }

  /** One line (without its line break). */
  public static Sample parseLine(String line, Precision precision, Instant now)
      throws LineProtocolException {
    return new Cursor(line).sample(precision, now);
  }

  /** Reads one line left to right, so every error can say where it is. */
  private static final class Cursor {
    private final String s;
    private int i;

    Cursor(String s) {
      this.s = s;
      // Leading whitespace is allowed by InfluxDB.
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
    }

    Sample sample(Precision precision, Instant now) throws LineProtocolException {
      String measurement = token(new char[] {',', ' '}, false, "measurement");
      if (measurement.isEmpty()) {
        throw error("missing measurement");
      }
      var tags = new TreeMap<String, String>();
      while (peek() == ',') {
        i++;
        String key = token(new char[] {'=', ',', ' '}, true, "tag key");
        if (key.isEmpty()) {
          throw error("empty tag key");
        }
        expect('=', "'=' after tag key '" + key + "'");
        String value = token(new char[] {',', ' ', '='}, true, "tag value");
        if (value.isEmpty()) {
          throw error("empty value for tag '" + key + "'");
        }
        if (tags.put(key, value) != null) {
          throw error("tag '" + key + "' given twice");
        }
      }
      if (peek() != ' ') {
        throw error(atEnd() ? "missing fields" : "unexpected '" + peek() + "'");
      }
      skipSpaces();
      var fields = new TreeMap<String, Double>();
      while (true) {
        String key = token(new char[] {'=', ',', ' '}, true, "field key");
        if (key.isEmpty()) {
          throw error(atEnd() ? "missing fields" : "empty field key");
        }
        expect('=', "'=' after field key '" + key + "'");
        double value = fieldValue(key);
        if (fields.put(key, value) != null) {
          throw error("field '" + key + "' given twice");
        }
        if (peek() != ',') {
          break;
        }
        i++;
      }
      Instant time = now;
      if (peek() == ' ') {
        skipSpaces();
        if (!atEnd()) {
          time = timestamp(precision);
        }
      }
      if (!atEnd()) {
        throw error("unexpected '" + peek() + "' after the fields");
      }
      return new Sample(time, measurement, tags, fields, Quality.GOOD);
    }

    private double fieldValue(String key) throws LineProtocolException {
      if (atEnd() || peek() == ',' || peek() == ' ') {
        throw error("missing value for field '" + key + "'");
      }
      if (peek() == '"') {
        skipString(key);
        throw error(
            "string value for field '"
                + key
                + "': kilowatch stores numbers only (send it as a tag, or leave it out)");
      }
      int start = i;
      while (!atEnd() && peek() != ',' && peek() != ' ') {
        i++;
      }
      String v = s.substring(start, i);
      switch (v) {
        case "t", "T", "true", "True", "TRUE":
          return 1;
        case "f", "F", "false", "False", "FALSE":
          return 0;
        default:
          break;
      }
      char last = v.charAt(v.length() - 1);
      try {
        if (last == 'i') {
          return Long.parseLong(integerDigits(v, key, true));
        }
        if (last == 'u') {
          return unsigned(Long.parseUnsignedLong(integerDigits(v, key, false)));
        }
      } catch (NumberFormatException e) {
        throw error("integer out of range for field '" + key + "': " + v);
      }
      if (!isFloat(v)) {
        throw error("invalid value for field '" + key + "': " + v);
      }
      double d = Double.parseDouble(v);
      if (!Double.isFinite(d)) {
        throw error("value out of range for field '" + key + "': " + v);
      }
      return d;
    }

    private String integerDigits(String v, String key, boolean signed)
        throws LineProtocolException {
      String digits = v.substring(0, v.length() - 1);
      int from = signed && digits.startsWith("-") ? 1 : 0;
      if (digits.length() == from) {
        throw error("invalid value for field '" + key + "': " + v);
      }
      for (int k = from; k < digits.length(); k++) {
        if (!Character.isDigit(digits.charAt(k)) || digits.charAt(k) > '9') {
          throw error("invalid value for field '" + key + "': " + v);
        }
      }
      return digits;
    }

    private static double unsigned(long v) {
      return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    /** A decimal float as InfluxDB writes it: no hex, no {@code NaN}/{@code Inf}, no suffix. */
    private static boolean isFloat(String v) {
      int k = 0;
      int n = v.length();
      if (k < n && (v.charAt(k) == '-' || v.charAt(k) == '+')) {
        k++;
      }
      int digits = 0;
      while (k < n && v.charAt(k) >= '0' && v.charAt(k) <= '9') {
        k++;
        digits++;
      }
      if (k < n && v.charAt(k) == '.') {
        k++;
        while (k < n && v.charAt(k) >= '0' && v.charAt(k) <= '9') {
          k++;
          digits++;
        }
      }
      if (digits == 0) {
        return false;
      }
      if (k < n && (v.charAt(k) == 'e' || v.charAt(k) == 'E')) {
        k++;
        if (k < n && (v.charAt(k) == '-' || v.charAt(k) == '+')) {
          k++;
        }
        int exp = 0;
        while (k < n && v.charAt(k) >= '0' && v.charAt(k) <= '9') {
          k++;
          exp++;
        }
        if (exp == 0) {
          return false;
        }
      }
      return k == n;
    }

    private void skipString(String key) throws LineProtocolException {
      i++;
      while (!atEnd()) {
        char c = s.charAt(i++);
        if (c == '\\' && !atEnd()) {
          i++;
        } else if (c == '"') {
          return;
        }
      }
      throw error("unterminated string for field '" + key + "'");
    }

    /** The rest of the line: digits, maybe a minus, then only trailing spaces. */
    private Instant timestamp(Precision precision) throws LineProtocolException {
      int start = i;
      while (!atEnd() && peek() != ' ') {
        i++;
      }
      String text = s.substring(start, i);
      skipSpaces();
      if (!atEnd() || !text.matches("-?[0-9]+")) {
        throw error("invalid timestamp '" + s.substring(start).strip() + "'");
      }
      try {
        return precision.toInstant(Long.parseLong(text));
      } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
        throw error("timestamp out of range: " + text);
      }
    }

    /** Reads up to an unescaped stop character; {@code =} escapes only where it is a stop. */
    private String token(char[] stops, boolean equalsEscapable, String what)
        throws LineProtocolException {
      var out = new StringBuilder();
      while (!atEnd()) {
        char c = peek();
        if (c == '\\' && i + 1 < s.length()) {
          char next = s.charAt(i + 1);
          if (next == ',' || next == ' ' || (equalsEscapable && next == '=') || next == '\\') {
            out.append(next);
            i += 2;
            continue;
          }
          out.append(c);
          i++;
          continue;
        }
        if (c == '\t' || c == '\r' || c == '\n') {
          throw error("control character in " + what);
        }
        if (isStop(c, stops)) {
          break;
        }
        out.append(c);
        i++;
      }
      return out.toString();
    }

    private static boolean isStop(char c, char[] stops) {
      for (char stop : stops) {
        if (c == stop) {
          return true;
        }
      }
      return false;
    }

    private void expect(char c, String what) throws LineProtocolException {
      if (peek() != c) {
        throw error("expected " + what);
      }
      i++;
    }

    private void skipSpaces() {
      while (!atEnd() && peek() == ' ') {
        i++;
      }
    }

    private boolean atEnd() {
      return i >= s.length();
    }

    private char peek() {
      return atEnd() ? '\0' : s.charAt(i);
    }

    private LineProtocolException error(String message) {
      return new LineProtocolException(message + " (column " + (i + 1) + ")");
    }
  }
}
