package io.kilowatch.web.api;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One scrape in the Prometheus text format 0.0.4: each family once with its HELP and TYPE, escaped
 * label values and help, and no sample for a value that is not known.
 */
final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  enum Type {
    GAUGE,
    COUNTER;

    String exposed() {
      return this == GAUGE ? "gauge" : "counter";
    }
  }

  private final StringBuilder out = new StringBuilder(8192);
  private final Set<String> families = new HashSet<>();
  private String current;

  /**
   * Starts a family. A counter's name must end in {@code _total} and a gauge's must not, as
   * Prometheus' own linter requires.
   *
   * @throws IllegalStateException when the family was already written in this scrape, since
   *     Prometheus rejects the whole scrape for a repeated family
   */
  PrometheusText family(String name, Type type, String help) {
    checkName(name, type);
    if (!families.add(name)) {
      throw new IllegalStateException("metric family " + name + " written twice");
    }
    current = name;
    out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type.exposed()).append('\n');
    return this;
  }

  /** A sample of the current family without labels. */
  PrometheusText sample(double value) {
    return sample(Labels.NONE, value);
  }

  /**
   * A sample of the current family. A value that is not finite is left out: Prometheus would store
   * NaN as a number, and a reader cannot tell "unknown" from a real reading.
   */
  PrometheusText sample(Labels labels, double value) {
    if (current == null) {
      throw new IllegalStateException("a sample needs a family first");
    }
    if (!Double.isFinite(value)) {
      return this;
    }
    out.append(current).append(labels.text).append(' ');
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      out.append((long) value);
    } else {
      out.append(value);
    }
    out.append('\n');
    return this;
  }

  @Override
  public String toString() {
    return out.toString();
  }

  /** Throws when {@code name} is no metric name, or its suffix does not fit {@code type}. */
  static void checkName(String name, Type type) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is no Prometheus metric name");
    }
    if (type == Type.COUNTER != name.endsWith("_total")) {
      throw new IllegalArgumentException(
          type == Type.COUNTER
              ? "counter " + name + " must end in _total"
              : "gauge " + name + " must not end in _total, which marks a counter");
    }
  }

  /** A sample's label set, written in the order given; values escaped. */
  record Labels(String text) {
    static final Labels NONE = new Labels("");

    static Labels of(String name, String value) {
      return new Labels("{" + name + "=\"" + escape(value) + "\"}");
    }

    static Labels of(String name1, String value1, String name2, String value2) {
      return new Labels(
          "{" + name1 + "=\"" + escape(value1) + "\"," + name2 + "=\"" + escape(value2) + "\"}");
    }
  }

  /** Label values escape backslash, quote and newline, as the exposition format requires. */
  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  /** HELP text escapes backslash and newline (a quote is literal there). */
  static String escapeHelp(String v) {
    return v.replace("\\", "\\\\").replace("\n", "\\n");
  }
}
