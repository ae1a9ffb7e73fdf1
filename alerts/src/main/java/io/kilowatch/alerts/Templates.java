package io.kilowatch.alerts;

import io.kilowatch.config.AlertsConfig;
import io.kilowatch.config.Wording;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code {{value}}}, {@code {{threshold}}}, {@code {{clear}}}, {@code {{unit}}}, {@code
 * {{rule}}}, {@code {{dashboard}}} and {@code {{labels.NAME}}} in annotation text. An unknown
 * placeholder is left as written, so a typo shows in the page instead of vanishing.
 */
final class Templates {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.]+)\\s*}}");

  private Templates() {}

  static SortedMap<String, String> annotations(
      AlertsConfig.Rule rule,
      SortedMap<String, String> labels,
      double value,
      String unit,
      URI externalUrl) {
    String dashboard = dashboardLink(labels, externalUrl);
    SortedMap<String, String> out = new TreeMap<>();
    out.put("summary", defaultSummary(rule));
    out.putAll(rule.annotations());
    out.replaceAll((k, v) -> expand(v, rule, labels, value, unit, dashboard));
    out.put("dashboard", dashboard);
    return out;
  }

  private static String defaultSummary(AlertsConfig.Rule rule) {
    return switch (rule.type()) {
      case DEVICE_DOWN -> "{{labels.device}} is down";
      case ABSENT -> "no data from {{labels.device}} for " + Wording.duration(rule.after());
      case LOAD -> "{{rule}}: load {{value}} % of rating (threshold {{threshold}} %)";
      default -> "{{rule}}: {{value}} {{unit}} (threshold {{threshold}} {{unit}})";
    };
  }

  static String expand(
      String text,
      AlertsConfig.Rule rule,
      Map<String, String> labels,
      double value,
      String unit,
      String dashboard) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String key = m.group(1);
      String replacement =
          switch (key) {
            case "value" -> number(value);
            case "threshold" -> number(rule.threshold());
            case "clear" -> number(rule.clearLevel());
            case "unit" -> unit;
            case "rule" -> rule.name();
            case "dashboard" -> dashboard;
            default ->
                key.startsWith("labels.") && labels.containsKey(key.substring(7))
                    ? labels.get(key.substring(7))
                    : m.group();
          };
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Two decimals at most, no trailing zeros: 87.1, 300, 0.25. */
  static String number(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return String.valueOf(v);
    }
    String s = String.format(Locale.ROOT, "%.2f", v);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  /** The most specific dashboard page for the labels: device, then cluster, then the alerts. */
  static String dashboardLink(Map<String, String> labels, URI externalUrl) {
    String path;
    if (labels.containsKey("device")) {
      path = "device.html?id=" + encode(labels.get("device"));
    } else if (labels.containsKey("cluster")) {
      path = "cluster.html?id=" + encode(labels.get("cluster"));
    } else {
      path = "alerts.html";
    }
    return base(externalUrl) + path;
  }

  static String base(URI externalUrl) {
    if (externalUrl == null) {
      return "/";
    }
    String s = externalUrl.toString();
    return s.endsWith("/") ? s : s + "/";
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
