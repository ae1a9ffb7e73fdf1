package io.kilowatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
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
  @RequiresPeer(Peer.INFLUXD)
  void aStoreOutageIsBufferedAndReplayedWithNothingLost() throws Exception {
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
