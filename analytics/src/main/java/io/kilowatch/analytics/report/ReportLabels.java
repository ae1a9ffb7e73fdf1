package io.kilowatch.analytics.report;

import io.kilowatch.config.units.Quantity;
import io.kilowatch.config.units.Units;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place a report's human labels, symbols and units come from: the HTML and PDF documents,
 * the CSV {@code label} column and the JSON {@code label} field all read this table, so a label
 * cannot say one thing in the PDF and another in the CSV. Units are UCUM codes of the units model
 * ({@link Units}), shown as {@link Units.Parsed#shown()} shows them; carbon masses add "CO2e".
 */
public final class ReportLabels {
  private ReportLabels() {}

  /** The headline indicators of the summary table, in the order it lists them. */
  public enum Indicator {
    E_DC(
        "e_dc",
        "Total data centre energy consumption",
        "E_DC",
        Quantity.ENERGY,
        "kW.h",
        "",
        "everything at the facility boundary (ISO/IEC 30134-2)"),
    E_IT(
        "e_it",
        "IT equipment energy consumption",
        "E_IT",
        Quantity.ENERGY,
        "kW.h",
        "",
        "metered at the IT level of the PUE category (ISO/IEC 30134-2)"),
    E_COOLING(
        "e_cooling",
        "Cooling energy",
        "E_cooling",
        Quantity.ENERGY,
        "kW.h",
        "",
        "chillers, CDUs, pumps, CRAH (energy model: cooling)"),
    E_LOSSES(
        "e_losses",
        "Power delivery losses",
        "E_losses",
        Quantity.ENERGY,
        "kW.h",
        "",
        "UPS, transformers, PDUs; derived as E_DC - E_IT - E_cooling - E_other without a loss meter"),
    E_OTHER(
        "e_other",
        "Other facility energy",
        "E_other",
        Quantity.ENERGY,
        "kW.h",
        "",
        "lighting, offices, security (energy model: other)"),
    PUE(
        "pue",
        "Power usage effectiveness",
        "PUE",
        Quantity.DIMENSIONLESS,
        "1",
        "",
        "E_DC / E_IT over the time both are known (ISO/IEC 30134-2)"),
    PPUE_COOLING(
        "ppue_cooling",
        "Partial PUE, cooling",
        "pPUE_cooling",
        Quantity.DIMENSIONLESS,
        "1",
        "",
        "(E_IT + E_cooling) / E_IT (ISO/IEC 30134-2)"),
    PPUE_POWER_DELIVERY(
        "ppue_power_delivery",
        "Partial PUE, power delivery",
        "pPUE_power",
        Quantity.DIMENSIONLESS,
        "1",
        "",
        "(E_IT + E_losses) / E_IT (ISO/IEC 30134-2)"),
    REF(
        "ref",
        "Renewable energy factor",
        "REF",
        Quantity.DIMENSIONLESS,
        "1",
        "",
        "renewable energy used / E_DC (ISO/IEC 30134-3)"),
    WUE(
        "wue",
        "Water usage effectiveness",
        "WUE",
        // Volume per energy: no quantity of the units model, the UCUM code still parses.
        null,
        "L/(kW.h)",
        "",
        "site water / E_IT (ISO/IEC 30134-9)"),
    ERF(
        "erf",
        "Energy reuse factor",
        "ERF",
        Quantity.DIMENSIONLESS,
        "1",
        "",
        "reused energy / E_DC (ISO/IEC 30134-6)"),
    CUE_LOCATION(
        "cue_location",
        "Carbon usage effectiveness, location-based",
        "CUE_loc",
        Quantity.CARBON_INTENSITY,
        "kg/(kW.h)",
        "CO2e",
        "location-based kgCO2e / E_IT (ISO/IEC 30134-8)"),
    CUE_MARKET(
        "cue_market",
        "Carbon usage effectiveness, market-based",
        "CUE_mkt",
        Quantity.CARBON_INTENSITY,
        "kg/(kW.h)",
        "CO2e",
        "market-based kgCO2e / E_IT (ISO/IEC 30134-8)"),
    CO2E_LOCATION(
        "location_kgco2e",
        "Emissions, location-based",
        "CO2e_loc",
        Quantity.MASS,
        "kg",
        "CO2e",
        "hour by hour: E_DC,h x grid intensity CI_h (GHG Protocol Scope 2)"),
    CO2E_MARKET(
        "market_kgco2e",
        "Emissions, market-based",
        "CO2e_mkt",
        Quantity.MASS,
        "kg",
        "CO2e",
        "instruments at their factor, the rest at the residual mix (GHG Protocol Scope 2)");

    private final String field;
    private final String label;
    private final String symbol;
    private final Quantity quantity;
    private final String ucum;
    private final String suffix;
    private final String description;

    Indicator(
        String field,
        String label,
        String symbol,
        Quantity quantity,
        String ucum,
        String suffix,
        String description) {
      this.field = field;
      this.label = label;
      this.symbol = symbol;
      this.quantity = quantity;
      this.ucum = ucum;
      this.suffix = suffix;
      this.description = description;
    }

    /** The figure's field name in the CSV and JSON. */
    public String field() {
      return field;
    }

    public String label() {
      return label;
    }

    public String symbol() {
      return symbol;
    }

    /**
     * What it measures, its {@link #ucum()} unit one the quantity accepts; null for a unit no
     * quantity of the units model has (WUE's L/kWh).
     */
    public Quantity quantity() {
      return quantity;
    }

    /** The UCUM code of the unit the value is in. */
    public String ucum() {
      return ucum;
    }

    /** The unit as a document shows it: {@code kWh}, {@code kgCO2e}, {@code L/kWh}; "" for 1. */
    public String unit() {
      return shown(ucum, suffix);
    }

    public String description() {
      return description;
    }
  }

  /**
   * One EU EED item: Delegated Regulation (EU) 2024/1364, Annex I (information and key performance
   * indicators) and Annex II (sustainability indicators), in the order and wording of
   * /work/shared/docs/reference.md §3 (itself from the regulation's text, e.g.
   * https://legalize.dev/eu/law/32024R1364); reference.md marks the symbols "check against the
   * annexes", so the identifiers are the symbols and the machine keys stay the CSV's item ids.
   *
   * @param id the item's key in the CSV/JSON {@code eed} section
   * @param identifier the symbol that names it in the document's EED table
   */
  public record EedItem(String id, String annex, String identifier, String item, String ucum) {
    /** The unit as a document shows it. */
    public String unit() {
      return shown(ucum, "");
    }
  }

  /** The EED items in regulation order (Annex I, then Annex II). */
  public static final List<EedItem> EED =
      List.of(
          new EedItem("installed_it_power", "I", "P_DIT", "Installed IT power demand", "kW"),
          new EedItem("floor_area", "I", "A_DC", "Total data centre floor area", "m2"),
          new EedItem("computer_room_area", "I", "A_CR", "Total computer room floor area", "m2"),
          new EedItem("e_dc", "I", "E_DC", "Total energy consumption of the data centre", "kW.h"),
          new EedItem(
              "e_it",
              "I",
              "E_IT",
              "Total energy consumption of the information technology equipment",
              "kW.h"),
          // reference.md §3 lists backup-generator energy after E_IT; E_BG is kilowatch's symbol
          // for it (the regulation's own, if any, was not checked).
          new EedItem(
              "backup_generator_energy", "I", "E_BG", "Energy of the backup generators", "kW.h"),
          new EedItem("water_input", "I", "W_IN", "Total water input", "m3"),
          new EedItem("potable_water_input", "I", "W_IN-POT", "Total potable water input", "m3"),
          new EedItem("e_reuse", "I", "E_REUSE", "Waste heat reused", "kW.h"),
          new EedItem(
              "reuse_temperature", "I", "T_WH", "Average temperature of the reused heat", "Cel"),
          new EedItem("e_res_tot", "I", "E_RES-TOT", "Total renewable energy consumption", "kW.h"),
          new EedItem(
              "e_res_go",
              "I",
              "E_RES-GOO",
              "Renewable energy consumption from guarantees of origin",
              "kW.h"),
          new EedItem(
              "e_res_ppa",
              "I",
              "E_RES-PPA",
              "Renewable energy consumption from power purchase agreements",
              "kW.h"),
          new EedItem(
              "e_res_onsite",
              "I",
              "E_RES-OS",
              "Renewable energy consumption from on-site renewables",
              "kW.h"),
          new EedItem(
              "intake_air_setpoint",
              "I",
              "T_IN",
              "Set point temperature of the IT equipment intake air",
              "Cel"),
          new EedItem("pue", "II", "PUE", "Power usage effectiveness", "1"),
          new EedItem("wue", "II", "WUE", "Water usage effectiveness", "L/(kW.h)"),
          new EedItem("erf", "II", "ERF", "Energy reuse factor", "1"),
          new EedItem("ref", "II", "REF", "Renewable energy factor", "1"));

  public static EedItem eed(String id) {
    return EED.stream()
        .filter(e -> e.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no EED item " + id));
  }

  /** The data-quality words a document shows for a figure's basis. */
  public static String quality(String basis) {
    return switch (basis == null ? "" : basis) {
      case "measured" -> "measured";
      case "computed" -> "computed";
      case "declared" -> "declared";
      case "not-available" -> "not available";
      default -> "";
    };
  }

  private static final Map<String, String> FIELDS = new HashMap<>();

  static {
    for (var i : Indicator.values()) {
      FIELDS.put(i.field(), i.label());
    }
    String[][] rows = {
      {"schema", "Report schema"},
      {"kilowatch_version", "kilowatch version"},
      {"config_sha256", "Config file SHA-256"},
      {"store", "Store kind"},
      {"site", "Site"},
      {"from", "Period start"},
      {"to", "Period end (exclusive)"},
      {"cluster", "Cluster"},
      {"zone", "Time zone"},
      {"input_sha256", "Input data SHA-256"},
      {"input_points", "Raw readings hashed"},
      {"input_series", "Series hashed"},
      {"input_runs", "Store runs hashed"},
      {"input_intensity_hours", "Intensity hours hashed"},
      {"pue_status", "PUE status"},
      {"pue_category", "PUE category (ISO/IEC 30134-2)"},
      {"it_level", "IT energy metered at"},
      {"coverage", "Coverage"},
      {"power_delivery_derived", "Power delivery losses derived"},
      {"peak_it_kw", "Peak IT power (highest hourly mean)"},
      {"mean_it_kw", "Mean IT power"},
      {"it_share", "Share of site IT energy"},
      {"allocation_rule", "Allocation rule"},
      {"status", "Emissions status"},
      {"intensity_source", "Carbon intensity source"},
      {"intensity_coverage", "Hours with an intensity"},
      {"intensity_source_hours", "Intensity hours from the source"},
      {"intensity_carried_forward_hours", "Intensity hours carried forward"},
      {"intensity_fallback_hours", "Intensity hours at the fallback factor"},
      {"renewable_kwh", "Renewable energy used"},
      {"renewable_certificates_kwh", "Renewable energy: guarantees of origin"},
      {"renewable_ppa_kwh", "Renewable energy: power purchase agreements"},
      {"renewable_onsite_kwh", "Renewable energy: on-site generation"},
      {"intensity_g_per_kwh", "Mean grid carbon intensity"},
      {"overhead_kwh", "Share of shared overhead"},
      {"facility_share_kwh", "Allocated facility energy"},
      {"source", "Energy source of the meter"},
      {"energy_kwh", "Meter energy"},
      {"resets", "Counter resets"},
      {"wraps", "Counter wraps"},
      {"gaps_bridged", "Gaps bridged"},
      {"gaps_bridged_minutes", "Gaps bridged, duration"},
      {"gaps_left", "Gaps left"},
      {"gaps_left_minutes", "Gaps left, duration"},
      {"gaps_left_low_kwh", "Gaps left, energy at the lower reading"},
      {"gaps_left_high_kwh", "Gaps left, energy at the higher reading"},
      {"before", "Counter before the drop"},
      {"after", "Counter after the drop"},
      {"fill_kwh", "Energy filled in"},
      {"rule", "Rule applied"},
      {"note", "Note"},
      {"jobs", "Jobs"},
      {"gpu_it_kwh", "GPU energy"},
      {"jobs_it_kwh", "GPU energy held by jobs"},
      {"idle_it_kwh", "GPU energy held by no job"},
      {"facility_kwh", "Facility energy attributed"},
      {"idle_facility_kwh", "Facility energy of idle GPUs"},
      {"gpu_hours", "GPU hours"},
      {"it_kwh", "IT energy attributed"},
      {"account", "Account"},
      {"user", "User"},
    };
    for (String[] r : rows) {
      FIELDS.putIfAbsent(r[0], r[1]);
    }
  }

  /**
   * The human label of a figure. An EED item's {@code value} and {@code label} rows take the item's
   * wording; a meter's reset rows the reset's.
   */
  public static String label(String section, String scope, String field) {
    if (section.equals("eed") && (field.equals("value") || field.equals("label"))) {
      return EED.stream()
          .filter(e -> e.id().equals(scope))
          .map(EedItem::item)
          .findFirst()
          .orElse(scope);
    }
    if (section.equals("meter") && (field.equals("from") || field.equals("to"))) {
      return field.equals("from") ? "Reset interval start" : "Reset interval end";
    }
    String l = FIELDS.get(field);
    if (l == null) {
      throw new IllegalArgumentException("no label for " + section + "/" + field);
    }
    return l;
  }

  /** A UCUM code as documents show it, with a suffix such as CO2e after the mass. */
  static String shown(String ucum, String suffix) {
    if (ucum.equals("1")) {
      return "";
    }
    String s =
        switch (ucum) {
          case "m2" -> "m²";
          case "L/(kW.h)" -> "L/kWh";
          case "kg/(kW.h)" -> "kg/kWh";
          default -> Units.parse(ucum).shown();
        };
    if (suffix.isEmpty()) {
      return s;
    }
    int slash = s.indexOf('/');
    return slash < 0 ? s + suffix : s.substring(0, slash) + suffix + s.substring(slash);
  }
}
