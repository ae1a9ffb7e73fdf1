package io.kilowatch.analytics.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/**
 * The report as PDF (Apache PDFBox): the same tables and charts as the HTML, drawn with the
 * standard Helvetica fonts (no font files to ship), and the canonical JSON in the document
 * information so {@code --verify} can read it back.
 */
public final class PdfReport {
  static final String META_KEY = "kilowatch-report";
  private static final float MARGIN = 40;

  private PdfReport() {}

  public static void write(Report r, OutputStream out) throws IOException {
    try (var doc = new PDDocument()) {
      var w = new Writer(doc);
      var q = r.provenance().params();
      w.line(
          w.bold,
          16,
          "kilowatch energy report: "
              + q.site()
              + (q.cluster() == null ? "" : ", cluster " + q.cluster()));
      w.line(w.regular, 10, "Period [" + q.from() + ", " + q.to() + ")  time zone " + q.zone());
      w.gap(6);
      for (var c : Charts.of(r)) {
        w.chart(c);
      }
      var figures = ReportFigures.of(r);
      w.section("Headline", figures, "headline");
      w.section("Emissions and companion KPIs", figures, "carbon");
      w.section("By month", figures, "month");
      w.section("By cluster", figures, "cluster");
      w.section("EU EED reporting fields", figures, "eed");
      w.section("Data coverage per meter", figures, "meter");
      if (r.jobs() != null) {
        w.section("Energy and carbon per account and job", figures, "jobs");
      }
      w.section("Provenance", figures, "meta");
      w.close();
      var info = doc.getDocumentInformation();
      info.setTitle("kilowatch energy report " + q.site() + " " + q.from() + " to " + q.to());
      info.setProducer("kilowatch " + r.provenance().kilowatchVersion());
      info.setCustomMetadataValue(META_KEY, CanonicalText.json(r));
      doc.save(out);
    }
  }

  /** The canonical JSON a report PDF carries. */
  static String embeddedJson(Path file) throws IOException {
    try (var doc = Loader.loadPDF(file.toFile())) {
      String json = doc.getDocumentInformation().getCustomMetadataValue(META_KEY);
      if (json == null) {
        throw new IOException("no embedded kilowatch report in " + file);
      }
      return json;
    }
  }

  /** Standard-14 fonts encode WinAnsi only: anything else becomes its ASCII spelling. */
  static String ascii(String s) {
    var sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '\u2212', '\u2013', '\u2014' -> sb.append('-');
        case '\u00d7' -> sb.append('x');
        case '\u2264' -> sb.append("<=");
        case '\u2265' -> sb.append(">=");
        default -> sb.append(c < 0x20 || c > 0x7e ? '?' : c);
      }
    }
    return sb.toString();
  }

  private static final class Writer {
    final PDDocument doc;
    final PDType1Font regular = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
    final PDType1Font bold = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);
    PDPageContentStream cs;
    float y;

    Writer(PDDocument doc) throws IOException {
      this.doc = doc;
      newPage();
    }

    void newPage() throws IOException {
      if (cs != null) {
        cs.close();
      }
      var page = new PDPage(PDRectangle.A4);
      doc.addPage(page);
      cs = new PDPageContentStream(doc, page);
      y = PDRectangle.A4.getHeight() - MARGIN;
    }

    void need(float h) throws IOException {
      if (y - h < MARGIN) {
        newPage();
      }
    }

    void gap(float h) {
      y -= h;
    }

    void line(PDType1Font font, float size, String text) throws IOException {
      need(size + 4);
      y -= size + 4;
      text(font, size, MARGIN, y, text);
    }

    void text(PDType1Font font, float size, float x, float at, String text) throws IOException {
      cs.beginText();
      cs.setFont(font, size);
      cs.newLineAtOffset(x, at);
      cs.showText(ascii(text));
      cs.endText();
    }

    void section(String title, List<Figure> figures, String s) throws IOException {
      gap(6);
      line(bold, 12, title);
      for (Figure f : figures) {
        if (!f.section().equals(s)) {
          continue;
        }
        need(12);
        y -= 11;
        String value = f.value() == null ? "-" : f.shown();
        if (value.length() > 70) {
          value = value.substring(0, 67) + "...";
        }
        text(regular, 8, MARGIN, y, f.scope());
        text(regular, 8, MARGIN + 120, y, f.field());
        text(regular, 8, MARGIN + 250, y, value + (f.unit().isEmpty() ? "" : " " + f.unit()));
        text(regular, 8, MARGIN + 460, y, f.basis());
      }
    }

    void chart(Charts.Chart c) throws IOException {
      float h = 150;
      float left = MARGIN + 50;
      float pw = 380;
      float ph = 100;
      need(h);
      text(bold, 10, MARGIN, y - 12, c.title());
      float base = y - 20 - ph;
      cs.setStrokingColor(0.6f, 0.6f, 0.6f);
      cs.moveTo(left, base);
      cs.lineTo(left + pw, base);
      cs.stroke();
      text(regular, 7, MARGIN, base + ph - 6, HtmlReport.num(c.max()));
      text(regular, 7, MARGIN, base, c.line() ? "1.0" : "0");
      float[] prev = null;
      for (var m : c.marks()) {
        float[] col = Charts.rgb(m.series());
        cs.setNonStrokingColor(col[0], col[1], col[2]);
        cs.setStrokingColor(col[0], col[1], col[2]);
        float x = (float) (left + m.x() * pw);
        if (c.line()) {
          float py = (float) (base + m.y() * ph);
          if (prev != null) {
            cs.moveTo(prev[0], prev[1]);
            cs.lineTo(x, py);
            cs.stroke();
          }
          cs.addRect(x - 2, py - 2, 4, 4);
          cs.fill();
          prev = new float[] {x, py};
        } else {
          cs.addRect(x, (float) (base + m.y() * ph), (float) (m.w() * pw), (float) (m.h() * ph));
          cs.fill();
        }
      }
      cs.setNonStrokingColor(0f, 0f, 0f);
      int n = c.labels().size();
      for (int i = 0; i < n; i++) {
        text(regular, 7, left + (i + 0.3f) * pw / n, base - 10, c.labels().get(i));
      }
      for (int s = 0; s < c.series().size(); s++) {
        float[] col = Charts.rgb(s);
        cs.setNonStrokingColor(col[0], col[1], col[2]);
        cs.addRect(left + s * 110, base - 24, 8, 8);
        cs.fill();
        cs.setNonStrokingColor(0f, 0f, 0f);
        text(regular, 8, left + s * 110 + 12, base - 23, c.series().get(s));
      }
      y = base - 32;
    }

    void close() throws IOException {
      cs.close();
    }
  }
}
