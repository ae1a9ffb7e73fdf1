package io.kilowatch.analytics.report;

import java.util.Locale;

/**
 * One line of a report's flat form (the CSV row, the JSON {@code figures} entry).
 *
 * @param value a {@link Double} (written with {@code decimals} places), a {@link String}, a {@link
 *     Long}, a {@link Boolean}, or null for "no value"
 * @param basis {@code measured}, {@code computed}, {@code declared}, {@code not-available} or empty
 *     for descriptive fields
 * @param label the human label ({@link ReportLabels}): the CSV's {@code label} column, the JSON's
 *     {@code label} field
 */
public record Figure(
    String section,
    String scope,
    String field,
    Object value,
    String unit,
    String basis,
    int decimals,
    String label) {

  /** A figure with its label from {@link ReportLabels}. */
  public Figure(
      String section,
      String scope,
      String field,
      Object value,
      String unit,
      String basis,
      int decimals) {
    this(
        section,
        scope,
        field,
        value,
        unit,
        basis,
        decimals,
        ReportLabels.label(section, scope, field));
  }

  /** The value as written: fixed decimals in {@link Locale#ROOT}, never exponent notation. */
  public String text() {
    return switch (value) {
      case null -> "";
      case Double d when d.isNaN() || d.isInfinite() -> "";
      case Double d -> String.format(Locale.ROOT, "%." + decimals + "f", d + 0.0);
      default -> value.toString();
    };
  }

  /**
   * The value as a document shows it: energies to the Wh (3 places), ratios to 4 places. The CSV,
   * the JSON and the verification use {@link #text()}, which keeps enough places for a 1e-9
   * relative comparison.
   */
  public String shown() {
    if (value instanceof Double d && !d.isNaN() && !d.isInfinite()) {
      int places = decimals >= 12 ? 4 : decimals >= 9 ? 3 : decimals;
      return String.format(Locale.ROOT, "%." + places + "f", d + 0.0);
    }
    return text();
  }

  public boolean numeric() {
    return value instanceof Double d ? !d.isNaN() && !d.isInfinite() : value instanceof Long;
  }
}
