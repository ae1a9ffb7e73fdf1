package io.kilowatch.analytics.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.Peer;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PDF and HTML of the synthetic month: text read back, page 1 rendered by poppler. */
class PdfReportTest {
  @TempDir Path dir;

  @Test
  void pdfCarriesTheFiguresAndRendersToAPng() throws Exception {
    Path pdf = dir.resolve("report.pdf");
    Path html = dir.resolve("report.html");
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir))) {
      ReportBuilderTest.writeMonth(store);
      var site = ReportBuilderTest.site(dir);
      Report r =
          ReportBuilderTest.builder(site, store)
              .build(
                  ReportBuilderTest.FROM, ReportBuilderTest.TO, null, ReportBuilder.Progress.NONE);
      try (var out = Files.newOutputStream(pdf)) {
        ReportWriter.write(r, ReportFormat.PDF, out);
      }
      try (var out = Files.newOutputStream(html)) {
        ReportWriter.write(r, ReportFormat.HTML, out);
      }
    }
    String text;
    try (var doc = Loader.loadPDF(pdf.toFile())) {
      text = new PDFTextStripper().getText(doc);
      assertThat(doc.getNumberOfPages()).isGreaterThanOrEqualTo(2);
    }
    assertThat(text)
        .contains("kilowatch energy report: test")
        .contains("74400.000 kWh")
        .contains("59520.000 kWh")
        .contains("1.2500")
        .contains("15996.000 kgCO2e")
        .contains("Monthly energy (kWh)")
        .contains("not-available");

    String page = Files.readString(html, StandardCharsets.UTF_8);
    assertThat(page).contains("<svg").contains("74400.000").doesNotContain("<script src");

    // The checks above run everywhere; rendering the page needs pdftoppm.
    Peer.PDFTOPPM.require();
    var proc =
        new ProcessBuilder(
                "pdftoppm",
                "-png",
                "-r",
                "50",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                pdf.toString(),
                dir.resolve("page1").toString())
            .redirectErrorStream(true)
            .start();
    assertThat(proc.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(proc.exitValue()).as(new String(proc.getInputStream().readAllBytes())).isZero();
    BufferedImage png = ImageIO.read(dir.resolve("page1.png").toFile());
    // Kept for a person to look at (target/ is the build's scratch space).
    Files.createDirectories(Path.of("target"));
    Files.copy(
        dir.resolve("page1.png"),
        Path.of("target/report-page1.png"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        pdf,
        Path.of("target/report-sample.pdf"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    // A4 at 50 dpi: 413 × 585 px; the charts put coloured pixels on the page.
    assertThat(png.getWidth()).isBetween(410, 416);
    assertThat(png.getHeight()).isBetween(582, 588);
    int coloured = 0;
    for (int x = 0; x < png.getWidth(); x++) {
      for (int y = 0; y < png.getHeight(); y++) {
        int rgb = png.getRGB(x, y);
        int rr = (rgb >> 16) & 0xff;
        int b = rgb & 0xff;
        if (Math.abs(rr - b) > 60) {
          coloured++;
        }
      }
    }
    assertThat(coloured).isGreaterThan(500);
  }
}
