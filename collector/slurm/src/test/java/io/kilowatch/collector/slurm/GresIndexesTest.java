package io.kilowatch.collector.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class GresIndexesTest {
  @Test
  void theShapesSlurmWrites() {
    assertThat(GresIndexes.gpus("gpu:4(IDX:0-3)")).containsExactly(0, 1, 2, 3);
    assertThat(GresIndexes.gpus("gpu:a100:2(IDX:0,2)")).containsExactly(0, 2);
    assertThat(GresIndexes.gpus("gpu:a100:1(IDX:0),gpu:v100:1(IDX:3)")).containsExactly(0, 3);
    assertThat(GresIndexes.gpus("gpu:2(IDX:1,4-5)")).containsExactly(1, 4, 5);
    assertThat(GresIndexes.gpus("nic:1(IDX:0),gpu:1(IDX:6)")).containsExactly(6);
    assertThat(GresIndexes.gpus("gpu(IDX:N/A)")).isEmpty();
    assertThat(GresIndexes.gpus("")).isEmpty();
    assertThat(GresIndexes.gpus("mps:100(IDX:0)")).isEmpty();
  }

  /** Writes indexes the way Slurm does: ascending, consecutive runs as a-b, joined by commas. */
  static String slurmList(Set<Integer> idx) {
    List<String> parts = new ArrayList<>();
    Integer runStart = null;
    Integer prev = null;
    for (int i : idx) {
      if (prev != null && i == prev + 1) {
        prev = i;
        continue;
      }
      if (runStart != null) {
        parts.add(runStart.equals(prev) ? "" + runStart : runStart + "-" + prev);
      }
      runStart = i;
      prev = i;
    }
    if (runStart != null) {
      parts.add(runStart.equals(prev) ? "" + runStart : runStart + "-" + prev);
    }
    return String.join(",", parts);
  }

  @Provide
  Arbitrary<String> type() {
    return Arbitraries.of("", "a100:", "h100_80gb:", "tesla-v100:");
  }

  @Provide
  Arbitrary<String> other() {
    return Arbitraries.of("", "nic:1(IDX:0)", "mps:200(IDX:0-1)", "shard:4(IDX:3,5)", "license:2");
  }

  @Property
  void everyIndexWrittenIsReadBackAndNoOther(
      @ForAll @Size(max = 16) Set<@IntRange(min = 0, max = 63) Integer> indexes,
      @ForAll("type") String type,
      @ForAll("other") String before,
      @ForAll("other") String after) {
    var idx = new TreeSet<>(indexes);
    String gpu =
        "gpu:" + type + idx.size() + "(IDX:" + (idx.isEmpty() ? "N/A" : slurmList(idx)) + ")";
    String detail =
        String.join(",", List.of(before, gpu, after).stream().filter(s -> !s.isEmpty()).toList());

    assertThat(GresIndexes.gpus(detail)).containsExactlyElementsOf(idx);
  }
}
