package io.kilowatch.analytics.report;

import java.util.Locale;

/** The formats a report is written in. */
public enum ReportFormat {
  CSV("text/csv; charset=utf-8"),
  JSON("application/json"),
  HTML("text/html; charset=utf-8"),
  PDF("application/pdf");

  private final String contentType;

  ReportFormat(String contentType) {
    this.contentType = contentType;
  }

  public String contentType() {
    return contentType;
  }

  public String extension() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code csv}, {@code json}, {@code html} or {@code pdf}, any case. */
  public static ReportFormat parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "format must be one of html, pdf, csv, json; got " + text, e);
    }
  }

  /** The format a file name ends with. */
  public static ReportFormat ofFileName(String name) {
    int dot = name.lastIndexOf('.');
    return parse(dot < 0 ? name : name.substring(dot + 1));
  }
}
