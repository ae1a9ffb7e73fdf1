package io.kilowatch.analytics.report;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** The report as a flat, fixed-order list of figures: the content of the CSV and the JSON. */
final class ReportFigures {
  // Enough places for the figures to be compared at 1e-9 relative; documents show fewer.
  private static final int KWH = 9;
  private static final int RATIO = 12;

  private final List<Figure> out = new ArrayList<>();

  static List<Figure> of(Report r) {
    var f = new ReportFigures();
    f.fill(r);
    return List.copyOf(f.out);
  }

  private void add(
      String section,
      String scope,
      String field,
      Object v,
      String unit,
      String basis,
      int decimals) {
    out.add(new Figure(section, scope, field, v, unit, basis, decimals));
  }

  private void text(String section, String scope, String field, Object v) {
    Object x = v instanceof Integer i ? Long.valueOf(i) : v;
    add(section, scope, field, x, "", "", 0);
  }

  private void fill(Report r) {
    var p = r.provenance();
    var q = p.params();
    text("meta", "", "schema", "kilowatch-report/1");
    text("meta", "", "kilowatch_version", p.kilowatchVersion());
    text("meta", "", "config_sha256", p.configSha256());
    text("meta", "", "store", p.store());
    text("meta", "", "site", q.site());
    text("meta", "", "from", q.from().toString());
    text("meta", "", "to", q.to().toString());
    text("meta", "", "cluster", q.cluster());
    text("meta", "", "zone", q.zone());
    text("meta", "", "input_sha256", p.inputSha256());
    text("meta", "", "input_points", p.inputPoints());
    text("meta", "", "input_series", p.inputSeries());
    text("meta", "", "input_runs", p.inputRuns());
    text("meta", "", "input_intensity_hours", p.inputIntensityHours());

    var h = r.headline();
    String s = q.cluster() == null ? "site" : q.cluster();
    // A cluster's figures other than its metered E_IT are allocated: computed, by the rule named.
    boolean site = q.cluster() == null;
    String shared = site ? "measured" : "computed";
    add("headline", s, "e_dc", h.facilityKwh(), "kWh", shared, KWH);
    add("headline", s, "e_it", h.itKwh(), "kWh", "measured", KWH);
    add("headline", s, "e_cooling", h.coolingKwh(), "kWh", shared, KWH);
    add(
        "headline",
        s,
        "e_losses",
        h.lossesKwh(),
        "kWh",
        h.powerDeliveryDerived() ? "computed" : shared,
        KWH);
    add("headline", s, "e_other", h.otherKwh(), "kWh", shared, KWH);
    add("headline", s, "pue", h.pue(), "", "computed", RATIO);
    text("headline", s, "pue_status", h.pueStatus());
    text("headline", s, "pue_category", (long) h.pueCategory());
    text("headline", s, "it_level", h.itLevel());
    add("headline", s, "coverage", h.coverage(), "", "computed", RATIO);
    add("headline", s, "ppue_cooling", h.ppueCooling(), "", "computed", RATIO);
    add("headline", s, "ppue_power_delivery", h.ppuePowerDelivery(), "", "computed", RATIO);
    text("headline", s, "power_delivery_derived", h.powerDeliveryDerived());
    add("headline", s, "peak_it_kw", h.peakItKw(), "kW", "computed", KWH);
    add("headline", s, "mean_it_kw", h.meanItKw(), "kW", "computed", KWH);
    if (!site) {
      add("headline", s, "it_share", h.itShare(), "", "computed", RATIO);
      text("headline", s, "allocation_rule", h.allocationRule());
    }

    var c = r.carbon();
    add("carbon", s, "location_kgco2e", c.locationKg(), "kgCO2e", "computed", KWH);
    add("carbon", s, "market_kgco2e", c.marketKg(), "kgCO2e", "computed", KWH);
    add("carbon", s, "cue_location", c.cueLocation(), "kgCO2e/kWh", "computed", RATIO);
    add("carbon", s, "cue_market", c.cueMarket(), "kgCO2e/kWh", "computed", RATIO);
    text("carbon", s, "status", c.status());
    add("carbon", s, "coverage", c.coverage(), "", "computed", RATIO);
    text("carbon", s, "intensity_source", c.intensitySource());
    add("carbon", s, "intensity_coverage", c.intensityCoverage(), "", "computed", RATIO);
    text("carbon", s, "intensity_source_hours", c.sourceHours());
    text("carbon", s, "intensity_carried_forward_hours", c.carriedForwardHours());
    text("carbon", s, "intensity_fallback_hours", c.fallbackHours());
    var rn = c.renewables();
    add("carbon", s, "renewable_kwh", c.renewableKwh(), "kWh", "computed", KWH);
    add("carbon", s, "renewable_certificates_kwh", rn.certificatesKwh(), "kWh", "declared", KWH);
    add("carbon", s, "renewable_ppa_kwh", rn.ppaKwh(), "kWh", "declared", KWH);
    add("carbon", s, "renewable_onsite_kwh", rn.onsiteKwh(), "kWh", rn.onsiteBasis(), KWH);
    add("carbon", s, "ref", c.ref(), "", "computed", RATIO);
    add("carbon", s, "wue", c.wue(), "L/kWh", basis(c.wueBasis()), RATIO);
    add("carbon", s, "erf", c.erf(), "", basis(c.erfBasis()), RATIO);

    ZoneId zone = ZoneId.of(q.zone());
    for (var m : r.months()) {
      String k = month(m.start(), zone);
      add("month", k, "e_dc", m.facilityKwh(), "kWh", shared, KWH);
      add("month", k, "e_it", m.itKwh(), "kWh", "measured", KWH);
      add("month", k, "e_cooling", m.coolingKwh(), "kWh", shared, KWH);
      add("month", k, "e_other", m.otherKwh(), "kWh", "computed", KWH);
      add("month", k, "pue", m.pue(), "", "computed", RATIO);
      text("month", k, "pue_status", m.pueStatus());
      add("month", k, "coverage", m.coverage(), "", "computed", RATIO);
      add("month", k, "location_kgco2e", m.locationKg(), "kgCO2e", "computed", KWH);
      add("month", k, "market_kgco2e", m.marketKg(), "kgCO2e", "computed", KWH);
      add("month", k, "intensity_g_per_kwh", m.intensityGPerKwh(), "gCO2e/kWh", "computed", KWH);
    }
    for (var cl : r.clusters()) {
      String k = cl.cluster();
      add("cluster", k, "e_it", cl.itKwh(), "kWh", "measured", KWH);
      add("cluster", k, "e_cooling", cl.coolingKwh(), "kWh", "measured", KWH);
      add("cluster", k, "overhead_kwh", cl.overheadKwh(), "kWh", "computed", KWH);
      add("cluster", k, "facility_share_kwh", cl.facilityShareKwh(), "kWh", "computed", KWH);
      add("cluster", k, "pue", cl.pue(), "", "computed", RATIO);
      text("cluster", k, "pue_status", cl.pueStatus());
      add("cluster", k, "location_kgco2e", cl.locationKg(), "kgCO2e", "computed", KWH);
      add("cluster", k, "market_kgco2e", cl.marketKg(), "kgCO2e", "computed", KWH);
    }
    for (var e : r.eed()) {
      add(
          "eed",
          e.id(),
          "value",
          e.value(),
          e.unit(),
          e.basis(),
          e.unit().equals("") ? RATIO : KWH);
      text("eed", e.id(), "label", e.label());
      if (e.note() != null) {
        text("eed", e.id(), "note", e.note());
      }
    }
    for (var m : r.meters()) {
      String k = m.role() + "/" + m.device();
      text("meter", k, "source", m.source());
      add("meter", k, "coverage", m.coverage(), "", "computed", RATIO);
      add("meter", k, "energy_kwh", m.kwh(), "kWh", "measured", KWH);
      text("meter", k, "resets", (long) m.resets());
      text("meter", k, "wraps", (long) m.wraps());
      var a = m.applied();
      text("meter", k, "gaps_bridged", (long) a.gapsBridged());
      add("meter", k, "gaps_bridged_minutes", a.gapsBridgedMinutes(), "min", "computed", KWH);
      text("meter", k, "gaps_left", (long) a.gapsLeft());
      add("meter", k, "gaps_left_minutes", a.gapsLeftMinutes(), "min", "computed", KWH);
      add("meter", k, "gaps_left_low_kwh", a.gapsLeftLowKwh(), "kWh", "computed", KWH);
      add("meter", k, "gaps_left_high_kwh", a.gapsLeftHighKwh(), "kWh", "computed", KWH);
      int i = 0;
      for (var reset : a.resets()) {
        String rk = k + "/reset" + (++i);
        text("meter", rk, "from", reset.from().toString());
        text("meter", rk, "to", reset.to().toString());
        add("meter", rk, "before", reset.before(), "", "measured", KWH);
        add("meter", rk, "after", reset.after(), "", "measured", KWH);
        add("meter", rk, "fill_kwh", reset.kwh(), "kWh", "computed", KWH);
        text("meter", rk, "rule", reset.rule());
      }
      text("meter", k, "rule", m.rule());
    }
    jobs(r.jobs());
  }

