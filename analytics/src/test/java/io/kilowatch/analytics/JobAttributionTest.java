package io.kilowatch.analytics;

import static io.kilowatch.analytics.JobFixture.T0;
import static io.kilowatch.analytics.JobFixture.T3;
import static io.kilowatch.analytics.JobFixture.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.analytics.JobAttribution.Detail;
import io.kilowatch.analytics.JobAttribution.Scope;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Energy and carbon per job on {@link JobFixture}'s three hours, against the figures worked out
 * from the rules (analytics/README.md, J1–J5; {@code src/test/python/job_vectors.py}). Cluster PUE
 * by hour: c1 82/60, 100/60, 118/60; c2 1.2, 1.5, 1.8. Market factor 400, 200, 400 g/kWh.
 */
class JobAttributionTest {
  @TempDir Path dir;
  Store store;
  JobAttribution jobs;

  @BeforeEach
  void setUp() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    JobFixture.write(store);
    jobs = JobFixture.attribution(JobFixture.site(dir), store);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private JobEnergyReport all() {
    return jobs.attribute(T0, T3, null, JobFixture.jobs(), Detail.FULL, Scope.CLUSTER);
  }

  private static Map<String, JobEnergyReport.JobEnergy> byId(JobEnergyReport r) {
    return r.jobs().stream().collect(Collectors.toMap(j -> j.job().id(), Function.identity()));
  }

  @Test
  void aJobOverThreeHoursTakesEachHoursPueAndIntensity() {
    // n1 gpu 0, 0.6 kW, 00:00–03:00: 0.6 kWh each hour.
    // Facility 0.6 × 82/60 + 0.6 × 100/60 + 0.6 × 118/60 = 0.82 + 1.0 + 1.18 = 3.0 kWh (PUE 5/3).
    // Location 0.82 × 0.1 + 1.0 × 0.2 + 1.18 × 0.3 = 0.636 kg; market 0.82 × 0.4 + 1.0 × 0.2 +
    // 1.18 × 0.4 = 1.0 kg.
    var j = byId(all()).get("slurm/hpc/1");
    assertThat(j.itKwh()).isCloseTo(1.8, within(1e-9));
    assertThat(j.facilityKwh()).isCloseTo(3.0, within(1e-9));
    assertThat(j.pue()).isCloseTo(3.0 / 1.8, within(1e-9));
    assertThat(j.locationKg()).isCloseTo(0.636, within(1e-9));
    assertThat(j.marketKg()).isCloseTo(1.0, within(1e-9));
    assertThat(j.coverage()).isEqualTo(1.0);
    assertThat(j.gpuHours()).isEqualTo(3.0);
    assertThat(j.hours()).hasSize(3);
    var h = j.hours();
    assertThat(h.get(0).pue()).isCloseTo(82.0 / 60, within(1e-9));
    assertThat(h.get(1).pue()).isCloseTo(100.0 / 60, within(1e-9));
    assertThat(h.get(2).pue()).isCloseTo(118.0 / 60, within(1e-9));
    assertThat(h.get(2).facilityKwh()).isCloseTo(1.18, within(1e-9));
    assertThat(h.get(1).locationGPerKwh()).isCloseTo(200, within(1e-9));
    assertThat(h.get(1).marketGPerKwh()).isCloseTo(200, within(1e-9));
    assertThat(h.get(2).marketGPerKwh()).isCloseTo(400, within(1e-9));
    assertThat(h.get(2).locationKg()).isCloseTo(0.354, within(1e-9));
  }

  @Test
  void aJobStartingMidHourGetsTheCounterSplitInProportionToTime() {
    // n1 gpu 1, 0.6 kW, 00:30–02:15: 0.3 + 0.6 + 0.15 = 1.05 kWh; facility 0.3 × 82/60 + 0.6 ×
    // 100/60 + 0.15 × 118/60 = 0.41 + 1.0 + 0.295 = 1.705; location 0.041 + 0.2 + 0.0885 = 0.3295;
    // market 0.164 + 0.2 + 0.118 = 0.482.
    var j = byId(all()).get("slurm/hpc/2");
    assertThat(j.hours()).extracting(JobEnergyReport.Hour::from).containsExactly(T0, at(1), at(2));
    assertThat(j.hours().get(0).itKwh()).isCloseTo(0.3, within(1e-9));
    assertThat(j.hours().get(2).itKwh()).isCloseTo(0.15, within(1e-9));
    assertThat(j.itKwh()).isCloseTo(1.05, within(1e-9));
    assertThat(j.facilityKwh()).isCloseTo(1.705, within(1e-9));
    assertThat(j.locationKg()).isCloseTo(0.3295, within(1e-9));
    assertThat(j.marketKg()).isCloseTo(0.482, within(1e-9));
    assertThat(j.gpuHours()).isCloseTo(1.75, within(1e-12));
    assertThat(j.gpus())
        .singleElement()
        .satisfies(g -> assertThat(g.itKwh()).isCloseTo(1.05, within(1e-9)));
  }

