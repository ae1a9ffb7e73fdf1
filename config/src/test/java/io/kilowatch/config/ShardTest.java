package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Rendezvous hashing: balanced, and adding an instance moves only what the new one wins. */
class ShardTest {
  private static List<String> ids(int n) {
    return IntStream.range(0, n).mapToObj(i -> "c1-r" + i / 8 + "-node" + i % 8).toList();
  }

  @Test
  void addingAnInstanceMovesOnlyTheDevicesTheNewShardWins() {
    var ids = ids(10_000);
    for (int n = 1; n <= 5; n++) {
      int moved = 0;
      var perShard = new int[n + 1];
      for (String id : ids) {
        int before = Shard.ownerOf(id, n);
        int after = Shard.ownerOf(id, n + 1);
        perShard[after]++;
        if (before != after) {
          moved++;
          // Nothing moves between the old shards: a device moves only to the new one.
          assertThat(after).as(id).isEqualTo(n);
        }
      }
      double expected = 1.0 / (n + 1);
      assertThat((double) moved / ids.size())
          .as("moved from %d to %d", n, n + 1)
          .isBetween(expected * 0.85, expected * 1.15);
      for (int count : perShard) {
        assertThat((double) count / ids.size()).isBetween(expected * 0.85, expected * 1.15);
      }
    }
  }

  @Test
  void everyDeviceHasExactlyOneOwnerAndNoneHasNone() {
    for (String id : ids(500)) {
      int owners = 0;
      for (int i = 0; i < 4; i++) {
        owners += new Shard(i, 4).owns(id) ? 1 : 0;
      }
      assertThat(owners).as(id).isEqualTo(1);
      assertThat(Shard.ALL.owns(id)).isTrue();
      assertThat(Shard.NONE.owns(id)).isFalse();
    }
  }
}
