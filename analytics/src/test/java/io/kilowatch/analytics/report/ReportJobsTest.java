package io.kilowatch.analytics.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.JobFixture;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit report's job section on {@link JobFixture}: per account and per job by the job rules
 * (J1–J5; figures as in {@link ChargebackTest}), hashed with the GPU counters it was made from.
 */
class ReportJobsTest {
  @TempDir Path dir;
  Store store;
  SiteConfig site;

  @BeforeEach
  void setUp() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    JobFixture.write(store);
    site = JobFixture.site(dir);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private ReportBuilder builder() {
    return new ReportBuilder(
            new Analytics(site, store, Clock.systemUTC()),
            store,
            "test-version",
            ReportBuilder.sha256(new byte[0]))
        .jobs(JobFixture.ledger());
  }

  private Report build() {
    return builder().build(JobFixture.T0, JobFixture.T3, null, ReportBuilder.Progress.NONE);
  }

  @Test
  void theReportListsEachAccountAndTheJobsWithTheMostFacilityEnergy() throws Exception {
    Report r = build();
    String csv = CanonicalText.csv(r);
    // physics: IT 1.8 + 1.05, facility 3.0 + 1.705 (PUE by hour, J3).
    assertThat(csv)
        .contains("jobs,account:physics,it_kwh,2.850000000,kWh,computed,")
        .contains("jobs,account:physics,facility_kwh,4.705000000,kWh,computed,")
        .contains("jobs,account:bio,gpu_hours,3.500000000,h,computed,")
        .contains("jobs,all,gpu_it_kwh,8.300000000,kWh,measured,")
        .contains("jobs,all,idle_it_kwh,3.200000000,kWh,computed,")
        .contains("jobs,job:slurm/hpc/1,facility_kwh,3.000000000,kWh,computed,")
        .contains("jobs,job:slurm/hpc/4,coverage,0.666666666667,,computed,");
    assertThat(r.jobs().top()).hasSize(6);
    var html = new ByteArrayOutputStream();
    ReportWriter.write(r, ReportFormat.HTML, html);
    assertThat(html.toString(StandardCharsets.UTF_8))
        .contains("Appendix C: energy and carbon per account and job")
        .contains("<td>physics</td>")
        .contains("<td>slurm/hpc/1</td>");
  }

  @Test
  void aChangedGpuReadingChangesTheInputHashAndVerifySaysSo() throws Exception {
    Report r = build();
    Path file = dir.resolve("jobs.csv");
    try (var out = Files.newOutputStream(file)) {
      ReportWriter.write(r, ReportFormat.CSV, out);
    }
    var same =
        ReportVerifier.verify(
            file, (ft, cl) -> builder().build(ft[0], ft[1], cl, ReportBuilder.Progress.NONE));
    assertThat(same.matches()).as(String.join("\n", same.differences())).isTrue();

    // n2 gpu 0 reads 0.01 kWh (3.6e7 mJ) more at 00:30: its job's energy and the hash change.
    Instant t = JobFixture.at(0.5);
    store.write(
        List.of(
            Sample.of(
                t,
                "gpu",
                Map.of("site", "test", "device", "n2", "gpu", "0", "cluster", "c2"),
                Map.of("energy_mj", 1e12 + 0.5 * 0.5 * 3.6e9 + 3.6e7))));
    var v =
        ReportVerifier.verify(
            file, (ft, cl) -> builder().build(ft[0], ft[1], cl, ReportBuilder.Progress.NONE));
    assertThat(v.inputMatch()).isFalse();
    assertThat(String.join("\n", v.differences())).contains("input_sha256");
  }
}
