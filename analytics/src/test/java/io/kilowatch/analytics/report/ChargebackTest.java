package io.kilowatch.analytics.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.analytics.JobAttribution;
import io.kilowatch.analytics.JobFixture;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chargeback CSV of {@link JobFixture}'s three hours against the rows worked out from the job
 * rules (analytics/README.md J1–J5) in {@code src/test/python/job_vectors.py}:
 *
 * <pre>
 * physics: jobs 1 + 2: IT 1.8 + 1.05, facility 3.0 + 1.705, kg 0.636 + 0.3295, 1.0 + 0.482
 * bio:     array tasks: IT 0.75 + 1.0, facility 0.975 + 1.65, kg 0.135 + 0.42, 0.315 + 0.51
 * chem:    jobs 3 + 4:  IT 0.3 + 0.2, facility 0.5 + 1/3, kg 0.1 + 1/15 both ways
 * idle:    c1 0.9, 0, 1.05 kWh by hour at 82/60, 100/60, 118/60 → 1.23 + 2.065;
 *          c2 0.5, 0.25, 0.5 at 1.2, 1.5, 1.8 → 0.6 + 0.375 + 0.9; facility 5.17
 *          location 1.23 × 0.1 + 2.065 × 0.3 + 0.06 + 0.075 + 0.27 = 1.1475
 *          market (1.23 + 2.065) × 0.4 + 0.24 + 0.075 + 0.36 = 1.993
 * all:     IT 5.1 + 3.2 = 8.3, facility 8.163333 + 5.17 = 13.333333
 * </pre>
 */
class ChargebackTest {
  @TempDir Path dir;
  Store store;

  @BeforeEach
  void setUp() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    JobFixture.write(store);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void theCsvHasOneRowPerAccountThenIdleThenAllGpusWithUnitsInTheHeader() {
    var r =
        JobFixture.attribution(JobFixture.site(dir), store)
            .attribute(
                JobFixture.T0,
                JobFixture.T3,
                null,
                JobFixture.jobs(),
                JobAttribution.Detail.SUMMARY,
                JobAttribution.Scope.CLUSTER);
    assertThat(Chargeback.csv(r))
        .isEqualTo(
            """
            account,jobs,gpu_hours [h],it_energy [kWh],facility_energy [kWh],pue [1],\
            location_based [kgCO2e],market_based [kgCO2e]
            physics,2,4.750000,2.850000,4.705000,1.650877,0.965500,1.482000
            bio,2,3.500000,1.750000,2.625000,1.500000,0.555000,0.825000
            chem,2,2.000000,0.500000,0.833333,1.666667,0.166667,0.166667
            (idle),,,3.200000,5.170000,1.615625,1.147500,1.993000
            (all GPUs),6,10.250000,8.300000,13.333333,1.606426,2.834667,4.466667
            """);
  }
}
