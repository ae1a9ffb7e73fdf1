package io.kilowatch.app.history;

import io.kilowatch.store.Sample;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * History as CSV: a header {@code time,measurement,field,value} (any order, any case) and any other
 * columns, which become tags (an empty cell: no such tag). {@code time} is ISO-8601 with an offset
 * ({@code 2026-01-01T00:00:00Z}, {@code 2026-01-01T01:00:00+01:00}) or epoch milliseconds. Cells
 * may be double-quoted (RFC 4180: {@code ""} is one quote), so tag values can hold commas. One row,
 * one sample of one field.
 */
final class CsvRows {
  static final List<String> REQUIRED = List.of("time", "measurement", "field", "value");

  /** A row that cannot be imported; its message says why. */
  static final class BadRow extends Exception {
    private static final long serialVersionUID = 1L;

    BadRow(String message) {
      super(message);
    }
  }

  private final int width;
  private final int time;
  private final int measurement;
  private final int field;
  private final int value;
  private final List<String> names;

  private CsvRows(List<String> names) {
    this.names = names;
    this.width = names.size();
    this.time = names.indexOf("time");
    this.measurement = names.indexOf("measurement");
    this.field = names.indexOf("field");
    this.value = names.indexOf("value");
  }

  /** Whether a first line reads as this format's header. */
  static boolean looksLikeHeader(String line) {
    try {
      var cells = split(line).stream().map(c -> c.strip().toLowerCase(Locale.ROOT)).toList();
      return cells.containsAll(REQUIRED);
    } catch (BadRow e) {
      return false;
    }
  }

  /** The columns a header names. */
  static CsvRows header(String line) throws BadRow {
    var names = new ArrayList<String>();
    Set<String> seen = new HashSet<>();
    for (String cell : split(line)) {
      String name = cell.strip();
      String key =
          REQUIRED.contains(name.toLowerCase(Locale.ROOT)) ? name.toLowerCase(Locale.ROOT) : name;
      if (key.isEmpty()) {
        throw new BadRow("header: a column has no name");
      }
      if (!seen.add(key)) {
        throw new BadRow("header: column '" + key + "' given twice");
      }
      names.add(key);
    }
    var missing = REQUIRED.stream().filter(r -> !names.contains(r)).toList();
    if (!missing.isEmpty()) {
      throw new BadRow(
          "header must have the columns time,measurement,field,value (other columns are tags);"
              + " missing: "
              + String.join(", ", missing));
    }
    return new CsvRows(names);
  }

  /** One data row as a sample. */
  Sample row(String line) throws BadRow {
    List<String> cells = split(line);
    if (cells.size() != width) {
      throw new BadRow("expected " + width + " columns as in the header, got " + cells.size());
    }
    Instant t = time(cells.get(time).strip());
    String m = cells.get(measurement).strip();
    String f = cells.get(field).strip();
    if (m.isEmpty()) {
      throw new BadRow("empty measurement");
    }
    if (f.isEmpty()) {
      throw new BadRow("empty field");
    }
    double v = number(cells.get(value).strip(), f);
    var tags = new TreeMap<String, String>();
    for (int i = 0; i < width; i++) {
      if (i != time && i != measurement && i != field && i != value && !cells.get(i).isEmpty()) {
        tags.put(names.get(i), cells.get(i));
      }
    }
    return Sample.of(t, m, tags, Map.of(f, v));
  }

  private static double number(String text, String field) throws BadRow {
    if (text.isEmpty()) {
      throw new BadRow("empty value for field '" + field + "'");
    }
    try {
      double v = Double.parseDouble(text);
      if (Double.isFinite(v) && !text.endsWith("d") && !text.endsWith("f")) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadRow("invalid value for field '" + field + "': " + text);
  }

  /** Epoch milliseconds, or ISO-8601 with an offset or zone. */
  static Instant time(String text) throws BadRow {
    if (text.isEmpty()) {
      throw new BadRow("empty time");
    }
    if (text.matches("-?[0-9]+")) {
      try {
        return Instant.ofEpochMilli(Long.parseLong(text));
      } catch (NumberFormatException | DateTimeException e) {
        throw new BadRow("time out of range: " + text);
      }
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      // try the forms below
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      // try the forms below
    }
    try {
      return ZonedDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      // reported below
    }
    throw new BadRow(
        "invalid time '"
            + text
            + "': ISO-8601 with an offset (2026-01-01T00:00:00Z, ...+01:00) or epoch"
            + " milliseconds");
  }

  /** The cells of one line; a cell in double quotes may hold commas and {@code ""} quotes. */
  static List<String> split(String line) throws BadRow {
    var cells = new ArrayList<String>();
    var cell = new StringBuilder();
    int i = 0;
    int n = line.length();
    while (true) {
      if (i < n && line.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new BadRow("unterminated quote (a quoted cell must end on the same line)");
          }
          char c = line.charAt(i++);
          if (c == '"') {
            if (i < n && line.charAt(i) == '"') {
              cell.append('"');
              i++;
            } else {
              break;
            }
          } else {
            cell.append(c);
          }
        }
        if (i < n && line.charAt(i) != ',') {
          throw new BadRow("unexpected text after a quoted cell (column " + (i + 1) + ")");
        }
      } else {
        while (i < n && line.charAt(i) != ',') {
          cell.append(line.charAt(i++));
        }
      }
      cells.add(cell.toString());
      cell.setLength(0);
      if (i >= n) {
        return cells;
      }
      i++; // the comma
    }
  }
}
