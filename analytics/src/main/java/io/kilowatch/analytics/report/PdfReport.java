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
      for (var b : ReportDocument.of(r)) {
        switch (b) {
          case ReportDocument.Title t -> w.para(w.bold, 16, t.text(), 6);
          case ReportDocument.Heading h -> w.heading(h.text(), h.newPage());
          case ReportDocument.Para p -> w.para(w.regular, 8.5f, p.text(), 4);
          case ReportDocument.Code c -> w.para(w.mono, 8.5f, c.text(), 6);
          case ReportDocument.Table t -> w.table(t);
          case ReportDocument.ChartBlock c -> {
            if (c.chart().empty() == null) {
              w.chart(c.chart());
            } else {
              w.empty(c.chart());
            }
          }
        }
      }
      w.footers(ReportDocument.title(r) + ", " + q.from() + " to " + q.to());
      w.close();
      String json = CanonicalText.json(r);
      var info = doc.getDocumentInformation();
      info.setTitle("kilowatch energy report " + q.site() + " " + q.from() + " to " + q.to());
      info.setProducer("kilowatch " + r.provenance().kilowatchVersion());
      info.setCustomMetadataValue(META_KEY, json);
      // No creation date, and a file ID made of the content rather than of the clock (PDFBox
      // would otherwise draw one from the time of saving): the same report gives the same bytes.
      byte[] id =
          java.util.Arrays.copyOf(
              ReportBuilder.digest().digest(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
              16);
      var ids = new org.apache.pdfbox.cos.COSArray();
      ids.add(new org.apache.pdfbox.cos.COSString(id));
      ids.add(new org.apache.pdfbox.cos.COSString(id));
      doc.getDocument().getTrailer().setItem(org.apache.pdfbox.cos.COSName.ID, ids);
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

  /**
   * Standard-14 fonts encode WinAnsi only: Latin-1 letters and signs (°, ², µ) are kept, anything
   * else becomes its ASCII spelling.
   */
  static String ascii(String s) {
    var sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '\u2212', '\u2013', '\u2014' -> sb.append('-');
        case '\u00d7' -> sb.append('x');
        case '\u2264' -> sb.append("<=");
        case '\u2265' -> sb.append(">=");
        case '\u2026' -> sb.append("...");
        default -> sb.append(c < 0x20 || (c > 0x7e && c < 0xa0) || c > 0xff ? '?' : c);
      }
    }
    return sb.toString();
  }

  /**
   * A cell's text in Helvetica at {@code size} laid out in lines no wider than {@code max} points:
   * what keeps table text inside its column.
   */
  static List<String> wrap(String s, float size, float max) throws IOException {
    return Writer.wrap(new PDType1Font(Standard14Fonts.FontName.HELVETICA), size, s, max);
  }

  /** The width in points of a line of Helvetica at {@code size}. */
  static float width(String s, float size) throws IOException {
    return Writer.width(new PDType1Font(Standard14Fonts.FontName.HELVETICA), size, s);
  }

  private static final class Writer {
    static final float WIDTH = PDRectangle.A4.getWidth() - 2 * MARGIN;
    static final float PAD = 2.5f;
    final PDDocument doc;
    final PDType1Font regular = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
    final PDType1Font bold = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);
    final PDType1Font mono = new PDType1Font(Standard14Fonts.FontName.COURIER);
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

    boolean fresh() {
      return y >= PDRectangle.A4.getHeight() - MARGIN - 0.01f;
    }

    void need(float h) throws IOException {
      if (y - h < MARGIN + 14 && !fresh()) {
        newPage();
      }
    }

    void text(PDType1Font font, float size, float x, float at, String text) throws IOException {
      cs.beginText();
      cs.setFont(font, size);
      cs.newLineAtOffset(x, at);
      cs.showText(ascii(text));
      cs.endText();
    }

    static float width(PDType1Font font, float size, String s) throws IOException {
      return font.getStringWidth(ascii(s)) / 1000 * size;
    }

    /** Words laid out in lines no wider than {@code max}; a word too long is cut. */
    static List<String> wrap(PDType1Font font, float size, String s, float max) throws IOException {
      var lines = new java.util.ArrayList<String>();
      var line = new StringBuilder();
      for (String word : s.split(" ")) {
        String next = line.isEmpty() ? word : line + " " + word;
        if (width(font, size, next) <= max) {
          line.setLength(0);
          line.append(next);
          continue;
        }
        if (!line.isEmpty()) {
          lines.add(line.toString());
          line.setLength(0);
        }
        // A word wider than the column is broken after a hyphen where one fits ("Location-" /
        // "based"), else (a hash, an instant) where it must be.
        String rest = word;
        while (width(font, size, rest) > max && rest.length() > 1) {
          int n = rest.length() - 1;
          while (n > 1 && width(font, size, rest.substring(0, n)) > max) {
            n--;
          }
          int hyphen = rest.lastIndexOf('-', n - 1);
          if (hyphen > 0) {
            n = hyphen + 1;
          }
          lines.add(rest.substring(0, n));
          rest = rest.substring(n);
        }
        line.append(rest);
      }
      if (!line.isEmpty() || lines.isEmpty()) {
        lines.add(line.toString());
      }
      return lines;
    }

    void heading(String title, boolean page) throws IOException {
      if (page && !fresh()) {
        newPage();
      }
      // A heading is not left alone at the foot of a page.
      need(60);
      y -= fresh() ? 14 : 20;
      text(bold, 12, MARGIN, y, title);
      y -= 6;
    }

    void para(PDType1Font font, float size, String s, float after) throws IOException {
      for (String line : wrap(font, size, s, WIDTH)) {
        need(size + 3);
        y -= size + 3;
        text(font, size, MARGIN, y, line);
      }
      y -= after;
    }

    void table(ReportDocument.Table t) throws IOException {
      float size = 7.5f;
      float lead = size + 2;
      float total = 0;
      for (var c : t.cols()) {
        total += c.weight();
      }
      int n = t.cols().size();
      float[] xs = new float[n + 1];
      xs[0] = MARGIN;
      for (int i = 0; i < n; i++) {
        xs[i + 1] = xs[i] + WIDTH * t.cols().get(i).weight() / total;
      }
      var header = new java.util.ArrayList<String>();
      for (var c : t.cols()) {
        header.add(c.name());
      }
      var headerCells = cells(bold, size, header, xs);
      float headerH = height(headerCells, lead);
      boolean first = true;
      for (var row : t.rows()) {
        var cells = cells(regular, size, row, xs);
        float h = height(cells, lead);
        if (first || y - h < MARGIN + 14) {
          if (!first || y - headerH - h < MARGIN + 14) {
            need(headerH + h);
          }
          drawRow(bold, size, lead, headerCells, xs, t, true);
          first = false;
        }
        drawRow(regular, size, lead, cells, xs, t, false);
      }
      if (first) {
        need(headerH);
        drawRow(bold, size, lead, headerCells, xs, t, true);
      }
      y -= 8;
    }

    List<List<String>> cells(PDType1Font font, float size, List<String> row, float[] xs)
        throws IOException {
      var out = new java.util.ArrayList<List<String>>();
      for (int i = 0; i < row.size(); i++) {
        out.add(wrap(font, size, row.get(i), xs[i + 1] - xs[i] - 2 * PAD));
      }
      return out;
    }

    static float height(List<List<String>> cells, float lead) {
      int lines = 1;
      for (var c : cells) {
        lines = Math.max(lines, c.size());
      }
      return lines * lead + 2 * PAD;
    }

    void drawRow(
        PDType1Font font,
        float size,
        float lead,
        List<List<String>> cells,
        float[] xs,
        ReportDocument.Table t,
        boolean header)
        throws IOException {
      float h = height(cells, lead);
      if (header) {
        cs.setNonStrokingColor(0.93f, 0.94f, 0.96f);
        cs.addRect(xs[0], y - h, xs[xs.length - 1] - xs[0], h);
        cs.fill();
        cs.setNonStrokingColor(0f, 0f, 0f);
      }
      for (int i = 0; i < cells.size(); i++) {
        var lines = cells.get(i);
        float cw = xs[i + 1] - xs[i] - 2 * PAD;
        for (int k = 0; k < lines.size(); k++) {
          String s = lines.get(k);
          float x =
              t.cols().get(i).numeric() ? xs[i] + PAD + cw - width(font, size, s) : xs[i] + PAD;
          text(font, size, x, y - PAD - size - k * lead + 1, s);
        }
      }
      cs.setStrokingColor(0.8f, 0.8f, 0.8f);
      cs.setLineWidth(0.4f);
      cs.moveTo(xs[0], y - h);
      cs.lineTo(xs[xs.length - 1], y - h);
      if (header) {
        cs.moveTo(xs[0], y);
        cs.lineTo(xs[xs.length - 1], y);
      }
      cs.stroke();
      cs.setStrokingColor(0f, 0f, 0f);
      y -= h;
    }

    void empty(Charts.Chart c) throws IOException {
      need(40);
      y -= 14;
      text(bold, 10, MARGIN, y, c.title());
      y -= 6;
      float h = 24;
      cs.setStrokingColor(0.7f, 0.7f, 0.7f);
      cs.addRect(MARGIN, y - h, WIDTH, h);
      cs.stroke();
      cs.setStrokingColor(0f, 0f, 0f);
      text(regular, 9, MARGIN + 8, y - 15, c.empty());
      y -= h + 8;
    }

    void footers(String title) throws IOException {
      cs.close();
      cs = null;
      int pages = doc.getNumberOfPages();
      for (int i = 0; i < pages; i++) {
        try (var f =
            new PDPageContentStream(
                doc, doc.getPage(i), PDPageContentStream.AppendMode.APPEND, true)) {
          var saved = cs;
          cs = f;
          text(regular, 7, MARGIN, MARGIN - 18, title);
          String p = "page " + (i + 1) + " of " + pages;
          text(regular, 7, MARGIN + WIDTH - width(regular, 7, p), MARGIN - 18, p);
          cs = saved;
        }
      }
    }

    void chart(Charts.Chart c) throws IOException {
      float h = 150;
      float left = MARGIN + 50;
      float pw = WIDTH - 60;
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
      int every = Charts.labelEvery(n);
      for (int i = 0; i < n; i += every) {
        String l = c.labels().get(i);
        text(regular, 6.5f, left + (i + 0.5f) * pw / n - width(regular, 6.5f, l) / 2, base - 9, l);
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
      if (cs != null) {
        cs.close();
      }
    }
  }
}
