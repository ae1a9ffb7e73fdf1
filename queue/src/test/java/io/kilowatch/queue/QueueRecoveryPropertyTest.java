package io.kilowatch.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.queue.DurableQueue.FullPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Recovery reads segment files back: whatever a crash left at the end of the last segment, what
 * comes back is exactly the records whose append completed, in order.
 */
class QueueRecoveryPropertyTest {

  @Property(tries = 200)
  void aTruncatedTailLosesOnlyTheRecordsItCut(
      @ForAll @Size(min = 1, max = 12) List<@Size(min = 1, max = 300) byte[]> payloads,
      @ForAll @IntRange(min = 0, max = 4000) int cutFromEnd)
      throws IOException {
    Path dir = Files.createTempDirectory("queue-prop");
    try {
      var ends = new ArrayList<Long>();
      try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
        long end = 0;
        for (byte[] p : payloads) {
          q.append(p);
          end += 8 + p.length;
          ends.add(end);
        }
      }
      Path seg = DurableQueueTest.segments(dir).getFirst();
      long size = Files.size(seg);
      long keep = Math.max(0, size - cutFromEnd);
      try (var ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
        ch.truncate(keep);
      }
      int whole = (int) ends.stream().filter(e -> e <= keep).count();
      try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
        var back = q.entries().stream().map(q::read).toList();
        assertThat(back).hasSize(whole);
        for (int i = 0; i < whole; i++) {
          assertThat(back.get(i)).isEqualTo(payloads.get(i));
        }
      }
    } finally {
      delete(dir);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
