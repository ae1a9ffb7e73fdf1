package io.kilowatch.analytics.report;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The three report charts as plain data (bars and lines in a unit box), drawn by the HTML (SVG) and
 * PDF writers alike so both show the same picture. They are at the report's chart resolution
 * ({@link Report.Detail#chartStep()}: hours for a one-day report, days up to two months, months
 * beyond); a panel with nothing to draw carries the sentence saying why instead.
 */
final class Charts {
  private Charts() {}

  /** One bar segment or point, x/y/w/h in 0..1 of the plot area (y up). */
  record Mark(double x, double y, double w, double h, int series) {}

  /**
   * @param empty null when the chart is drawn, else why it is not (the sentence shown instead)
   */
  record Chart(
      String title,
      List<String> series,
      List<String> labels,
      double max,
      String unit,
      List<Mark> marks,
      boolean line,
      String empty) {}

  /** "hour", "day" or "month": the name of one step of the charts, for titles. */
  static String per(String step) {
    return switch (step) {
      case "hour" -> "hourly";
      case "day" -> "daily";
      default -> "monthly";
    };
  }

  /** A step's label: the hour ({@code 13}), the day ({@code 07-14}) or the month. */
  static String label(Report.Month m, String step, ZoneId zone) {
    var z = m.start().atZone(zone);
    return switch (step) {
      case "hour" -> z.format(DateTimeFormatter.ofPattern("HH", Locale.ROOT));
      case "day" -> z.format(DateTimeFormatter.ofPattern("MM-dd", Locale.ROOT));
      default -> ReportFigures.month(m.start(), zone);
    };
  }

  static List<Chart> of(Report r) {
    var d = r.detail();
    var ms = d.chart();
    String step = d.chartStep();
    var zone = ZoneId.of(r.provenance().params().zone());
    var labels = new ArrayList<String>();
    for (var m : ms) {
      labels.add(label(m, step, zone));
    }
    int n = Math.max(1, ms.size());
    double slot = 1.0 / n;
    String per = per(step);
    String axis = step.equals("hour") ? "hour of day, " + zone.getId() : step;
    // Energy stack: IT, cooling, other.
    double maxE = 0;
    for (var m : ms) {
      maxE = Math.max(maxE, nz(m.facilityKwh()));
    }
    var energy = new ArrayList<Mark>();
    for (int i = 0; i < ms.size(); i++) {
      var m = ms.get(i);
      double[] parts = {nz(m.itKwh()), nz(m.coolingKwh()), Math.max(0, nz(m.otherKwh()))};
      double y = 0;
      for (int s = 0; s < parts.length; s++) {
        double h = maxE > 0 ? parts[s] / maxE : 0;
        energy.add(new Mark(i * slot + slot * 0.15, y, slot * 0.7, h, s));
        y += h;
      }
    }
    String energyEmpty =
        maxE > 0 ? null : "Energy not shown: no facility energy was known in the period.";
    // PUE trend (steps with a trusted PUE only), axis from 1.0.
    double maxP = 1.0;
    for (var m : ms) {
      if (m.pue() != null) {
        maxP = Math.max(maxP, m.pue());
      }
    }
    maxP = Math.ceil(maxP * 10 + 0.5) / 10;
    var pue = new ArrayList<Mark>();
    for (int i = 0; i < ms.size(); i++) {
      var p = ms.get(i).pue();
      if (p != null) {
        pue.add(new Mark(i * slot + slot / 2, (p - 1) / (maxP - 1), 0, 0, 0));
      }
    }
    var h = r.headline();
    String pueEmpty =
        pue.isEmpty()
            ? "PUE not shown: "
                + ReportDocument.pueReason(h.pueStatus(), h.coverage(), d.coverageThreshold())
                + "."
            : null;
    // Emissions: location and market side by side.
    double maxC = 0;
    boolean anyC = false;
    for (var m : ms) {
      anyC |= m.locationKg() != null || m.marketKg() != null;
      maxC = Math.max(maxC, Math.max(nz(m.locationKg()), nz(m.marketKg())));
    }
    var co2 = new ArrayList<Mark>();
    for (int i = 0; i < ms.size(); i++) {
      var m = ms.get(i);
      double[] v = {nz(m.locationKg()), nz(m.marketKg())};
      for (int s = 0; s < 2; s++) {
        co2.add(
            new Mark(
                i * slot + slot * (0.15 + 0.35 * s),
                0,
                slot * 0.35,
                maxC > 0 ? v[s] / maxC : 0,
                s));
      }
    }
    String co2Empty =
        anyC && maxC > 0
            ? null
            : "Emissions not shown: " + ReportDocument.carbonReason(r.carbon()) + ".";
    return List.of(
        new Chart(
            "Energy, " + per + " (kWh; x: " + axis + ")",
            List.of("IT", "Cooling", "Losses + other"),
            labels,
            maxE,
            "kWh",
            energy,
            false,
            energyEmpty),
        new Chart(
            "PUE, " + per + " (axis from 1.0)",
            List.of("PUE"),
            labels,
            maxP,
            "",
            pue,
            true,
            pueEmpty),
        new Chart(
            "Emissions, " + per + " (kgCO2e)",
            List.of("Location-based", "Market-based"),
            labels,
            maxC,
            "kgCO2e",
            co2,
            false,
            co2Empty));
  }

  /** Every k-th label is written so that labels do not run into each other. */
  static int labelEvery(int n) {
    return Math.max(1, (int) Math.ceil(n / 24.0));
  }

  private static double nz(Double d) {
    return d == null ? 0 : d;
  }

  static final String[] COLORS = {"#3b82f6", "#10b981", "#f59e0b"};

  static float[] rgb(int series) {
    String c = COLORS[series % COLORS.length];
    return new float[] {
      Integer.parseInt(c.substring(1, 3), 16) / 255f,
      Integer.parseInt(c.substring(3, 5), 16) / 255f,
      Integer.parseInt(c.substring(5, 7), 16) / 255f
    };
  }
}
