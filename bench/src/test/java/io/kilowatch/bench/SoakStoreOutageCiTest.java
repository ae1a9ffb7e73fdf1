package io.kilowatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kilowatch.testkit.InfluxProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak with InfluxDB as the store, and influxd stopped for a quarter of the run: kilowatch
 * buffers to disk while it is away and replays when it is back, so nothing is lost. A real influxd
 * (Debian's package); skipped where it is absent, except under CI, which installs it.
 */
class SoakStoreOutageCiTest {
  @TempDir Path work;

  @Test
  void aStoreOutageIsBufferedAndReplayedWithNothingLost() throws Exception {
    boolean present = InfluxProcess.findInfluxd().isPresent();
    if (System.getenv("CI") != null) {
      assertThat(present).as("influxd on the PATH (.ci/run installs influxdb)").isTrue();
    }
    assumeTrue(present, "influxd not installed (apt-get install influxdb)");
    var options =
        new SoakOptions(
                1_000,
                16,
                Duration.ofSeconds(45),
                Duration.ofSeconds(5),
                Duration.ofSeconds(2),
                true,
                1,
                work)
            .withStore("influxdb");

    SoakReport report = SoakRun.run(options);
    System.out.println(report.render());

    SoakCiTest.assertNothingLost(report);
    StoreOutage store = report.store();
    assertThat(store).as("store outage summary").isNotNull();
    assertThat(store.down()).as("influxd away").isGreaterThan(Duration.ofSeconds(5));
    assertThat(store.bufferedSamples()).as("samples buffered while influxd was away").isPositive();
    assertThat(store.replayedSamples())
        .as("samples replayed from the disk buffer")
        .isEqualTo(store.bufferedSamples());
    assertThat(store.droppedSamples()).isZero();
    assertThat(store.rejectedSamples()).isZero();
    assertThat(store.leftBatches()).as("batches still buffered").isZero();
  }
}
