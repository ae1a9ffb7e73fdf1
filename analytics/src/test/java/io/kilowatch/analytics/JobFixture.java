package io.kilowatch.analytics;

import static io.kilowatch.analytics.TestSites.device;

import io.kilowatch.analytics.carbon.CsvIntensity;
import io.kilowatch.analytics.carbon.IntensityCache;
import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.AnalyticsConfig.CarbonConfig;
import io.kilowatch.config.AnalyticsConfig.Granularity;
import io.kilowatch.config.AnalyticsConfig.Instrument;
import io.kilowatch.config.AnalyticsConfig.InstrumentKind;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Rack;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Three hours of a two-cluster site with six GPUs and six jobs, whose figures are worked out in
 * {@code src/test/python/job_vectors.py} and in the tests' comments from the rules in
 * analytics/README.md ("Jobs"). Also used by the web and report tests of the same rules.
 *
 * <p>2026-07-01 00:00–03:00 UTC, readings every minute. Facility 130, 160, 190 kWh per hour; IT =
 * PDUs c1 60 + c2 40 kWh/h; c1's CDU 10 kWh/h. Grid 100, 200, 300 g/kWh; residual mix 400 g/kWh; a
 * PPA of 0.08 MWh at 0 g in 01:00–02:00. GPUs at constant power: n1 (c1) 0.6, 0.6, 0.3, 0.3 kW; n2
 * (c2) 0.5, 0.5 kW. n1 gpu 3 has no readings 01:20–01:40 (counterGapLimit 10 min, so unknown); n2
 * gpu 1's counter restarts from 0 at 02:01 and its 500 W power fills the reset (R1).
 */
public final class JobFixture {
  public static final Instant T0 = Instant.parse("2026-07-01T00:00:00Z");
  public static final Instant T3 = T0.plus(Duration.ofHours(3));

  private JobFixture() {}

  public static Instant at(double hours) {
    return T0.plusSeconds(Math.round(hours * 3600));
  }

