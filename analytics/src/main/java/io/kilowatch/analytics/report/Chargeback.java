package io.kilowatch.analytics.report;

import io.kilowatch.analytics.JobEnergyReport;
import java.util.Locale;

/**
 * The chargeback CSV: one row per account (Slurm account, Kubernetes namespace) with its jobs' GPU
 * hours, IT and facility energy and emissions by the job rules (analytics/README.md J1–J5), then
 * the GPU energy no job held and the total, so the file adds up to the GPUs' energy. Fixed decimals
 * and {@code \n} line ends: the same data gives the same bytes.
 */
public final class Chargeback {
  private Chargeback() {}

  /** Each column says its unit. */
  public static final String HEADER =
      "account,jobs,gpu_hours [h],it_energy [kWh],facility_energy [kWh],pue [1],"
          + "location_based [kgCO2e],market_based [kgCO2e]";

  /** The row of the GPU energy no job held. */
  public static final String IDLE = "(idle)";

  /** The last row: every GPU's energy, jobs and idle. */
  public static final String TOTAL = "(all GPUs)";

  public static String csv(JobEnergyReport r) {
    var sb = new StringBuilder(HEADER).append('\n');
    for (var a : r.accounts()) {
      sb.append(cell(a.account()))
          .append(',')
          .append(a.jobs())
          .append(',')
          .append(num(a.gpuHours()))
          .append(',')
          .append(num(a.itKwh()))
          .append(',')
          .append(num(a.facilityKwh()))
          .append(',')
          .append(a.itKwh() > 0 ? num(a.facilityKwh() / a.itKwh()) : "")
          .append(',')
          .append(num(a.locationKg()))
          .append(',')
          .append(num(a.marketKg()))
          .append('\n');
    }
    var t = r.totals();
    Double idleLoc = t.idleLocationKg();
    Double idleMkt = t.idleMarketKg();
    sb.append(IDLE)
        .append(",,,")
        .append(num(t.idleItKwh()))
        .append(',')
        .append(num(t.idleFacilityKwh()))
        .append(',')
        .append(t.idleItKwh() > 0 ? num(t.idleFacilityKwh() / t.idleItKwh()) : "")
        .append(',')
        .append(num(idleLoc))
        .append(',')
        .append(num(idleMkt))
        .append('\n');
    double gpuHours =
        r.accounts().stream().mapToDouble(JobEnergyReport.AccountEnergy::gpuHours).sum();
    sb.append(TOTAL)
        .append(',')
        .append(r.jobs().size())
        .append(',')
        .append(num(gpuHours))
        .append(',')
        .append(num(t.clusterItKwh()))
        .append(',')
        .append(num(t.facilityKwh()))
        .append(',')
        .append(t.clusterItKwh() > 0 ? num(t.facilityKwh() / t.clusterItKwh()) : "")
        .append(',')
        .append(num(t.locationKg()))
        .append(',')
        .append(num(t.marketKg()))
        .append('\n');
    return sb.toString();
  }

  private static String num(Double v) {
    return v == null ? "" : String.format(Locale.ROOT, "%.6f", v);
  }

  private static String cell(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
      return s;
    }
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }
}
