package io.kilowatch.analytics.report;

import io.kilowatch.analytics.PueReport;
import io.kilowatch.config.SiteConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The EU EED data-centre reporting items (Delegated Regulation (EU) 2024/1364), each marked
 * measured, computed or declared. Items nothing measures and the config does not declare are listed
 * as {@code not-available} so the auditor sees the hole rather than a made-up figure.
 */
final class Eed {
  private Eed() {}

  static List<Report.EedField> fields(
      SiteConfig site, Report.Headline h, Report.Carbon c, PueReport pue) {
    var out = new ArrayList<Report.EedField>();
    // A cluster report's E_DC (and what is derived from it) is allocated, not metered.
    boolean cluster = h.allocationRule() != null;
    var declared = site.analytics().declared();
    var d = declared.eed();
    out.add(maybe("installed_it_power", "Installed IT power P_DIT", d.installedItPowerKw(), "kW"));
    out.add(maybe("floor_area", "Total floor area", d.floorAreaM2(), "m2"));
    out.add(maybe("computer_room_area", "Computer room floor area", d.computerRoomAreaM2(), "m2"));
    out.add(
        new Report.EedField(
            "e_dc",
            "Total energy consumption E_DC",
            h.facilityKwh(),
            "kWh",
            cluster ? "computed" : "measured",
            cluster ? "the cluster's allocated part, see allocation_rule" : null));
    out.add(
        new Report.EedField(
            "e_it",
            "IT energy consumption E_IT",
            h.itKwh(),
            "kWh",
            "measured",
            "metered at " + pue.itLevel() + " (category " + pue.category() + ")"));
    out.add(
        maybe("backup_generator_energy", "Backup generator energy", d.backupGeneratorKwh(), "kWh"));
    Double waterM3 = null;
    if ("measured".equals(c.wueBasis()) && c.wue() != null) {
      waterM3 = c.wue() * h.itKwh() / 1000;
    }
    out.add(
        waterM3 != null
            ? new Report.EedField(
                "water_input",
                "Total water input",
                waterM3,
                "m3",
                cluster ? "computed" : "measured",
                cluster ? "water meter, the cluster's share of the IT energy" : "water meter")
            : maybe("water_input", "Total water input", d.waterM3(), "m3"));
    out.add(maybe("potable_water_input", "Potable water input", d.potableWaterM3(), "m3"));
    Double reuseKwh = null;
    if ("measured".equals(c.erfBasis()) && c.erf() != null) {
      reuseKwh = c.erf() * h.facilityKwh();
    }
    out.add(
        reuseKwh != null
            ? new Report.EedField(
                "e_reuse",
                "Reused heat E_REUSE",
                reuseKwh,
                "kWh",
                cluster ? "computed" : "measured",
                cluster ? "heat meter, the cluster's share of the total energy" : "heat meter")
            : maybe("e_reuse", "Reused heat E_REUSE", d.reusedHeatKwh(), "kWh"));
    out.add(
        maybe("reuse_temperature", "Mean temperature of reused heat", d.reuseTemperatureC(), "C"));
    var rn = c.renewables();
    out.add(
        new Report.EedField(
            "e_res_tot",
            "Renewable energy E_RES-TOT",
            c.renewableKwh(),
            "kWh",
            "computed",
            "sum of the three items below: each kWh of the total energy counted once, by the supply that"
                + " covered it hour by hour (the market-based matching)"));
    out.add(
        new Report.EedField(
            "e_res_go",
            "Renewable energy: guarantees of origin / certificates",
            rn.certificatesKwh(),
            "kWh",
            "declared",
            "certificate instruments in analytics.carbon.instruments, matched to the total energy"));
    out.add(
        new Report.EedField(
            "e_res_ppa",
            "Renewable energy: power purchase agreements",
            rn.ppaKwh(),
            "kWh",
            "declared",
            "ppa instruments in analytics.carbon.instruments, matched to the total energy"));
    out.add(
        new Report.EedField(
            "e_res_onsite",
            "Renewable energy: on-site generation",
            rn.onsiteKwh(),
            "kWh",
            rn.onsiteBasis(),
            "measured".equals(rn.onsiteBasis())
                ? "metered by analytics.carbon.onsiteGeneration, hour by hour"
                : "onsite instruments in analytics.carbon.instruments, matched to the total energy"));
    out.add(
        maybe(
            "intake_air_setpoint",
            "IT intake air temperature setpoint",
            d.intakeAirSetpointC(),
            "C"));
    out.add(
        new Report.EedField(
            "pue",
            "Power usage effectiveness",
            h.pue(),
            "",
            "computed",
            "status " + h.pueStatus()));
    out.add(
        new Report.EedField(
            "wue",
            "Water usage effectiveness",
            c.wue(),
            "L/kWh",
            basis(c.wueBasis(), declared.wueLPerKwh() != null),
            null));
    out.add(
        new Report.EedField(
            "erf",
            "Energy reuse factor",
            c.erf(),
            "",
            basis(c.erfBasis(), declared.erf() != null),
            null));
    out.add(new Report.EedField("ref", "Renewable energy factor", c.ref(), "", "computed", null));
    // The wording every document and the CSV show is the labels table's, in regulation order.
    return out.stream()
        .map(
            f ->
                new Report.EedField(
                    f.id(),
                    ReportLabels.eed(f.id()).item(),
                    f.value(),
                    f.unit(),
                    f.basis(),
                    f.note()))
        .toList();
  }

  private static String basis(String engineBasis, boolean declared) {
    return switch (engineBasis) {
      case "measured" -> "computed";
      case "declared" -> "declared";
      default -> declared ? "declared" : "not-available";
    };
  }

  /** A declared value from {@code analytics.declared}, or not-available. */
  private static Report.EedField maybe(String id, String label, Double declared, String unit) {
    if (declared == null) {
      return na(id, label, unit);
    }
    return new Report.EedField(
        id, label, declared, unit, "declared", "analytics.declared in the site config");
  }

  private static Report.EedField na(String id, String label, String unit) {
    return new Report.EedField(
        id, label, null, unit, "not-available", "not metered and not declared in the config");
  }
}
