package io.kilowatch.analytics.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.Peer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.pdfbox.Loader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PDF as a reader gets it: page 1 and the EED page rendered by poppler ({@code pdftoppm}) and
 * read back with {@code pdftotext -layout}, so what is checked is what the page shows, not what
 * PDFBox was asked to draw.
 */
class PdfReportTest {
  @TempDir Path dir;

  private Report month(Store store) throws Exception {
    ReportBuilderTest.writeMonth(store);
    var site = ReportBuilderTest.site(dir);
    return ReportBuilderTest.builder(site, store)
        .build(ReportBuilderTest.FROM, ReportBuilderTest.TO, null, ReportBuilder.Progress.NONE);
  }

  @Test
  void pageOneAndTheEedPageShowLabelsUnitsAndEveryEedItemInRegulationOrder() throws Exception {
    Path pdf = dir.resolve("report.pdf");
    Report r;
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir))) {
      r = month(store);
      try (var out = Files.newOutputStream(pdf)) {
        ReportWriter.write(r, ReportFormat.PDF, out);
      }
    }
    Peer.PDFTOPPM.require();
    int pages;
    try (var doc = Loader.loadPDF(pdf.toFile())) {
      pages = doc.getNumberOfPages();
    }
    String page1 = pdftotext(pdf, 1);
    // The cover and the summary: labels, symbols, units and data quality side by side, values
    // from ReportBuilderTest's hand-computed month (E_DC 74,400 kWh, E_IT 59,520, PUE 1.25,
    // location-based 15,996 kgCO2e).
    assertThat(page1)
        .contains("Energy report: test")
        .contains("Config SHA-256")
        .contains("Input SHA-256")
        .contains("kilowatch report --config site.yaml --verify THIS_FILE");
    assertThat(line(page1, "Total data centre energy consumption"))
        .contains("E_DC")
        .contains("74400.000")
        .contains("kWh")
        .contains("measured")
        .contains("100 %");
    assertThat(line(page1, "IT equipment energy consumption"))
        .contains("E_IT")
        .contains("59520.000")
        .contains("kWh");
    assertThat(line(page1, "Power usage effectiveness, category 2"))
        .contains("PUE")
        .contains("1.2500")
        .contains("computed");
    assertThat(line(page1, "Emissions, location-based")).contains("15996.000").contains("kgCO2e");
    assertThat(line(page1, "Carbon usage effectiveness, location-based")).contains("kgCO2e/kWh");
    assertThat(line(page1, "Water usage effectiveness")).contains("L/kWh").contains("declared");
    render(pdf, 1);

    int eedPage = -1;
    for (int p = 1; p <= pages; p++) {
      if (pdftotext(pdf, p).contains("EU EED annex")) {
        eedPage = p;
        break;
      }
    }
    assertThat(eedPage).as("a page with the EED annex").isGreaterThan(1);
    String eed = pdftotext(pdf, eedPage);
    render(pdf, eedPage);
    List<String> lines = eed.lines().toList();
    int previous = -1;
    for (var item : ReportLabels.EED) {
      var token =
          Pattern.compile(
              "(?<![A-Za-z0-9_-])" + Pattern.quote(item.identifier()) + "(?![A-Za-z0-9_-])");
      var at = new ArrayList<Integer>();
      for (int i = 0; i < lines.size(); i++) {
        var m = token.matcher(lines.get(i));
        while (m.find()) {
          at.add(i);
        }
      }
      // One row per item: the identifier once on the page, on its row's first line together with
      // the item's first words and its unit.
      assertThat(at).as(item.identifier()).hasSize(1);
      String row = lines.get(at.getFirst());
      String firstWords = String.join(" ", List.of(item.item().split(" ")).subList(0, 2));
      assertThat(row).as(item.identifier()).contains(firstWords);
      assertThat(row)
          .as(item.identifier())
          .containsPattern(" " + Pattern.quote(item.unit().isEmpty() ? "1" : item.unit()) + " ");
      assertThat(at.getFirst())
          .as(item.identifier() + " in regulation order")
          .isGreaterThan(previous);
      previous = at.getFirst();
    }
    // Declared items show their value; E_DC its measured figure (kWh, 3 places).
    assertThat(line(eed, "P_DIT")).contains("800.000").contains("declared");
    assertThat(line(eed, "E_DC ")).contains("74400.000").contains("measured");
    assertThat(line(eed, "A_CR")).contains("not available");
  }

  @Test
  void aOneDayReportChartsHoursAndAnEmptyPanelSaysWhy() throws Exception {
    // One day; both PDUs report power (no counter) every minute for minutes 0-44 of each hour and
    // then fall silent: the 15-minute holes exceed powerGapLimit (5 min) and are not bridged (R2),
    // so IT is known 44 of every 60 minutes (the intervals between readings 0..44). The facility
    // counter runs all day. T = 24 x 44 min = 1,056 of 1,440 min = 73.3 %: below 90 %, so no
    // PUE for the day, nor for any hour (each 73.3 %): the PUE panel gives its reason.
    Instant from = Instant.parse("2026-07-01T00:00:00Z");
    Instant to = from.plus(Duration.ofDays(1));
    Report r;
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir))) {
      var batch = new ArrayList<Sample>();
      for (int m = 0; m <= 24 * 60; m++) {
        Instant t = from.plusSeconds(60L * m);
        batch.add(
            Sample.of(
                t,
                "meter",
                Map.of("site", "test", "device", "main"),
                Map.of("energy_kwh", 1000 + 100 * m / 60.0)));
        if (m % 60 < 45) {
          for (String pdu : new String[] {"c1-pdu", "c2-pdu"}) {
            batch.add(
                Sample.of(
                    t, "pdu", Map.of("site", "test", "device", pdu), Map.of("power_w", 40_000.0)));
          }
        }
      }
      store.write(batch);
      var site = ReportBuilderTest.site(dir);
      r = ReportBuilderTest.builder(site, store).build(from, to, null, ReportBuilder.Progress.NONE);
    }
    assertThat(r.detail().chartStep()).isEqualTo("hour");
    assertThat(r.detail().chart()).hasSize(24);
    assertThat(r.detail().breakdownStep()).isEqualTo("day");
    assertThat(r.detail().breakdown()).hasSize(1);
    var charts = Charts.of(r);
    var energy = charts.getFirst();
    // 24 hourly bars, each a stack of IT, cooling and other.
    assertThat(energy.labels()).hasSize(24).startsWith("00", "01").endsWith("23");
    assertThat(energy.marks()).hasSize(24 * 3);
    assertThat(energy.empty()).isNull();
    assertThat(r.headline().pueStatus()).isEqualTo("LOW_COVERAGE");
    assertThat(r.headline().coverage())
        .isCloseTo(1056.0 / 1440, org.assertj.core.api.Assertions.within(1e-9));
    String reason = "PUE not shown: coverage 73.3 % below the 90 % threshold.";
    assertThat(charts.get(1).empty()).isEqualTo(reason);

    var html = new ByteArrayOutputStream();
    ReportWriter.write(r, ReportFormat.HTML, html);
    assertThat(html.toString(StandardCharsets.UTF_8))
        .contains("<p class=\"empty\">" + reason + "</p>")
        .contains("Energy, hourly (kWh; x: hour of day, Z)");
    Path pdf = dir.resolve("day.pdf");
    try (var out = Files.newOutputStream(pdf)) {
      ReportWriter.write(r, ReportFormat.PDF, out);
    }
    Peer.PDFTOPPM.require();
    String all = pdftotext(pdf, 0);
    assertThat(all).contains(reason).contains("Charts, hourly (24 hours)");
  }

  @Test
  void aTableLongerThanAPageRepeatsItsHeaderAndKeepsEveryRowOnce() throws Exception {
    // Two months exactly (62 days, the longest period broken down by day): 62 rows of the daily
    // table, more than an A4 page holds, so the table runs over and its header row comes again.
    Instant to = ReportBuilderTest.FROM.plus(Duration.ofDays(62));
    Path pdf = dir.resolve("62.pdf");
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir))) {
      ReportBuilderTest.writeMonth(store);
      var site = ReportBuilderTest.site(dir);
      Report r =
          ReportBuilderTest.builder(site, store)
              .build(ReportBuilderTest.FROM, to, null, ReportBuilder.Progress.NONE);
      assertThat(r.detail().breakdownStep()).isEqualTo("day");
      assertThat(r.detail().breakdown()).hasSize(62);
      try (var out = Files.newOutputStream(pdf)) {
        ReportWriter.write(r, ReportFormat.PDF, out);
      }
    }
    Peer.PDFTOPPM.require();
    int pages;
    try (var doc = Loader.loadPDF(pdf.toFile())) {
      pages = doc.getNumberOfPages();
    }
    var header = Pattern.compile("^\\s*Day\\s+E_DC \\(kWh\\)\\s+E_IT \\(kWh\\)");
    int pagesWithHeader = 0;
    var days = new ArrayList<String>();
    for (int p = 1; p <= pages; p++) {
      String text = pdftotext(pdf, p);
      if (text.lines().anyMatch(l -> header.matcher(l).find())) {
        pagesWithHeader++;
      }
      text.lines()
          .map(String::strip)
          .filter(l -> l.matches("^2026-0[789]-[0-9]{2} .*"))
          .forEach(l -> days.add(l.substring(0, 10)));
    }
    assertThat(pagesWithHeader).isGreaterThanOrEqualTo(2);
    // Every day once, in order: no row lost or drawn twice at the page break.
    var expected = new ArrayList<String>();
    for (int d = 0; d < 62; d++) {
      expected.add(java.time.LocalDate.of(2026, 7, 1).plusDays(d).toString());
    }
    assertThat(days).containsExactlyElementsOf(expected);
  }

  @Test
  void theSameReportGivesTheSamePdfBytes() throws Exception {
    var a = new ByteArrayOutputStream();
    var b = new ByteArrayOutputStream();
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir))) {
      Report r = month(store);
      ReportWriter.write(r, ReportFormat.PDF, a);
      ReportWriter.write(r, ReportFormat.PDF, b);
    }
    assertThat(b.toByteArray()).isEqualTo(a.toByteArray());
  }

  @Test
  void cellTextIsWrappedInsideItsColumn() throws Exception {
    // A sentence, a SHA-256 (one 64-character word) and a hyphenated word, in a 60 pt column.
    String sentence = "not available: not metered and not declared in the config";
    String hash = "948c3a7480630c132f253707b999bc423533a0625103f8d025f20a446ed83896";
    for (String s : List.of(sentence, hash, "Location-based (kgCO2e)")) {
      var lines = PdfReport.wrap(s, 7.5f, 60);
      for (String l : lines) {
        assertThat(PdfReport.width(l, 7.5f)).as(l).isLessThanOrEqualTo(60);
      }
      // Nothing is lost: the lines put back together give the text.
      assertThat(String.join("", lines).replace(" ", "")).isEqualTo(s.replace(" ", ""));
    }
    // Helvetica widths (1/1000 em): "Location-based" is 6,837 = 51.3 pt at 7.5 pt, too wide for
    // 40 pt; "Location-ba" (5,225 = 39.2 pt) would fit, but the break goes after the hyphen.
    assertThat(PdfReport.wrap("Location-based (kgCO2e)", 7.5f, 40))
        .startsWith("Location-", "based");
  }

  /** The line of a page's layout text that holds {@code what}. */
  static String line(String page, String what) {
    return page.lines()
        .filter(l -> l.contains(what))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line with '" + what + "' in:\n" + page));
  }

  /** {@code pdftotext -layout} of one page (or all with page 0). */
  static String pdftotext(Path pdf, int page) throws Exception {
    var cmd = new ArrayList<>(List.of("pdftotext", "-layout", "-enc", "UTF-8"));
    if (page > 0) {
      cmd.addAll(List.of("-f", Integer.toString(page), "-l", Integer.toString(page)));
    }
    cmd.addAll(List.of(pdf.toString(), "-"));
    var proc = new ProcessBuilder(cmd).start();
    byte[] out = proc.getInputStream().readAllBytes();
    assertThat(proc.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(proc.exitValue()).isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  /** Renders one page at 50 dpi and checks it is an A4 page with something drawn on it. */
  private void render(Path pdf, int page) throws Exception {
    String stem = dir.resolve("page" + page).toString();
    var proc =
        new ProcessBuilder(
                "pdftoppm",
                "-png",
                "-r",
                "50",
                "-f",
                Integer.toString(page),
                "-l",
                Integer.toString(page),
                "-singlefile",
                pdf.toString(),
                stem)
            .redirectErrorStream(true)
            .start();
    assertThat(proc.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(proc.exitValue()).as(new String(proc.getInputStream().readAllBytes())).isZero();
    BufferedImage png = ImageIO.read(Path.of(stem + ".png").toFile());
    // A4 at 50 dpi: 413 × 585 px.
    assertThat(png.getWidth()).isBetween(410, 416);
    assertThat(png.getHeight()).isBetween(582, 588);
    int dark = 0;
    for (int x = 0; x < png.getWidth(); x++) {
      for (int y = 0; y < png.getHeight(); y++) {
        if ((png.getRGB(x, y) & 0xff) < 128) {
          dark++;
        }
      }
    }
    assertThat(dark).as("text drawn on page " + page).isGreaterThan(500);
  }
}
