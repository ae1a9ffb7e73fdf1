package io.kilowatch.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.store.BatchingWriter;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.StoreHealth;
import io.kilowatch.testkit.SmallDisk;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data disk fills up while collectors write (a size-limited tmpfs, which needs root; CI runs as
 * root) and is then given room again, without a restart. DuckDB invalidates its instance after the
 * first failed write; the store must open the file again by itself, its health must say failing
 * with the cause while it lasts and ok after, and the collected readings of the outage must all be
 * stored: they are held by the writer and written once the store works again.
 */
class DiskFullRecoveryTest {
  @TempDir Path dir;
  private SmallDisk disk;
  private Path mount;

  @AfterEach
  void unmount() throws Exception {
    if (disk != null) {
      disk.close();
    }
  }

  @Test
  void theStoreReopensItselfWhenSpaceReturnsAndNoCollectedReadingIsLost() throws Exception {
    disk = SmallDisk.mount(dir.resolve("small"), "16m");
    mount = disk.path();
    Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(2));
    Set<Long> offered = new HashSet<>();
    long n = 0;
    try (var store =
            EmbeddedStore.open(
                mount.resolve("data"),
                Duration.ofDays(30),
                Duration.ofDays(90),
                Duration.ofDays(800),
                false);
        var writer = new BatchingWriter(store, 200_000, 5_000, Duration.ofMillis(50))) {
      // Fill the disk the way a busy site does: many series, collected readings.
      while (store.health().state() == StoreHealth.State.OK
          && writer.failure().isEmpty()
          && n < 20_000_000) {
        var batch = new ArrayList<Sample>(2_000);
        for (int i = 0; i < 2_000; i++, n++) {
          batch.add(reading(base, n));
          offered.add(n);
        }
        writer.accept(batch);
        if (n % 100_000 == 0) {
          // Let the writer keep up, so what is offered is not dropped for a full queue instead.
          await().atMost(Duration.ofSeconds(60)).until(() -> writer.depth() < 50_000);
        }
      }
      assertThat(store.health().state()).as("the disk filled").isEqualTo(StoreHealth.State.FAILING);
      assertThat(store.health().cause())
          .contains("No space left on device")
          .contains(mount.toString());
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(writer.failure()).isPresent());

      // The collectors go on while the disk is full: these readings can only be held.
      for (int i = 0; i < 3; i++) {
        var batch = new ArrayList<Sample>();
        for (int k = 0; k < 1_000; k++, n++) {
          batch.add(reading(base, n));
          offered.add(n);
        }
        writer.accept(batch);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.held() > 0);

      disk.resize("128m");
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(writer.failure()).isEmpty();
                assertThat(writer.held()).isZero();
                assertThat(store.health().state()).isEqualTo(StoreHealth.State.OK);
              });
      assertThat(writer.dropped()).as("readings dropped by the writer").isZero();

      var stored = new HashSet<Long>();
      for (var series :
          store.read(
              SeriesQuery.of("full", "v"), base.minusSeconds(1), base.plus(Duration.ofDays(1)))) {
        series.points().forEach(p -> stored.add((long) p.value()));
      }
      var missing = new HashSet<>(offered);
      missing.removeAll(stored);
      assertThat(missing).as("collected readings missing, of %d", offered.size()).isEmpty();
    }
  }

  private static Sample reading(Instant base, long n) {
    return Sample.of(
        base.plusMillis(n), "full", Map.of("device", "d" + (n % 500)), Map.of("v", (double) n));
  }
}
