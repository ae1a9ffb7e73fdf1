package io.kilowatch.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A tag set is a sorted map like any other to its users, and the same object to the store. */
class TagSetTest {
  private final TreeMap<String, String> plain =
      new TreeMap<>(Map.of("site", "dc1", "device", "node-7", "gpu", "3"));

  @Test
  void equalsAndHashesAsTheSortedMapItWasMadeFrom() {
    TagSet tags = TagSet.of(plain);

    assertThat(tags).isEqualTo(plain);
    assertThat(plain).isEqualTo(tags);
    assertThat(tags.hashCode()).isEqualTo(plain.hashCode());
    assertThat(tags.toString()).isEqualTo(plain.toString());
    assertThat(tags.keySet()).containsExactly("device", "gpu", "site");
    assertThat(tags.firstKey()).isEqualTo("device");
    assertThat(tags.headMap("gpu")).isEqualTo(Map.of("device", "node-7"));
    assertThat(TagSet.of(Map.of("gpu", "4"))).isNotEqualTo(TagSet.of(Map.of("gpu", "3")));
  }

  @Test
  void cannotBeChangedThroughItselfOrThroughTheMapItCameFrom() {
    TagSet tags = TagSet.of(plain);
    plain.put("rack", "r9");

    assertThat(tags).doesNotContainKey("rack");
    assertThatThrownBy(() -> tags.put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> tags.entrySet().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> tags.keySet().remove("gpu"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aSampleAndItsSeriesKeysKeepTheTagSetTheyAreGiven() {
    TagSet tags = TagSet.of(plain);
    var sample =
        new Sample(
            Instant.EPOCH, "gpu", tags, new TreeMap<>(Map.of("power_w", 300.0)), Quality.GOOD);

    assertThat(sample.tags()).isSameAs(tags);
    assertThat(sample.key("power_w").tags()).isSameAs(tags);
    assertThat(TagSet.of(tags)).isSameAs(tags);
  }

  @Test
  void orderedHashTellsApartTagSetsWhoseMapHashesCollide() {
    // Map's hash is the sum of key XOR value: "n0"/"n1" and "0"/"1" differ in the last bit, and
    // "device" and "gpu" hash to even numbers, so swapping the digits keeps the sum.
    TagSet a = TagSet.of(Map.of("device", "n0", "gpu", "1"));
    TagSet b = TagSet.of(Map.of("device", "n1", "gpu", "0"));

    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a.orderedHash()).isNotEqualTo(b.orderedHash());
    assertThat(TagSet.of(new TreeMap<>(a)).orderedHash()).isEqualTo(a.orderedHash());
  }

  @Test
  void orderedHashTellsApartEveryGpuOfTheBenchSite() {
    // The bench's names: 3,125 nodes n<i> of 8 GPUs, uuid GPU-<i>-<g>, 4 nodes a rack, 256 racks
    // a cluster.
    var mapHashes = new java.util.HashSet<Integer>();
    var ordered = new java.util.HashSet<Integer>();
    for (int n = 0; n < 3_125; n++) {
      for (int g = 0; g < 8; g++) {
        var tags =
            TagSet.of(
                Map.of(
                    "site", "scale",
                    "cluster", "c" + n / 1_024,
                    "rack", "r" + n / 4,
                    "device", "n" + n,
                    "gpu", Integer.toString(g),
                    "gpu_uuid", "GPU-" + n + "-" + g));
        mapHashes.add(tags.hashCode());
        ordered.add(tags.orderedHash());
      }
    }

    assertThat(ordered).hasSize(25_000);
    assertThat(mapHashes.size()).isLessThan(20_000);
  }
}
