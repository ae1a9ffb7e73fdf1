package io.kilowatch.analytics;

import io.kilowatch.jobs.JobRecord;
import java.time.Instant;
import java.util.List;

/**
 * Energy and carbon per job over an interval (analytics/README.md, "Jobs"): each job's GPU energy,
 * its facility energy at its cluster's PUE hour by hour, its emissions at each hour's intensity,
 * and the GPU energy no job held (idle), so that jobs + idle add up to the GPUs' energy.
 *
 * @param cluster the cluster the figures are limited to, or null for every cluster
 * @param jobs every job that ran in the interval, by facility energy, largest first
 * @param accounts per account (Slurm account, Kubernetes namespace), by facility energy
 */
public record JobEnergyReport(
    Instant from,
    Instant to,
    String cluster,
    Totals totals,
    List<JobEnergy> jobs,
    List<AccountEnergy> accounts) {

  public JobEnergyReport {
    jobs = List.copyOf(jobs);
    accounts = List.copyOf(accounts);
  }

  /**
   * The GPUs' energy over the interval, split into what jobs held and what nobody did.
   *
   * @param clusterItKwh Σ of the GPUs' energy counters (each over its own known time, R3): the
   *     "cluster IT energy" of the identity {@code clusterItKwh = jobsItKwh + idleItKwh}
   * @param idleShare idleItKwh / clusterItKwh, null when that is 0
   * @param facilityKwh jobs + idle energy at the hour's cluster PUE (hours without a PUE left out)
   * @param locationKg facility energy × the hour's grid intensity, kgCO2e; null (here, per job and
   *     per account) when no hour of the interval has an intensity
   * @param marketKg facility energy × the hour's market-based factor, kgCO2e; null likewise
   * @param idleLocationKg the part of {@code locationKg} from idle energy
   * @param idleMarketKg the part of {@code marketKg} from idle energy
   * @param coverage GPU-time where the counters were known ÷ GPU-time of the interval
   * @param gpus GPU counter series read
   */
  public record Totals(
      double clusterItKwh,
      double jobsItKwh,
      double idleItKwh,
      Double idleShare,
      double facilityKwh,
      double jobsFacilityKwh,
      double idleFacilityKwh,
      Double locationKg,
      Double marketKg,
      Double idleLocationKg,
      Double idleMarketKg,
      double coverage,
      int gpus) {}

  /**
   * One job's share.
   *
   * @param gpuHours Σ over its holds of the held time inside the interval, h
   * @param pue facilityKwh ÷ the IT energy of the hours that had a PUE; null where none had
   * @param coverage held GPU-time where the GPU's counter was known ÷ held GPU-time
   * @param gpus per hold; empty when the answer was asked without detail
   * @param hours per UTC hour (cut to the interval) the job ran in; empty without detail
   */
  public record JobEnergy(
      JobRecord job,
      int gpuCount,
      double gpuHours,
      double itKwh,
      double facilityKwh,
      Double pue,
      Double locationKg,
      Double marketKg,
      double coverage,
      List<GpuShare> gpus,
      List<Hour> hours) {

    public JobEnergy {
      gpus = List.copyOf(gpus);
      hours = List.copyOf(hours);
    }
  }

  /** One GPU hold of a job, cut to the interval, with the energy its counter gave it. */
  public record GpuShare(
      String device, String gpu, Instant from, Instant to, double itKwh, double coverage) {}

  /**
   * One hour of a job.
   *
   * @param pue the cluster's PUE of that hour (R5 per-cluster PUE), null where it had none
   * @param locationGPerKwh the hour's grid intensity, null where none
   * @param marketGPerKwh the site's market-based kgCO2e ÷ facility kWh of that hour, in g/kWh
   * @param coverage held GPU-time in the hour where the counters were known ÷ held GPU-time
   */
  public record Hour(
      Instant from,
      Instant to,
      double itKwh,
      Double pue,
      double facilityKwh,
      Double locationGPerKwh,
      Double marketGPerKwh,
      double locationKg,
      double marketKg,
      double coverage) {}

  /** The jobs of one account, summed. */
  public record AccountEnergy(
      String account,
      int jobs,
      double gpuHours,
      double itKwh,
      double facilityKwh,
      Double locationKg,
      Double marketKg) {}
}
