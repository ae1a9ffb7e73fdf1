package io.kilowatch.collector.dcgm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
    if (i >= n || !Character.isWhitespace(line.charAt(i))) {
      return null;
    }
    String[] rest = line.substring(i).strip().split("\\s+");
    if (rest.length < 1 || rest.length > 2) {
      return null;
    }
    Double value = parseValue(rest[0]);
    if (value == null) {
      return null;
    }
    if (rest.length == 2 && !rest[1].matches("-?\\d+")) {
      return null;
    }
    return new Series(name, labels, value);
  }

  /** A Prometheus float, or null when it is not one. */
  static Double parseValue(String s) {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "nan":
        return Double.NaN;
      case "+inf", "inf":
        return Double.POSITIVE_INFINITY;
      case "-inf":
        return Double.NEGATIVE_INFINITY;
      default:
        break;
    }
    // Double.parseDouble also takes Java-only forms ("1d", "Infinity", hex): refuse those.
    if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
      return null;
    }
    return Double.parseDouble(s);
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
