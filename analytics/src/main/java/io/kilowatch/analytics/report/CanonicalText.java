package io.kilowatch.analytics.report;

import java.util.List;

/**
 * The byte-stable JSON and CSV forms. Fixed key order (sorted), fixed decimals, {@code \n} line
 * ends, no time of generation: the same data gives the same bytes.
 */
public final class CanonicalText {
  private CanonicalText() {}

  /**
   * The first columns of every CSV header since the first schema: how a CSV report is recognised.
   * Files written before the {@code label} column have exactly this header.
   */
  public static final String CSV_HEADER = "section,scope,field,value,unit,basis";

  /**
   * CSV header: one figure per row; {@code label} last so the first six columns keep their place.
   */
  public static final String CSV_HEADER_LABELLED = CSV_HEADER + ",label";

  public static String csv(Report r) {
    return csv(r, true);
  }

  /**
   * @param labels with the {@code label} column; without it, the form files had before it existed
   *     (what {@code --verify} compares such a file with)
   */
  static String csv(Report r, boolean labels) {
    var sb = new StringBuilder(labels ? CSV_HEADER_LABELLED : CSV_HEADER).append('\n');
    for (Figure f : ReportFigures.of(r)) {
      sb.append(cell(f.section()))
          .append(',')
          .append(cell(f.scope()))
          .append(',')
          .append(cell(f.field()))
          .append(',')
          .append(cell(f.text()))
          .append(',')
          .append(cell(f.unit()))
          .append(',')
          .append(cell(f.basis()));
      if (labels) {
        sb.append(',').append(cell(f.label()));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /**
   * {@code {"figures": [{basis, field, label, scope, section, unit, value}...], "schema":
   * "kilowatch-report/1"}}, keys sorted, one figure per line.
   */
  public static String json(Report r) {
    return json(r, true);
  }

  /**
   * @param labels with the {@code label} field (files written before it have none)
   */
  static String json(Report r, boolean labels) {
    List<Figure> figures = ReportFigures.of(r);
    var sb = new StringBuilder("{\n  \"figures\": [\n");
    for (int i = 0; i < figures.size(); i++) {
      Figure f = figures.get(i);
      sb.append("    {\"basis\": ")
          .append(str(f.basis()))
          .append(", \"field\": ")
          .append(str(f.field()));
      if (labels) {
        sb.append(", \"label\": ").append(str(f.label()));
      }
      sb.append(", \"scope\": ")
          .append(str(f.scope()))
          .append(", \"section\": ")
          .append(str(f.section()))
          .append(", \"unit\": ")
          .append(str(f.unit()))
          .append(", \"value\": ")
          .append(value(f))
          .append(i + 1 < figures.size() ? "},\n" : "}\n");
    }
    sb.append("  ],\n  \"schema\": \"kilowatch-report/1\"\n}\n");
    return sb.toString();
  }

  private static String value(Figure f) {
    if (f.value() == null || f.text().isEmpty()) {
      return "null";
    }
    if (f.numeric() || f.value() instanceof Boolean) {
      return f.text();
    }
    return str(f.text());
  }

  static String str(String s) {
    var sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          // < > & escaped so the JSON can sit inside an HTML <script> unchanged.
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  private static String cell(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
      return s;
    }
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }
}
