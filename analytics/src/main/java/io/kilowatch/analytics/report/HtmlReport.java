package io.kilowatch.analytics.report;

import java.util.Locale;

/** A self-contained HTML report: tables, inline SVG charts and the canonical JSON embedded. */
public final class HtmlReport {
  private static final String OPEN = "<script type=\"application/json\" id=\"kilowatch-report\">";

  private HtmlReport() {}

  public static String render(Report r) {
    var q = r.provenance().params();
    var sb = new StringBuilder();
    sb.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
        .append(esc(ReportDocument.title(r)))
        .append(' ')
        .append(q.from())
        .append(" to ")
        .append(q.to())
        .append(
            "</title>\n<style>body{font:14px system-ui,sans-serif;margin:2em auto;max-width:60em;color:#111}"
                + "table{border-collapse:collapse;margin:0 0 1.5em;width:100%}"
                + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
                + "th{background:#f3f4f6}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
                + "h2.page{break-before:page}p.empty{border:1px dashed #bbb;padding:1em;color:#555}"
                + "svg{margin:0 1em 1em 0;border:1px solid #eee}code{font-size:13px}"
                + "@media print{thead{display:table-header-group}}</style>\n</head><body>\n");
    for (var b : ReportDocument.of(r)) {
      switch (b) {
        case ReportDocument.Title t -> sb.append("<h1>").append(esc(t.text())).append("</h1>\n");
        case ReportDocument.Heading h ->
            sb.append(h.newPage() ? "<h2 class=\"page\">" : "<h2>")
                .append(esc(h.text()))
                .append("</h2>\n");
        case ReportDocument.Para p -> sb.append("<p>").append(esc(p.text())).append("</p>\n");
        case ReportDocument.Code c ->
            sb.append("<p><code>").append(esc(c.text())).append("</code></p>\n");
        case ReportDocument.Table t -> table(sb, t);
        case ReportDocument.ChartBlock c ->
            sb.append(
                    c.chart().empty() == null
                        ? svg(c.chart())
                        : "<p class=\"empty\">" + esc(c.chart().empty()) + "</p>")
                .append('\n');
      }
    }
    sb.append(OPEN)
        .append('\n')
        .append(CanonicalText.json(r))
        .append("</script>\n</body></html>\n");
    return sb.toString();
  }

  private static void table(StringBuilder sb, ReportDocument.Table t) {
    sb.append("<table>");
    if (t.caption() != null) {
      sb.append("<caption hidden>").append(esc(t.caption())).append("</caption>");
    }
    sb.append("<thead><tr>");
    for (var c : t.cols()) {
      sb.append(c.numeric() ? "<th class=\"n\">" : "<th>").append(esc(c.name())).append("</th>");
    }
    sb.append("</tr></thead>\n<tbody>\n");
    for (var row : t.rows()) {
      sb.append("<tr>");
      for (int i = 0; i < row.size(); i++) {
        sb.append(t.cols().get(i).numeric() ? "<td class=\"n\">" : "<td>")
            .append(esc(row.get(i)))
            .append("</td>");
      }
      sb.append("</tr>\n");
    }
    sb.append("</tbody></table>\n");
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

  private static String svg(Charts.Chart c) {
    int w = 640;
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
    int every = Charts.labelEvery(n);
    for (int i = 0; i < n; i += every) {
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
