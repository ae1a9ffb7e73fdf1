package io.kilowatch.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.queue.DurableQueue.Entry;
import io.kilowatch.queue.DurableQueue.FullPolicy;
import io.kilowatch.queue.DurableQueue.Options;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableQueueTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static List<String> payloads(DurableQueue q) {
    var out = new ArrayList<String>();
    for (Entry e : q.entries()) {
      out.add(new String(q.read(e), UTF_8));
    }
    return out;
  }

  @Test
  void replaysWhatWasNotAcknowledgedOldestFirstAfterReopening() {
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      var a = q.append(bytes("a")).orElseThrow();
      q.append(bytes("b")).orElseThrow();
      q.append(bytes("c")).orElseThrow();
      assertThat(q.oldest()).contains(a);
      q.acknowledge(a);
      assertThat(q.size()).isEqualTo(2);
      assertThat(q.bytes()).isEqualTo(2 * (8 + 1));
    }
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      assertThat(payloads(q)).containsExactly("b", "c");
      q.append(bytes("d"));
      assertThat(payloads(q)).containsExactly("b", "c", "d");
    }
  }

  @Test
  void acknowledgementsInAnyOrderSurviveReopening() {
    Entry b;
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      q.append(bytes("a"));
      b = q.append(bytes("b")).orElseThrow();
      q.append(bytes("c"));
      q.acknowledge(b);
      q.acknowledge(b); // twice is harmless
    }
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      assertThat(payloads(q)).containsExactly("a", "c");
    }
  }

  @Test
  void aRecordTornByACrashIsCutOffAndTheOnesBeforeItKept() throws IOException {
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      q.append(bytes("first"));
      q.append(bytes("second"));
    }
    Path seg = segments(dir).getLast();
    long whole = Files.size(seg);
    // A crash in the middle of a third append: its header and half its payload made it to disk.
    Files.write(
        seg, new byte[] {0, 0, 0, 10, 1, 2, 3, 4, 'x', 'y', 'z'}, StandardOpenOption.APPEND);
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      assertThat(payloads(q)).containsExactly("first", "second");
      assertThat(q.cutBytes()).isEqualTo(11);
      assertThat(Files.size(seg)).isEqualTo(whole);
      q.append(bytes("third"));
    }
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      assertThat(payloads(q)).containsExactly("first", "second", "third");
    }
  }

  @Test
  void aRecordWhosePayloadFailsItsChecksumIsNotReplayed() throws IOException {
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      q.append(bytes("good"));
      q.append(bytes("flipped"));
    }
    Path seg = segments(dir).getLast();
    byte[] all = Files.readAllBytes(seg);
    all[all.length - 1] ^= 0x01;
    Files.write(seg, all);
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      assertThat(payloads(q)).containsExactly("good");
    }
  }

  @Test
  void aFullQueueThatRejectsRefusesTheNewRecordAndKeepsTheOld() {
    try (var q = DurableQueue.open(dir, new Options(3 * 18, 1 << 20, FullPolicy.REJECT_NEW))) {
      for (int i = 0; i < 3; i++) {
        assertThat(q.append(bytes("record-" + i + ".."))).isPresent(); // 10 bytes + 8
      }
      assertThat(q.append(bytes("record-3.."))).isEmpty();
      assertThat(q.refused()).isEqualTo(1);
      assertThat(payloads(q)).containsExactly("record-0..", "record-1..", "record-2..");
      q.acknowledge(q.oldest().orElseThrow());
      assertThat(q.append(bytes("record-3.."))).isPresent();
    }
  }

  @Test
  void aFullQueueThatDropsMakesRoomByDroppingTheOldest() {
    try (var q = DurableQueue.open(dir, new Options(3 * 18, 1 << 20, FullPolicy.DROP_OLDEST))) {
      for (int i = 0; i < 5; i++) {
        assertThat(q.append(bytes("record-" + i + ".."))).isPresent();
      }
      assertThat(q.dropped()).isEqualTo(2);
      assertThat(payloads(q)).containsExactly("record-2..", "record-3..", "record-4..");
    }
    try (var q = DurableQueue.open(dir, new Options(3 * 18, 1 << 20, FullPolicy.DROP_OLDEST))) {
      assertThat(payloads(q)).containsExactly("record-2..", "record-3..", "record-4..");
    }
  }

  @Test
  void segmentsWhoseRecordsWereAllAcknowledgedAreDeleted() {
    try (var q = DurableQueue.open(dir, new Options(1 << 20, 100, FullPolicy.REJECT_NEW))) {
      var entries = new ArrayList<Entry>();
      for (int i = 0; i < 20; i++) {
        entries.add(q.append(new byte[40]).orElseThrow());
      }
      assertThat(q.segmentFiles()).hasSizeGreaterThan(5);
      entries.forEach(q::acknowledge);
      assertThat(q.isEmpty()).isTrue();
      assertThat(q.segmentFiles()).hasSize(1);
    }
    try (var q = DurableQueue.open(dir, new Options(1 << 20, 100, FullPolicy.REJECT_NEW))) {
      assertThat(q.isEmpty()).isTrue();
    }
  }

  @Test
  void theHeadFileOfTheFormerStoreBufferCountsAsAcknowledged() throws IOException {
    Entry second;
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      q.append(bytes("delivered"));
      second = q.append(bytes("waiting")).orElseThrow();
    }
    Files.delete(dir.resolve("acks"));
    Files.writeString(dir.resolve("head"), second.segment() + " " + second.offset() + "\n");
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      assertThat(payloads(q)).containsExactly("waiting");
    }
    assertThat(dir.resolve("head")).doesNotExist();
  }

  @Test
  void aWriterSegmentAcknowledgedBeforeItRolledIsDeletedWhenItRolls() throws IOException {
    try (var q = DurableQueue.open(dir, new Options(1 << 20, 40, FullPolicy.REJECT_NEW))) {
      var a = q.append(new byte[40]).orElseThrow(); // segment 1
      var b = q.append(new byte[40]).orElseThrow(); // segment 2
      q.acknowledge(b); // segment 2's only record, while it is still the writer
      var c = q.append(new byte[40]).orElseThrow(); // rolls to segment 3
      q.acknowledge(a);
      q.acknowledge(c);
      assertThat(segments(dir)).hasSize(1);
      assertThat(q.isEmpty()).isTrue();
    }
  }

  @Test
  void aRecordReplacedNearTheBoundFitsInTheRoomItFrees() {
    try (var q = DurableQueue.open(dir, new Options(2 * 18, 1 << 20, FullPolicy.REJECT_NEW))) {
      var first = q.append(bytes("attempt-0.")).orElseThrow();
      q.append(bytes("other-one.")).orElseThrow();
      assertThat(q.append(bytes("third-one."))).isEmpty();
      var again = q.replace(first, bytes("attempt-1.")).orElseThrow();
      assertThat(payloads(q)).containsExactly("other-one.", "attempt-1.");
      assertThat(q.bytes()).isEqualTo(2 * 18);
      assertThat(q.oldest()).isPresent().get().isNotEqualTo(again);
    }
  }

  @Test
  void anAllZeroTailIsNotReadAsRecords() throws IOException {
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      q.append(bytes("kept"));
      assertThatThrownBy(() -> q.append(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
    // What a power cut can leave behind on some filesystems: blocks of zeros after the data.
    Files.write(segments(dir).getLast(), new byte[64], StandardOpenOption.APPEND);
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      assertThat(payloads(q)).containsExactly("kept");
      assertThat(q.cutBytes()).isEqualTo(64);
    }
  }

  @Test
  void anUnreadableHeadFileOfTheFormerStoreBufferReplaysEverything() throws IOException {
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      q.append(bytes("one"));
      q.append(bytes("two"));
    }
    Files.delete(dir.resolve("acks"));
    Files.writeString(dir.resolve("head"), "");
    try (var q = DurableQueue.open(dir, 1 << 20, FullPolicy.REJECT_NEW)) {
      assertThat(payloads(q)).containsExactly("one", "two");
    }
    assertThat(dir.resolve("head")).doesNotExist();
  }

  static List<Path> segments(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    }
  }
}
