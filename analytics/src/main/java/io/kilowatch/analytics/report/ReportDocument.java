package io.kilowatch.analytics.report;

import io.kilowatch.analytics.report.ReportLabels.Indicator;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report as a document: cover, summary, EU EED annex, breakdowns with charts, methodology and
 * appendix, as a list of blocks that {@link HtmlReport} and {@link PdfReport} both draw, so the two
 * carry the same content. Labels, symbols and units come from {@link ReportLabels}.
 */
final class ReportDocument {
  private ReportDocument() {}

  /** One piece of the document. */
  sealed interface Block {}

  record Title(String text) implements Block {}

  /**
   * @param newPage the section starts a new page (PDF) or a printed page (HTML)
   */
  record Heading(String text, boolean newPage) implements Block {}

  record Para(String text) implements Block {}

  /** Monospaced text the reader types (a command). */
  record Code(String text) implements Block {}

  /**
   * @param weight the column's share of the table's width
   * @param numeric right-aligned
   */
  record Col(String name, float weight, boolean numeric) {}

  /**
   * A table; its header row is repeated on every page it runs over.
   *
   * @param caption a short name of the table (HTML caption), may be null
   */
  record Table(String caption, List<Col> cols, List<List<String>> rows) implements Block {
    Table {
      cols = List.copyOf(cols);
      rows = rows.stream().map(List::copyOf).toList();
    }
  }

  record ChartBlock(Charts.Chart chart) implements Block {}

  static final String NA = "not available";

  static List<Block> of(Report r) {
    var out = new ArrayList<Block>();
    cover(r, out);
    summary(r, out);
    eed(r, out);
    breakdown(r, out);
    methodology(r, out);
    appendix(r, out);
    return out;
  }

  static String title(Report r) {
    var q = r.provenance().params();
    return "Energy report: " + q.site() + (q.cluster() == null ? "" : ", cluster " + q.cluster());
  }

  // ---- cover -------------------------------------------------------------------------------

  private static void cover(Report r, List<Block> out) {
    var p = r.provenance();
    var q = p.params();
    var d = r.detail();
    out.add(new Title(title(r)));
    var zone = ZoneId.of(q.zone());
    var rows = new ArrayList<List<String>>();
    rows.add(List.of("Site", q.site()));
    if (q.cluster() != null) {
      rows.add(
          List.of("Cluster", q.cluster() + " (figures allocated by the per-cluster PUE rule)"));
    }
    rows.add(
        List.of(
            "Location",
            d.gridZone() == null
                ? "not stated in the config (site.gridZone)"
                : "electricity grid zone " + d.gridZone()));
    rows.add(List.of("Operator", "not stated in the config"));
    rows.add(
        List.of(
            "Reporting period",
            local(q.from(), zone)
                + " to "
                + local(q.to(), zone)
                + " (end exclusive); UTC ["
                + q.from()
                + ", "
                + q.to()
                + ")"));
    rows.add(List.of("Time zone", q.zone() + " (days and months are cut in it)"));
    rows.add(List.of("kilowatch version", p.kilowatchVersion()));
    rows.add(List.of("Store", p.store()));
    rows.add(List.of("Config SHA-256", p.configSha256()));
    rows.add(List.of("Input SHA-256", p.inputSha256()));
    rows.add(
        List.of(
            "Input hashed",
            p.inputPoints()
                + " raw readings of "
                + p.inputSeries()
                + " series, "
                + p.inputRuns()
                + " store runs, "
                + p.inputIntensityHours()
                + " intensity hours"));
    out.add(
        new Table(
            "Report", List.of(new Col("Item", 1.3f, false), new Col("Value", 4.2f, false)), rows));
    out.add(
        new Para(
            "How to verify: run the command below with the config file this report was made from."
                + " It re-computes every figure from the stored readings and compares them and the"
                + " input SHA-256 with the ones this file carries (exit 0: same figures, same"
                + " input)."));
    out.add(new Code("kilowatch report --config site.yaml --verify THIS_FILE"));
  }

