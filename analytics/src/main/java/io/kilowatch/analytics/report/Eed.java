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
    var declared = site.analytics().declared();
    out.add(na("installed_it_power", "Installed IT power P_DIT", "kW"));
    out.add(na("floor_area", "Total and computer room floor area", "m2"));
    out.add(
        new Report.EedField(
            "e_dc", "Total energy consumption E_DC", h.facilityKwh(), "kWh", "measured", null));
    out.add(
        new Report.EedField(
            "e_it",
            "IT energy consumption E_IT",
            h.itKwh(),
            "kWh",
            "measured",
            "metered at " + pue.itLevel() + " (category " + pue.category() + ")"));
    out.add(na("backup_generator_energy", "Backup generator energy", "kWh"));
    Double waterM3 = null;
    if ("measured".equals(c.wueBasis()) && c.wue() != null) {
      waterM3 = c.wue() * h.itKwh() / 1000;
    }
    out.add(
        waterM3 != null
            ? new Report.EedField(
                "water_input", "Total water input", waterM3, "m3", "measured", "water meter")
            : na("water_input", "Total water input", "m3"));
    out.add(na("potable_water_input", "Potable water input", "m3"));
    Double reuseKwh = null;
    if ("measured".equals(c.erfBasis()) && c.erf() != null) {
      reuseKwh = c.erf() * h.facilityKwh();
    }
    out.add(
        reuseKwh != null
            ? new Report.EedField(
                "e_reuse", "Reused heat E_REUSE", reuseKwh, "kWh", "measured", "heat meter")
            : na("e_reuse", "Reused heat E_REUSE", "kWh"));
    out.add(na("reuse_temperature", "Mean temperature of reused heat", "C"));
    out.add(
        new Report.EedField(
            "e_res_tot",
            "Renewable energy E_RES-TOT",
            c.renewableKwh(),
            "kWh",
            "declared",
            "contractual instruments in analytics.carbon.instruments, matched hour by hour"));
    out.add(na("intake_air_setpoint", "IT intake air temperature setpoint", "C"));
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
    return out;
  }

  private static String basis(String engineBasis, boolean declared) {
    return switch (engineBasis) {
      case "measured" -> "computed";
      case "declared" -> "declared";
      default -> declared ? "declared" : "not-available";
    };
  }

  private static Report.EedField na(String id, String label, String unit) {
    return new Report.EedField(
        id, label, null, unit, "not-available", "not metered and not declared in the config");
  }
}