  @Test
  void twoJobsOnOneNodeEachGetTheirOwnGpusAndAGapLowersCoverage() {
    // Job 3: n1 gpu 2, 0.3 kW, 01:00–02:00: 0.3 kWh, facility 0.3 × 100/60 = 0.5, 0.1 kg both ways.
    // Job 4: n1 gpu 3, same node and hour, but 01:20–01:40 unknown: 0.3 × 40/60 = 0.2 kWh,
    // coverage 40/60, facility 0.2 × 100/60 = 1/3.
    var r = byId(all());
    var three = r.get("slurm/hpc/3");
    var four = r.get("slurm/hpc/4");
    assertThat(three.itKwh()).isCloseTo(0.3, within(1e-9));
    assertThat(three.facilityKwh()).isCloseTo(0.5, within(1e-9));
    assertThat(three.locationKg()).isCloseTo(0.1, within(1e-9));
    assertThat(three.marketKg()).isCloseTo(0.1, within(1e-9));
    assertThat(four.itKwh()).isCloseTo(0.2, within(1e-9));
    assertThat(four.coverage()).isCloseTo(2.0 / 3, within(1e-9));
    assertThat(four.facilityKwh()).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(four.hours())
        .singleElement()
        .satisfies(h -> assertThat(h.coverage()).isCloseTo(2.0 / 3, within(1e-9)));
  }

  @Test
  void anArrayJobsTasksAreJobsOfTheirOwnAndTheirAccountSumsThem() {
    // _1: n2 gpu 0, 0.5 kW, 00:00–01:30: 0.5 + 0.25 = 0.75 kWh; facility 0.5 × 1.2 + 0.25 × 1.5 =
    // 0.975; location 0.06 + 0.075 = 0.135; market 0.24 + 0.075 = 0.315.
    // _2: n2 gpu 1, 01:00–03:00: 1.0 kWh; facility 0.75 + 0.9 = 1.65; location 0.15 + 0.27 = 0.42;
    // market 0.15 + 0.36 = 0.51.
    var r = all();
    var t1 = byId(r).get("slurm/hpc/100_1");
    assertThat(t1.itKwh()).isCloseTo(0.75, within(1e-9));
    assertThat(t1.facilityKwh()).isCloseTo(0.975, within(1e-9));
    assertThat(t1.locationKg()).isCloseTo(0.135, within(1e-9));
    assertThat(t1.marketKg()).isCloseTo(0.315, within(1e-9));
    var bio =
        r.accounts().stream().filter(a -> a.account().equals("bio")).findFirst().orElseThrow();
    assertThat(bio.jobs()).isEqualTo(2);
    assertThat(bio.gpuHours()).isCloseTo(3.5, within(1e-9));
    assertThat(bio.itKwh()).isCloseTo(1.75, within(1e-9));
    assertThat(bio.facilityKwh()).isCloseTo(2.625, within(1e-9));
    assertThat(bio.locationKg()).isCloseTo(0.555, within(1e-9));
    assertThat(bio.marketKg()).isCloseTo(0.825, within(1e-9));
  }

  @Test
  void aCounterResetInsideAHoldIsFilledFromTheGpusPower() {
    // n2 gpu 1 restarts from 0 at 02:01: the minute 02:00–02:01 is filled by the trapezoid of its
    // 500 W power, 0.5/60 kWh, so the task still gets 1.0 kWh (with c1 = 0 it would get 0.99167).
    var t2 = byId(all()).get("slurm/hpc/100_2");
    assertThat(t2.itKwh()).isCloseTo(1.0, within(1e-9));
    assertThat(t2.facilityKwh()).isCloseTo(1.65, within(1e-9));
    assertThat(t2.locationKg()).isCloseTo(0.42, within(1e-9));
    assertThat(t2.marketKg()).isCloseTo(0.51, within(1e-9));
    assertThat(t2.coverage()).isEqualTo(1.0);
  }