  public static SiteConfig site(Path dir) {
    var analytics =
        new AnalyticsConfig(
            Duration.ofMinutes(5),
            0.9,
            Duration.ofMinutes(10),
            Duration.ofMinutes(5),
            Map.of(),
            95,
            new CarbonConfig(
                null,
                null,
                400.0,
                List.of(
                    new Instrument(
                        "ppa", InstrumentKind.PPA, at(1), at(2), Granularity.HOUR, 0.08, 0, true)),
                Duration.ofSeconds(2),
                null),
            null,
            null,
            new AnalyticsConfig.Declared(null, null));
    var c1 =
        new Cluster(
            "c1",
            "c1",
            List.of(
                new Rack(
                    "c1-r1",
                    List.of(
                        device("c1-pdu", DeviceKind.PDU, new Location("c1", "c1-r1"), null, 60),
                        device("n1", DeviceKind.GPU_NODE, new Location("c1", "c1-r1"), null, 60),
                        device("c1-cdu", DeviceKind.CDU, new Location("c1", "c1-r1"), null, 60)))),
            List.of());
    var c2 =
        new Cluster(
            "c2",
            "c2",
            List.of(
                new Rack(
                    "c2-r1",
                    List.of(
                        device("c2-pdu", DeviceKind.PDU, new Location("c2", "c2-r1"), null, 60),
                        device("n2", DeviceKind.GPU_NODE, new Location("c2", "c2-r1"), null, 60)))),
            List.of());
    return TestSites.site(
        dir,
        ZoneOffset.UTC,
        List.of(),
        List.of(c1, c2),
        List.of(device("main", DeviceKind.METER, Location.FACILITY, null, 60)),
        new EnergyModel(
            EnergyModel.ItLevel.PDU_OUTPUT,
            List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
            List.of(new Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w")),
            List.of(new Channel("c1-cdu", null, null, "energy_kwh", "power_w")),
            List.of(),
            List.of()),
        analytics);
  }

  /** The hourly grid intensity of the three hours, as the CSV source would give it. */
  public static IntensityCache intensity() {
    var csv = new ArrayList<String>(List.of("timestamp,g_per_kwh"));
    for (int h = 0; h < 3; h++) {
      csv.add(T0.plus(Duration.ofHours(h)) + "," + (100 * (h + 1)));
    }
    return new IntensityCache(
        CsvIntensity.parse(csv, ZoneOffset.UTC), null, Clock.systemUTC(), Duration.ZERO);
  }

  public static JobAttribution attribution(SiteConfig site, Store store) {
    var energy = new EnergyEngine(site, store);
    var pue = new PueEngine(energy);
    return new JobAttribution(energy, pue, new CarbonEngine(energy, pue, intensity()));
  }

  private static final double[] GPU_KW = {0.6, 0.6, 0.3, 0.3, 0.5, 0.5};

  /** The readings, every minute from 00:00 to 03:00 inclusive. */
  public static void write(Store store) {
    var batch = new ArrayList<Sample>();
    for (int m = 0; m <= 180; m++) {
      long s = T0.getEpochSecond() + m * 60L;
      double h = m / 60.0;
      // Facility: 130, 160, 190 kWh in the three hours, linear within each.
      double f =
          1000 + 130 * Math.min(h, 1) + 160 * clamp(h - 1) + 190 * Math.max(0, Math.min(h - 2, 1));
      batch.add(TestSites.sample("meter", "main", s, "energy_kwh", f));
      batch.add(TestSites.sample("pdu", "c1-pdu", s, "energy_kwh", 10 + 60 * h));
      batch.add(TestSites.sample("pdu", "c2-pdu", s, "energy_kwh", 20 + 40 * h));
      batch.add(TestSites.sample("cdu", "c1-cdu", s, "energy_kwh", 30 + 10 * h));
      for (int g = 0; g < 6; g++) {
        String node = g < 4 ? "n1" : "n2";
        String idx = Integer.toString(g < 4 ? g : g - 4);
        if (g == 3 && m > 80 && m < 100) {
          continue;
        }
        // kW × 1 h = kWh; 1 kWh = 3.6e9 mJ.
        double mj = 1e12 + GPU_KW[g] * h * 3.6e9;
        if (g == 5 && m > 120) {
          mj = GPU_KW[g] * (m - 121) / 60.0 * 3.6e9;
        }
        batch.add(gpu(s, node, idx, node.equals("n1") ? "c1" : "c2", "energy_mj", mj));
        if (g == 5) {
          batch.add(gpu(s, node, idx, "c2", "power_w", 500));
        }
      }
    }
    store.write(batch);
  }

  private static double clamp(double x) {
    return Math.max(0, Math.min(x, 1));
  }

  private static Sample gpu(long s, String node, String idx, String cluster, String f, double v) {
    return Sample.of(
        Instant.ofEpochSecond(s),
        "gpu",
        Map.of("site", "test", "device", node, "gpu", idx, "cluster", cluster),
        Map.of(f, v));
  }

  public static JobRecord job(
      String id, String cluster, String account, String device, String gpu, double a, double b) {
    return new JobRecord(
        id,
        JobOrigin.SLURM,
        cluster,
        "job " + id,
        "u-" + account,
        account,
        "gpu",
        at(a),
        at(b),
        List.of(new GpuHold(device, gpu, at(a), at(b))));
  }

  /** The six jobs. */
  public static List<JobRecord> jobs() {
    return List.of(
        job("slurm/hpc/1", "c1", "physics", "n1", "0", 0, 3),
        job("slurm/hpc/2", "c1", "physics", "n1", "1", 0.5, 2.25),
        job("slurm/hpc/3", "c1", "chem", "n1", "2", 1, 2),
        job("slurm/hpc/4", "c1", "chem", "n1", "3", 1, 2),
        job("slurm/hpc/100_1", "c2", "bio", "n2", "0", 0, 1.5),
        job("slurm/hpc/100_2", "c2", "bio", "n2", "1", 1, 3));
  }
}
