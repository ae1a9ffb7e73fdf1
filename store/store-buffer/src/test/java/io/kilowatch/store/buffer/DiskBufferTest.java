package io.kilowatch.store.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskBufferTest {
  @TempDir Path dir;

  private static List<Sample> batch(int n) {
    var tags = new TreeMap<>(Map.of("rack", "r1", "device", "pdu-a"));
    return List.of(
        new Sample(
            Instant.ofEpochSecond(1_700_000_000L + n, 123_456_789),
            "pdu",
            tags,
            new TreeMap<>(Map.of("power_w", n + 0.5, "bad", Double.NaN)),
            n % 2 == 0 ? Quality.GOOD : Quality.STALE));
  }

  private static List<List<Sample>> drain(DiskBuffer buffer) {
    var out = new ArrayList<List<Sample>>();
    for (var e = buffer.peek(); e != null; e = buffer.peek()) {
      out.add(e.samples());
      buffer.acknowledge(e);
    }
    return out;
  }

  @Test
  void batchesComeBackInOrderAndIntactAcrossSegmentsAndReopen() {
    // 4 KiB segments: 300 batches of ~100 bytes span several.
    try (var buffer = DiskBuffer.open(dir, 512 * 1024, 4096)) {
      for (int i = 0; i < 300; i++) {
        assertThat(buffer.append(batch(i))).isTrue();
      }
      assertThat(buffer.segmentFiles()).hasSizeGreaterThan(1);
      for (int i = 0; i < 100; i++) {
        var e = buffer.peek();
        assertThat(e.samples()).isEqualTo(batch(i));
        buffer.acknowledge(e);
      }
    }
    try (var buffer = DiskBuffer.open(dir, 512 * 1024, 4096)) {
      assertThat(buffer.batches()).isEqualTo(200);
      var rest = drain(buffer);
      assertThat(rest).hasSize(200);
      for (int i = 0; i < 200; i++) {
        assertThat(rest.get(i)).isEqualTo(batch(100 + i));
      }
      assertThat(buffer.isEmpty()).isTrue();
      assertThat(buffer.bytes()).isZero();
      // Delivered segments are deleted; only the fresh, empty one stays.
      assertThat(buffer.segmentFiles()).hasSize(1);
    }
  }

  @Test
  void aDirectoryInUseIsRefusedNamingItAndFreeAgainOnceClosed() {
    var first = DiskBuffer.open(dir, 512 * 1024);
    try {
      assertThat(first.append(batch(1))).isTrue();
      assertThatThrownBy(() -> DiskBuffer.open(dir, 512 * 1024))
          .isInstanceOf(io.kilowatch.store.StoreException.class)
          .hasMessageContaining("disk buffer " + dir + " is in use by another kilowatch process");
      // The refused open changed nothing: the first still holds its batch and takes more.
      assertThat(first.batches()).isEqualTo(1);
      assertThat(first.append(batch(2))).isTrue();
    } finally {
      first.close();
    }
    try (var again = DiskBuffer.open(dir, 512 * 1024)) {
      assertThat(drain(again)).containsExactly(batch(1), batch(2));
    }
  }

  @Test
  void aFullBufferRefusesWithoutChangingWhatItHolds() {
    try (var buffer = DiskBuffer.open(dir, 1_000)) {
      int accepted = 0;
      while (buffer.append(batch(accepted))) {
        accepted++;
      }
      assertThat(accepted).isPositive();
      assertThat(buffer.bytes()).isLessThanOrEqualTo(1_000);
      assertThat(drain(buffer)).hasSize(accepted);
      assertThat(buffer.append(batch(0))).isTrue();
    }
  }
}
