package io.kilowatch.collector.lineprotocol;

import io.kilowatch.store.Sample;
import java.util.List;
import java.util.Map;

/**
 * Writes samples as InfluxDB line protocol, escaped so that {@link LineProtocolParser} (and
 * InfluxDB) read back the same measurement, tags, fields and time.
 *
 * <p>Non-finite values (the NaN of a BAD reading) have no line-protocol form and are left out; a
 * sample left with no field writes nothing. Quality is not carried: line protocol has none.
 * Integral values are written without a decimal point ({@code 300}, still a float to InfluxDB).
 */
public final class LineProtocolWriter {
  private LineProtocolWriter() {}

  /** The lines of {@code samples}, each ending with a line break. */
  public static String format(List<Sample> samples, Precision precision) {
    var out = new StringBuilder(samples.size() * 160);
    for (Sample s : samples) {
      append(out, s, precision);
    }
    return out.toString();
  }

  /**
   * Appends one line; returns whether it wrote one.
   *
   * @throws IllegalArgumentException when a name or tag holds a line break, which line protocol
   *     cannot carry
   */
  public static boolean append(StringBuilder out, Sample s, Precision precision) {
    int start = out.length();
    try {
      return appendLine(out, s, precision, start);
    } catch (RuntimeException e) {
      out.setLength(start);
      throw e;
    }
  }

  private static boolean appendLine(StringBuilder out, Sample s, Precision precision, int start) {
    if (s.measurement().startsWith("#")) {
      // A line starting with # is a comment to every reader.
      throw new IllegalArgumentException("a measurement cannot start with #");
    }
    escape(out, s.measurement(), false);
    for (Map.Entry<String, String> t : s.tags().entrySet()) {
      out.append(',');
      escape(out, t.getKey(), true);
      out.append('=');
      escape(out, t.getValue(), true);
    }
    char sep = ' ';
    for (Map.Entry<String, Double> f : s.fields().entrySet()) {
      double v = f.getValue();
      if (!Double.isFinite(v)) {
        continue;
      }
      out.append(sep);
      sep = ',';
      escape(out, f.getKey(), true);
      out.append('=');
      number(out, v);
    }
    if (sep == ' ') {
      out.setLength(start);
      return false;
    }
    out.append(' ').append(precision.fromInstant(s.time())).append('\n');
    return true;
  }

  private static void number(StringBuilder out, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15 && !(v == 0 && 1 / v < 0)) {
      out.append((long) v);
    } else {
      out.append(v);
    }
  }

  private static void escape(StringBuilder out, String text, boolean equalsToo) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("empty name or tag value cannot be written");
    }
    for (int k = 0; k < text.length(); k++) {
      char c = text.charAt(k);
      switch (c) {
        case ',', ' ', '\\' -> out.append('\\').append(c);
        case '=' -> {
          if (equalsToo) {
            out.append('\\');
          }
          out.append(c);
        }
        case '\n', '\r', '\t' ->
            throw new IllegalArgumentException("line protocol cannot carry a line break or tab");
        default -> out.append(c);
      }
    }
  }
}