  @Test
  void jobsAndIdleAddUpToTheGpusEnergyExactly() {
    // GPU energy: c1 (0.6 + 0.6 + 0.3 + 0.3) × 3 − 0.3 × 20/60 = 5.3; c2 1.0 × 3 = 3.0; 8.3 kWh.
    // Jobs 1.8 + 1.05 + 0.3 + 0.2 + 0.75 + 1.0 = 5.1; idle 3.2. Coverage (12 − 1/3 + 6) / 18.
    var t = all().totals();
    assertThat(t.clusterItKwh()).isCloseTo(8.3, within(1e-9));
    assertThat(t.jobsItKwh()).isCloseTo(5.1, within(1e-9));
    assertThat(t.idleItKwh()).isCloseTo(3.2, within(1e-9));
    assertThat(Math.abs(t.jobsItKwh() + t.idleItKwh() - t.clusterItKwh())).isLessThan(1e-9);
    assertThat(t.coverage()).isCloseTo((18 - 1.0 / 3) / 18, within(1e-12));
    assertThat(t.gpus()).isEqualTo(6);
    assertThat(t.facilityKwh()).isCloseTo(t.jobsFacilityKwh() + t.idleFacilityKwh(), within(1e-9));

    // Per cluster too, and for any interval: a step edge inside every hold.
    var c1 =
        jobs.attribute(at(0.25), at(2.75), "c1", JobFixture.jobs(), Detail.SUMMARY, Scope.CLUSTER)
            .totals();
    // c1 from 00:15 to 02:45: 1.8 kW × 2.5 h − 0.1 = 4.4 kWh.
    assertThat(c1.clusterItKwh()).isCloseTo(4.4, within(1e-9));
    assertThat(Math.abs(c1.jobsItKwh() + c1.idleItKwh() - c1.clusterItKwh())).isLessThan(1e-9);
  }

  @Test
  void aGpuHeldByTwoJobsAtOnceIsSharedEvenlyAndTheIdentityStillHolds() {
    // Job 5 shares n1 gpu 0 with job 1 for 01:00–02:00: 0.6 kWh split 0.3 / 0.3 (J2).
    var list = new ArrayList<>(JobFixture.jobs());
    list.add(JobFixture.job("k8s/ml/pod-a", "c1", "ml", "n1", "0", 1, 2));
    var r = jobs.attribute(T0, T3, null, list, Detail.FULL, Scope.CLUSTER);
    assertThat(byId(r).get("k8s/ml/pod-a").itKwh()).isCloseTo(0.3, within(1e-9));
    assertThat(byId(r).get("slurm/hpc/1").itKwh()).isCloseTo(1.5, within(1e-9));
    var t = r.totals();
    assertThat(t.idleItKwh()).isCloseTo(3.2, within(1e-9));
    assertThat(Math.abs(t.jobsItKwh() + t.idleItKwh() - t.clusterItKwh())).isLessThan(1e-9);
  }

  @Test
  void onlyTheHeldGpusAreReadForOneJobAndItsFiguresAreTheSame() {
    var one = List.of(JobFixture.jobs().get(1));
    var r = jobs.attribute(at(0.5), at(2.25), "c1", one, Detail.FULL, Scope.HELD);
    assertThat(r.jobs().getFirst().facilityKwh()).isCloseTo(1.705, within(1e-9));
    assertThat(r.totals().gpus()).isEqualTo(1);
  }

  @Test
  void aRunningJobIsHeldUntilNowAndAJobOnAnUnknownGpuHasNoEnergyAndNoCoverage() {
    var running =
        new JobRecord(
            "slurm/hpc/9",
            JobOrigin.SLURM,
            "c1",
            "",
            "u",
            "x",
            "",
            at(2.5),
            null,
            List.of(new GpuHold("n1", "2", at(2.5), null), new GpuHold("n9", "0", at(2.5), null)));
    var r = jobs.attribute(T0, T3, "c1", List.of(running), Detail.FULL, Scope.CLUSTER);
    var j = r.jobs().getFirst();
    // n1 gpu 2 for 30 min at 0.3 kW; n9 has no series: coverage (30 + 0) / (30 + 30).
    assertThat(j.itKwh()).isCloseTo(0.15, within(1e-9));
    assertThat(j.coverage()).isCloseTo(0.5, within(1e-9));
    assertThat(j.gpuCount()).isEqualTo(2);
    assertThat(j.job().running()).isTrue();
  }
}
