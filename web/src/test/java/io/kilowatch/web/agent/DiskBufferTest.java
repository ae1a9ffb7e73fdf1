package io.kilowatch.web.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskBufferTest {
  @TempDir Path dir;

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> drain(DiskBuffer buffer) throws Exception {
    var out = new ArrayList<String>();
    for (var b = buffer.oldest(); b.isPresent(); b = buffer.oldest()) {
      out.add(new String(b.get().read(), StandardCharsets.UTF_8));
      buffer.remove(b.get());
    }
    return out;
  }

  @Test
  void batchesComeOutOldestFirstAndSurviveARestart() throws Exception {
    var first = new DiskBuffer(dir, 1_000_000);
    first.append(text("a"));
    first.append(text("b"));
    // A batch half-written when the agent died is a temporary file: dropped, never sent.
    Files.writeString(dir.resolve("000000000003.lp.tmp"), "half");

    var again = new DiskBuffer(dir, 1_000_000);
    again.append(text("c"));

    assertThat(again.depth()).isEqualTo(3);
    assertThat(drain(again)).containsExactly("a", "b", "c");
    assertThat(again.bytes()).isZero();
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void overTheBoundTheOldestBatchesAreDroppedAndCounted() throws Exception {
    var buffer = new DiskBuffer(dir, 10);
    for (String s : List.of("1111", "2222", "3333", "4444")) {
      buffer.append(text(s));
    }

    assertThat(buffer.dropped()).isEqualTo(2);
    assertThat(buffer.bytes()).isEqualTo(8);
    assertThat(drain(buffer)).containsExactly("3333", "4444");
  }

  @Test
  void aBatchLargerThanTheBoundIsStillKeptAlone() throws Exception {
    var buffer = new DiskBuffer(dir, 2);
    buffer.append(text("too large"));

    assertThat(drain(buffer)).containsExactly("too large");
  }
}
