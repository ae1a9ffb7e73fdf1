package io.kilowatch.analytics.report;

import java.util.List;
import java.util.Locale;

/** A self-contained HTML report: tables, inline SVG charts and the canonical JSON embedded. */
public final class HtmlReport {
  private static final String OPEN = "<script type=\"application/json\" id=\"kilowatch-report\">";

  private HtmlReport() {}

  public static String render(Report r) {
    var p = r.provenance();
    var q = p.params();
    var sb = new StringBuilder();
    sb.append(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>kilowatch energy report ")
        .append(esc(q.site()))
        .append(' ')
        .append(q.from())
        .append(" to ")
        .append(q.to())
        .append(
            "</title>\n<style>body{font:14px system-ui,sans-serif;margin:2em;color:#111}"
                + "table{border-collapse:collapse;margin:0 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
                + "td.n{text-align:right;font-variant-numeric:tabular-nums}.b-measured{color:#065f46}"
                + ".b-computed{color:#1e40af}.b-declared{color:#92400e}.b-not-available{color:#991b1b}"
                + "svg{margin:0 1em 1em 0;border:1px solid #eee}code{font-size:12px}</style>\n</head><body>\n");
    sb.append("<h1>Energy report: ")
        .append(esc(q.site()))
        .append(q.cluster() == null ? "" : ", cluster " + esc(q.cluster()))
        .append("</h1>\n");
    sb.append("<p>Period [")
        .append(q.from())
        .append(", ")
        .append(q.to())
        .append(") (site time zone ")
        .append(esc(q.zone()))
        .append(")</p>\n");
    sb.append("<div>");
    for (var c : Charts.of(r)) {
      sb.append(svg(c));
    }
    sb.append("</div>\n");
    var figures = ReportFigures.of(r);
    section(sb, "Headline", figures, "headline");
    section(sb, "Emissions and companion KPIs", figures, "carbon");
    section(sb, "By month", figures, "month");
    section(sb, "By cluster", figures, "cluster");
    section(sb, "EU EED reporting fields", figures, "eed");
    section(sb, "Data coverage per meter", figures, "meter");
    if (r.jobs() != null) {
      section(sb, "Energy and carbon per account and job", figures, "jobs");
    }
    section(sb, "Provenance", figures, "meta");
    sb.append(
        "<p>Verify with <code>kilowatch report --config FILE --verify THIS_FILE</code>.</p>\n");
    sb.append(OPEN)
        .append('\n')
        .append(CanonicalText.json(r))
        .append("</script>\n</body></html>\n");
    return sb.toString();
  }

  /** The canonical JSON a report page carries. */
  static String embeddedJson(String html) throws java.io.IOException {
    int a = html.indexOf(OPEN);
    int b = html.indexOf("</script>", a);
    if (a < 0 || b < 0) {
      throw new java.io.IOException("no embedded kilowatch report in this HTML");
    }
    return html.substring(a + OPEN.length() + 1, b);
  }

  private static void section(StringBuilder sb, String title, List<Figure> figures, String s) {
    sb.append("<h2>")
        .append(title)
        .append(
            "</h2>\n<table><tr><th>scope</th><th>field</th>"
                + "<th>value</th><th>unit</th><th>basis</th></tr>\n");
    for (Figure f : figures) {
      if (!f.section().equals(s)) {
        continue;
      }
      String text = f.value() == null ? "—" : f.shown();
      sb.append("<tr><td>")
          .append(esc(f.scope()))
          .append("</td><td>")
          .append(esc(f.field()))
          .append("</td><td class=\"")
          .append(f.numeric() ? "n" : "")
          .append("\">")
          .append(esc(text))
          .append("</td><td>")
          .append(esc(f.unit()))
          .append("</td><td class=\"b-")
          .append(f.basis())
          .append("\">")
          .append(esc(f.basis()))
          .append("</td></tr>\n");
    }
    sb.append("</table>\n");
  }

  private static String svg(Charts.Chart c) {
    int w = 420;
    int h = 220;
    int left = 60;
    int top = 30;
    int pw = w - left - 10;
    int ph = h - top - 40;
    var sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
            w,
            h,
            w,
            h));
    sb.append("<title>").append(esc(c.title())).append("</title>");
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"18\" font-size=\"13\">%s</text>",
            left,
            esc(c.title())));
    sb.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>",
            left,
            top + ph,
            left + pw,
            top + ph));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>",
            left - 4,
            top + 8,
            num(c.max())));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>",
            left - 4,
            top + ph,
            c.line() ? "1.0" : "0"));
    String prev = null;
    for (var m : c.marks()) {
      double x = left + m.x() * pw;
      if (c.line()) {
        double y = top + ph - m.y() * ph;
        String pt = String.format(Locale.ROOT, "%.1f,%.1f", x, y);
        if (prev != null) {
          sb.append("<line x1=\"")
              .append(prev.split(",")[0])
              .append("\" y1=\"")
              .append(prev.split(",")[1])
              .append("\" x2=\"")
              .append(pt.split(",")[0])
              .append("\" y2=\"")
              .append(pt.split(",")[1])
              .append("\" stroke=\"")
              .append(Charts.COLORS[0])
              .append("\" stroke-width=\"2\"/>");
        }
        sb.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
                x,
                y,
                Charts.COLORS[0]));
        prev = pt;
      } else {
        double y = top + ph - (m.y() + m.h()) * ph;
        sb.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
                x,
                y,
                m.w() * pw,
                m.h() * ph,
                Charts.COLORS[m.series() % Charts.COLORS.length]));
      }
    }
    int n = c.labels().size();
    for (int i = 0; i < n; i++) {
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
              left + (i + 0.5) * pw / n,
              top + ph + 14,
              esc(c.labels().get(i))));
    }
    for (int s = 0; s < c.series().size(); s++) {
      int x = left + s * 110;
      sb.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>",
              x,
              h - 14,
              Charts.COLORS[s],
              x + 14,
              h - 5,
              esc(c.series().get(s))));
    }
    return sb.append("</svg>").toString();
  }

  static String num(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
  }

  private static String esc(String s) {
    return s == null
        ? ""
        : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
