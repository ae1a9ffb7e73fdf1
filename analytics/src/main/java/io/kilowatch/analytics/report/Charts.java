package io.kilowatch.analytics.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The three report charts as plain data (bars and lines in a unit box), drawn by the HTML (SVG) and
 * PDF writers alike so both show the same picture.
 */
final class Charts {
  private Charts() {}

  /** One bar segment or point, x/y/w/h in 0..1 of the plot area (y up). */
  record Mark(double x, double y, double w, double h, int series) {}

  record Chart(
      String title,
      List<String> series,
      List<String> labels,
      double max,
      String unit,
      List<Mark> marks,
      boolean line) {}

  static List<Chart> of(Report r) {
    var ms = r.months();
    var labels = new ArrayList<String>();
    var zone = java.time.ZoneId.of(r.provenance().params().zone());
    for (var m : ms) {
      labels.add(ReportFigures.month(m.start(), zone));
    }
    int n = Math.max(1, ms.size());
    double slot = 1.0 / n;
    // Monthly energy stack: IT, cooling, other.
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
    // PUE trend (months with a trusted PUE only), axis from 1.0.
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
    // Emissions: location and market side by side.
    double maxC = 0;
    for (var m : ms) {
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
    return List.of(
        new Chart(
            "Monthly energy (kWh)",
            List.of("IT", "Cooling", "Other"),
            labels,
            maxE,
            "kWh",
            energy,
            false),
        new Chart("PUE by month (axis from 1.0)", List.of("PUE"), labels, maxP, "", pue, true),
        new Chart(
            "Emissions (kgCO2e)",
            List.of("Location-based", "Market-based"),
            labels,
            maxC,
            "kgCO2e",
            co2,
            false));
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