  private void jobs(Report.Jobs j) {
    if (j == null) {
      return;
    }
    // J1–J5: GPU energy is measured, everything attributed from it is computed.
    text("jobs", "all", "jobs", (long) j.jobs());
    add("jobs", "all", "gpu_it_kwh", j.gpuItKwh(), "kWh", "measured", KWH);
    add("jobs", "all", "jobs_it_kwh", j.jobsItKwh(), "kWh", "computed", KWH);
    add("jobs", "all", "idle_it_kwh", j.idleItKwh(), "kWh", "computed", KWH);
    add("jobs", "all", "facility_kwh", j.facilityKwh(), "kWh", "computed", KWH);
    add("jobs", "all", "idle_facility_kwh", j.idleFacilityKwh(), "kWh", "computed", KWH);
    add("jobs", "all", "location_kgco2e", j.locationKg(), "kgCO2e", "computed", KWH);
    add("jobs", "all", "market_kgco2e", j.marketKg(), "kgCO2e", "computed", KWH);
    add("jobs", "all", "coverage", j.coverage(), "", "computed", RATIO);
    for (var a : j.accounts()) {
      String k = "account:" + a.account();
      text("jobs", k, "jobs", (long) a.jobs());
      add("jobs", k, "gpu_hours", a.gpuHours(), "h", "computed", KWH);
      add("jobs", k, "it_kwh", a.itKwh(), "kWh", "computed", KWH);
      add("jobs", k, "facility_kwh", a.facilityKwh(), "kWh", "computed", KWH);
      add("jobs", k, "location_kgco2e", a.locationKg(), "kgCO2e", "computed", KWH);
      add("jobs", k, "market_kgco2e", a.marketKg(), "kgCO2e", "computed", KWH);
    }
    for (var t : j.top()) {
      String k = "job:" + t.id();
      text("jobs", k, "account", t.account());
      text("jobs", k, "user", t.user());
      add("jobs", k, "gpu_hours", t.gpuHours(), "h", "computed", KWH);
      add("jobs", k, "it_kwh", t.itKwh(), "kWh", "computed", KWH);
      add("jobs", k, "facility_kwh", t.facilityKwh(), "kWh", "computed", KWH);
      add("jobs", k, "location_kgco2e", t.locationKg(), "kgCO2e", "computed", KWH);
      add("jobs", k, "market_kgco2e", t.marketKg(), "kgCO2e", "computed", KWH);
      add("jobs", k, "coverage", t.coverage(), "", "computed", RATIO);
    }
  }

  static String month(Instant start, ZoneId zone) {
    return start.atZone(zone).toLocalDate().toString().substring(0, 7);
  }

  private static String basis(String b) {
    return "none".equals(b) ? "not-available" : b;
  }
}