  private static String local(java.time.Instant t, ZoneId zone) {
    return t.atZone(zone).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT));
  }

  // ---- summary -----------------------------------------------------------------------------

  private static void summary(Report r, List<Block> out) {
    var h = r.headline();
    var c = r.carbon();
    var d = r.detail();
    boolean site = r.provenance().params().cluster() == null;
    String shared = site ? "measured" : "computed";
    String cov = pct(h.coverage());
    String ccov = pct(c.coverage());
    var rows = new ArrayList<List<String>>();
    row(rows, Indicator.E_DC, kwh(h.facilityKwh()), shared, cov);
    row(rows, Indicator.E_IT, kwh(h.itKwh()), "measured", cov);
    row(rows, Indicator.E_COOLING, kwh(h.coolingKwh()), shared, cov);
    row(
        rows,
        Indicator.E_LOSSES,
        kwh(h.lossesKwh()),
        h.powerDeliveryDerived() ? "computed" : shared,
        cov);
    row(rows, Indicator.E_OTHER, kwh(h.otherKwh()), shared, cov);
    String category =
        "category " + h.pueCategory() + " (" + h.itLevel().replace('-', ' ') + ", ISO/IEC 30134-2)";
    rows.add(
        List.of(
            Indicator.PUE.label() + ", " + category,
            Indicator.PUE.symbol(),
            h.pue() == null
                ? NA + ": " + pueReason(h.pueStatus(), h.coverage(), d.coverageThreshold())
                : ratio(h.pue()),
            unit(Indicator.PUE),
            h.pue() == null ? NA : "computed",
            cov));
    row(rows, Indicator.PPUE_COOLING, ratio(h.ppueCooling()), "computed", cov);
    row(rows, Indicator.PPUE_POWER_DELIVERY, ratio(h.ppuePowerDelivery()), "computed", cov);
    row(rows, Indicator.REF, ratio(c.ref()), "computed", ccov);
    row(rows, Indicator.WUE, ratio(c.wue()), basis(c.wueBasis()), "-");
    row(rows, Indicator.ERF, ratio(c.erf()), basis(c.erfBasis()), "-");
    row(rows, Indicator.CUE_LOCATION, cue(c.cueLocation()), "computed", ccov);
    row(rows, Indicator.CUE_MARKET, cue(c.cueMarket()), "computed", ccov);
    row(rows, Indicator.CO2E_LOCATION, kwh(c.locationKg()), "computed", ccov);
    row(rows, Indicator.CO2E_MARKET, kwh(c.marketKg()), "computed", ccov);
    out.add(new Heading("Summary", false));
    out.add(
        new Table(
            "Headline indicators",
            List.of(
                new Col("Indicator", 3.4f, false),
                new Col("Symbol", 1.1f, false),
                new Col("Value", 1.5f, true),
                new Col("Unit", 0.9f, false),
                new Col("Data quality", 1.0f, false),
                new Col("Coverage", 0.8f, true)),
            rows));
    out.add(
        new Para(
            "Coverage: the share of the period in which the numerator and the denominator were"
                + " both known (R3, R5); for emissions, the share with facility energy and a grid"
                + " intensity. A PUE is shown only at or above "
                + pct(d.coverageThreshold())
                + " coverage. Data quality: measured (metered), computed (from measured figures),"
                + " declared (entered in the config), not available (neither: shown, never"
                + " invented)."));
  }

  private static void row(
      List<List<String>> rows, Indicator i, String value, String basis, String coverage) {
    boolean none = value.equals(NA);
    rows.add(
        List.of(
            i.label(),
            i.symbol(),
            value,
            unit(i),
            none ? NA : ReportLabels.quality(basis),
            none ? "-" : coverage));
  }

  static String unit(Indicator i) {
    return i.unit().isEmpty() ? "1" : i.unit();
  }

  /** Why a PUE is not shown, as a clause: "coverage 3.0 % below the 90 % threshold". */
  static String pueReason(String status, double coverage, double threshold) {
    return switch (status) {
      case "LOW_COVERAGE" ->
          "coverage " + pct(coverage) + " below the " + pct(threshold) + " threshold";
      case "NO_DATA" -> "no facility energy was known in the period";
      case "NO_IT_ENERGY" -> "no IT energy in the time facility and IT energy were both known";
      case "BELOW_ONE" -> "E_DC came out below E_IT (a metering error to look into)";
      case "NOT_CONFIGURED" -> "the site has no energy model";
      default -> "status " + status;
    };
  }

  /** Why emissions are not shown, as a clause. */
  static String carbonReason(Report.Carbon c) {
    String src = c.intensitySource();
    if (src == null || src.isBlank() || src.equals("none") || c.intensityCoverage() == 0) {
      return "no grid carbon intensity for the period (analytics.carbon.source)";
    }
    return "status " + c.status() + ", coverage " + pct(c.coverage());
  }

  // ---- EED -----------------------------------------------------------------------------------

  private static void eed(Report r, List<Block> out) {
    out.add(new Heading("EU EED annex: Delegated Regulation (EU) 2024/1364", true));
    out.add(
        new Para(
            "One row per item, in the order of the regulation's Annex I (information and key"
                + " performance indicators) and Annex II (sustainability indicators). Items"
                + " nothing meters and the config does not declare (analytics.declared) are"
                + " listed as not available."));
    var rows = new ArrayList<List<String>>();
    for (var e : r.eed()) {
      var item = ReportLabels.eed(e.id());
      String value =
          e.value() == null ? NA : e.unit().isEmpty() ? ratio(e.value()) : kwh(e.value());
      String source = ReportLabels.quality(e.basis()) + (e.note() == null ? "" : ": " + e.note());
      rows.add(
          List.of(
              item.identifier(),
              item.annex(),
              item.item(),
              value,
              item.unit().isEmpty() ? "1" : item.unit(),
              source));
    }
    out.add(
        new Table(
            "EU EED items",
            List.of(
                new Col("Identifier", 1.0f, false),
                new Col("Annex", 0.5f, false),
                new Col("Item", 2.8f, false),
                new Col("Value", 1.2f, true),
                new Col("Unit", 0.6f, false),
                new Col("Source", 2.9f, false)),
            rows));
  }

  // ---- breakdowns ------------------------------------------------------------------------------

  private static void breakdown(Report r, List<Block> out) {
    var d = r.detail();
    var zone = ZoneId.of(r.provenance().params().zone());
    String step = d.breakdownStep();
    out.add(new Heading("Breakdown by " + step, true));
    var rows = new ArrayList<List<String>>();
    for (var m : d.breakdown()) {
      rows.add(
          List.of(
              step.equals("day")
                  ? m.start().atZone(zone).toLocalDate().toString()
                  : ReportFigures.month(m.start(), zone),
              kwh(m.facilityKwh()),
              kwh(m.itKwh()),
              kwh(m.coolingKwh()),
              kwh(m.otherKwh()),
              m.pue() == null ? "-" : ratio(m.pue()),
              m.pueStatus(),
              pct(m.coverage()),
              kwh(m.locationKg()),
              kwh(m.marketKg())));
    }
    out.add(
        new Table(
            "By " + step,
            List.of(
                new Col(step.equals("day") ? "Day" : "Month", 1.1f, false),
                new Col("E_DC (kWh)", 1.1f, true),
                new Col("E_IT (kWh)", 1.1f, true),
                new Col("Cooling (kWh)", 1.1f, true),
                new Col("Losses + other (kWh)", 1.1f, true),
                new Col("PUE", 0.7f, true),
                new Col("PUE status", 1.1f, false),
                new Col("Coverage", 0.8f, true),
                new Col("Location-based (kgCO2e)", 1.1f, true),
                new Col("Market-based (kgCO2e)", 1.1f, true)),
            rows));
    if (!r.clusters().isEmpty()) {
      var cr = new ArrayList<List<String>>();
      for (var c : r.clusters()) {
        cr.add(
            List.of(
                c.cluster(),
                kwh(c.itKwh()),
                kwh(c.coolingKwh()),
                kwh(c.overheadKwh()),
                kwh(c.facilityShareKwh()),
                c.pue() == null ? "-" : ratio(c.pue()),
                c.pueStatus(),
                kwh(c.locationKg()),
                kwh(c.marketKg())));
      }
      out.add(new Heading("Breakdown by cluster", false));
      out.add(
          new Table(
              "By cluster",
              List.of(
                  new Col("Cluster", 1.0f, false),
                  new Col("E_IT (kWh)", 1.1f, true),
                  new Col("Own cooling (kWh)", 1.1f, true),
                  new Col("Overhead share (kWh)", 1.1f, true),
                  new Col("Allocated E_DC (kWh)", 1.2f, true),
                  new Col("PUE", 0.7f, true),
                  new Col("PUE status", 1.1f, false),
                  new Col("Location-based (kgCO2e)", 1.1f, true),
                  new Col("Market-based (kgCO2e)", 1.1f, true)),
              cr));
    }
    out.add(
        new Heading(
            "Charts, "
                + Charts.per(d.chartStep())
                + " ("
                + d.chart().size()
                + " "
                + d.chartStep()
                + (d.chart().size() == 1 ? "" : "s")
                + ")",
            false));
    for (var c : Charts.of(r)) {
      out.add(new ChartBlock(c));
    }
  }

  // ---- methodology
  // -------------------------------------------------------------------------------

  private static void methodology(Report r, List<Block> out) {
    var d = r.detail();
    var meters = r.meters();
    int bridged = 0;
    double bridgedMin = 0;
    int left = 0;
    double leftMin = 0;
    double low = 0;
    double high = 0;
    int resets = 0;
    double fill = 0;
    int wraps = 0;
    for (var m : meters) {
      var a = m.applied();
      bridged += a.gapsBridged();
      bridgedMin += a.gapsBridgedMinutes();
      left += a.gapsLeft();
      leftMin += a.gapsLeftMinutes();
      low += a.gapsLeftLowKwh();
      high += a.gapsLeftHighKwh();
      resets += a.resets().size();
      for (var x : a.resets()) {
        fill += x.kwh();
      }
      wraps += a.wraps();
    }
    out.add(new Heading("Methodology", true));
    out.add(
        new Para(
            "Every energy figure follows the energy rules R0-R5 (analytics/README.md), the same"
                + " for the dashboard, the API and this report, from raw readings or rollups alike."
                + " In this period, over "
                + meters.size()
                + " meters:"));
    var rows = new ArrayList<List<String>>();
    rows.add(
        List.of(
            "R0 Period",
            "The energy over [from, to) uses the readings at both ends, interpolated on the"
                + " straight line where none falls on a boundary; nothing is lost at either end.",
            "-"));
    rows.add(
        List.of(
            "R1 Counters",
            "A cumulative counter's rise is the interval's energy"
                + (d.counterGapLimit() == null
                    ? " however long the interval"
                    : " (intervals over " + d.counterGapLimit() + " are unknown)")
                + ". A wrap (from the top tenth of the register's width to the bottom tenth) adds"
                + " the width. Any other drop is a reset: filled with the trapezoid of the same"
                + " meter's power when the hole is at most "
                + d.powerGapLimit()
                + ", else with what the new register counted.",
            count(resets, "reset") + ", " + kwh(fill) + " kWh filled in; " + count(wraps, "wrap")));
    rows.add(
        List.of(
            "R2 Power",
            "Where a meter has no counter its power is integrated (trapezoid) between readings at"
                + " most "
                + d.powerGapLimit()
                + " apart; a longer hole is not bridged: its energy is missing and coverage drops.",
            "counters and power together: "
                + count(bridged, "gap")
                + " bridged ("
                + num(bridgedMin)
                + " min); "
                + count(left, "gap")
                + " left ("
                + num(leftMin)
                + " min, "
                + kwh(low)
                + " to "
                + kwh(high)
                + " kWh had the load stayed at the lower or the higher reading)"));
    rows.add(
        List.of(
            "R3 Coverage",
            "A group of meters is known when every one of its meters is; coverage is that time"
                + " over the period's. A group's energy is each meter's over its own known time.",
            "coverage of E_DC and E_IT both known: " + pct(r.headline().coverage())));
    rows.add(
        List.of(
            "R4 Bins",
            "An interval across a step edge is split at the edge (counters in proportion to time,"
                + " power piece by piece); a gap's energy is never lumped into one step.",
            "-"));
    rows.add(
        List.of(
            "R5 Ratios",
            "A ratio is computed over the time both its numerator and denominator are known: PUE"
                + " = E_DC(T) / E_IT(T), shown only when the coverage of T is at least "
                + pct(d.coverageThreshold())
                + "; pPUE, CUE and REF likewise.",
            "PUE status " + r.headline().pueStatus()));
    out.add(
        new Table(
            "Energy rules",
            List.of(
                new Col("Rule", 0.9f, false),
                new Col("What it says", 3.8f, false),
                new Col("Applied in this period", 2.4f, false)),
            rows));
    var c = r.carbon();
    StringBuilder carbon =
        new StringBuilder(
            "Carbon (GHG Protocol Scope 2). Location-based: hour by hour, E_DC of the hour x the"
                + " grid intensity of the hour ("
                + (c.intensitySource() == null ? "no source" : c.intensitySource())
                + (d.fallbackGPerKwh() == null
                    ? ""
                    : "; hours the source lacks at " + num(d.fallbackGPerKwh()) + " g/kWh")
                + "); hours without an intensity are left out and lower the coverage. Market-based:"
                + " each hour's energy is covered first by hourly instruments, then by monthly ones"
                + " (pro rata), each at its factor, the rest at the residual mix ("
                + (d.residualMixGPerKwh() == null
                    ? "none configured: the hour's grid intensity"
                    : num(d.residualMixGPerKwh()) + " g/kWh")
                + "). Instruments: ");
    carbon.append(d.instruments().isEmpty() ? "none" : String.join("; ", d.instruments()));
    carbon.append('.');
    out.add(new Para(carbon.toString()));
    out.add(
        new Para(
            "Per-cluster PUE (kilowatch's own definition): UTC hour by UTC hour inside T, cluster"
                + " c gets its IT energy, the cooling energy that serves it (its CDUs) and a share"
                + " of the shared overhead O = E_DC - E_IT - attributed cooling in proportion to its"
                + " IT energy: PUE_c = (E_IT,c + E_cool,c + O x E_IT,c / E_IT) / E_IT,c. The"
                + " clusters' shares add up to E_DC(T); IT energy metered outside any cluster is"
                + " unassigned."
                + (r.headline().allocationRule() == null
                    ? ""
                    : " This cluster report: " + r.headline().allocationRule() + ".")));
  }

  // ---- appendix -----------------------------------------------------------------------------

  private static void appendix(Report r, List<Block> out) {
    out.add(new Heading("Appendix A: meters", true));
    var rows = new ArrayList<List<String>>();
    var resets = new ArrayList<List<String>>();
    for (var m : r.meters()) {
      var a = m.applied();
      rows.add(
          List.of(
              m.device(),
              m.role(),
              m.source().toLowerCase(Locale.ROOT),
              pct(m.coverage()),
              kwh(m.kwh()),
              Integer.toString(a.resets().size()),
              Integer.toString(a.wraps()),
              a.gapsBridged() + " (" + num(a.gapsBridgedMinutes()) + " min)",
              a.gapsLeft()
                  + " ("
                  + num(a.gapsLeftMinutes())
                  + " min, "
                  + kwh(a.gapsLeftLowKwh())
                  + "-"
                  + kwh(a.gapsLeftHighKwh())
                  + " kWh)"));
      for (var x : a.resets()) {
        resets.add(
            List.of(
                m.device(),
                x.from().toString(),
                x.to().toString(),
                num(x.before()),
                num(x.after()),
                kwh(x.kwh()),
                x.rule()));
      }
    }
    out.add(
        new Table(
            "Meters",
            List.of(
                new Col("Device", 1.2f, false),
                new Col("Channel", 0.7f, false),
                new Col("Source", 0.7f, false),
                new Col("Coverage", 0.7f, true),
                new Col("Energy (kWh)", 0.9f, true),
                new Col("Resets", 0.5f, true),
                new Col("Wraps", 0.5f, true),
                new Col("Gaps bridged", 0.9f, false),
                new Col("Gaps left (energy bounds)", 2.0f, false)),
            rows));
    String rule = r.meters().isEmpty() ? null : r.meters().getFirst().rule();
    if (rule != null) {
      out.add(new Para("Rule applied to every meter: " + rule + "."));
    }
    if (!resets.isEmpty()) {
      out.add(new Heading("Counter resets", false));
      out.add(
          new Table(
              "Resets",
              List.of(
                  new Col("Device", 1.0f, false),
                  new Col("From", 1.5f, false),
                  new Col("To", 1.5f, false),
                  new Col("Before", 0.9f, true),
                  new Col("After", 0.9f, true),
                  new Col("Filled (kWh)", 0.9f, true),
                  new Col("Rule", 1.2f, false)),
              resets));
    }
    var c = r.carbon();
    long hours =
        Math.round(
            java.time.Duration.between(r.provenance().params().from(), r.provenance().params().to())
                    .toMinutes()
                / 60.0);
    long none = Math.max(0, hours - c.sourceHours() - c.carriedForwardHours() - c.fallbackHours());
    out.add(new Heading("Appendix B: carbon-intensity hours by origin", false));
    out.add(
        new Table(
            "Intensity hours",
            List.of(
                new Col("Source", 2.0f, false),
                new Col("From the source (h)", 1.0f, true),
                new Col("Carried forward (h)", 1.0f, true),
                new Col("Fallback factor (h)", 1.0f, true),
                new Col("None (h)", 0.8f, true),
                new Col("Hours in period (h)", 1.0f, true)),
            List.of(
                List.of(
                    c.intensitySource() == null ? "none" : c.intensitySource(),
                    Long.toString(c.sourceHours()),
                    Long.toString(c.carriedForwardHours()),
                    Long.toString(c.fallbackHours()),
                    Long.toString(none),
                    Long.toString(hours)))));
    var j = r.jobs();
    if (j != null) {
      out.add(new Heading("Appendix C: energy and carbon per account and job", false));
      var jr = new ArrayList<List<String>>();
      for (var a : j.accounts()) {
        jr.add(
            List.of(
                a.account(),
                Integer.toString(a.jobs()),
                num(a.gpuHours()),
                kwh(a.itKwh()),
                kwh(a.facilityKwh()),
                kwh(a.locationKg()),
                kwh(a.marketKg())));
      }
      jr.add(
          List.of("(idle GPUs)", "-", "-", kwh(j.idleItKwh()), kwh(j.idleFacilityKwh()), "-", "-"));
      out.add(
          new Table(
              "Accounts",
              List.of(
                  new Col("Account", 1.5f, false),
                  new Col("Jobs", 0.6f, true),
                  new Col("GPU hours (h)", 1.0f, true),
                  new Col("IT (kWh)", 1.0f, true),
                  new Col("Facility (kWh)", 1.0f, true),
                  new Col("Location-based (kgCO2e)", 1.1f, true),
                  new Col("Market-based (kgCO2e)", 1.1f, true)),
              jr));
      var top = new ArrayList<List<String>>();
      for (var t : j.top()) {
        top.add(
            List.of(
                t.id(),
                t.account(),
                num(t.gpuHours()),
                kwh(t.itKwh()),
                kwh(t.facilityKwh()),
                kwh(t.locationKg()),
                kwh(t.marketKg()),
                pct(t.coverage())));
      }
      out.add(
          new Table(
              "Jobs with the most facility energy",
              List.of(
                  new Col("Job", 1.5f, false),
                  new Col("Account", 1.0f, false),
                  new Col("GPU hours (h)", 0.9f, true),
                  new Col("IT (kWh)", 1.0f, true),
                  new Col("Facility (kWh)", 1.0f, true),
                  new Col("Location-based (kgCO2e)", 1.1f, true),
                  new Col("Market-based (kgCO2e)", 1.1f, true),
                  new Col("Coverage", 0.8f, true)),
              top));
      out.add(
          new Para(
              "Jobs' energy follows J1-J5 (analytics/README.md): GPU energy "
                  + kwh(j.gpuItKwh())
                  + " kWh = jobs "
                  + kwh(j.jobsItKwh())
                  + " + idle "
                  + kwh(j.idleItKwh())
                  + " kWh; coverage "
                  + pct(j.coverage())
                  + "."));
    }
  }

  // ---- numbers ------------------------------------------------------------------------------

  /** Energy, mass: to the Wh (3 places); "not available" for none. */
  static String kwh(Double v) {
    return v == null || v.isNaN() ? NA : String.format(Locale.ROOT, "%.3f", v + 0.0);
  }

  static String ratio(Double v) {
    return v == null || v.isNaN() ? NA : String.format(Locale.ROOT, "%.4f", v + 0.0);
  }

  static String cue(Double v) {
    return v == null || v.isNaN() ? NA : String.format(Locale.ROOT, "%.6f", v + 0.0);
  }

  static String count(long n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }

  static String pct(double share) {
    double p = share * 100;
    return String.format(Locale.ROOT, p == Math.rint(p) ? "%.0f %%" : "%.1f %%", p);
  }

  static String num(double v) {
    return ReportBuilder.BigDecimalText.of(Math.round(v * 1000) / 1000.0);
  }

  private static String basis(String b) {
    return "none".equals(b) ? "not-available" : b;
  }
}
