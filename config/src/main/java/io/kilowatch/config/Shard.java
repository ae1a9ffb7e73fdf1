package io.kilowatch.config;

import java.nio.charset.StandardCharsets;

/**
 * One of {@code count} instances that share a site's devices: instance {@code index} polls the
 * devices it {@link #owns}. Written {@code index/count}, counting from 0 ({@code 0/3}, {@code 1/3},
 * {@code 2/3}). {@link #NONE} ({@code none}) polls nothing: an instance that only serves the
 * dashboard and analytics from a store the collectors share.
 *
 * <p>Ownership is rendezvous (highest-random-weight) hashing of the device id: each device goes to
 * the shard with the highest hash of (device id, shard number). It needs no coordination (every
 * instance computes the same answer from the id alone) and it is stable: going from {@code n} to
 * {@code n + 1} instances moves only the devices the new shard wins, about {@code 1/(n + 1)} of
 * them, and none between the old shards.
 */
public record Shard(int index, int count) {
  /** A single instance polls everything. */
  public static final Shard ALL = new Shard(0, 1);

  /** No device: {@code 0/0}, written {@code none}. */
  public static final Shard NONE = new Shard(0, 0);

  public Shard {
    if (!(index == 0 && count == 0) && (count < 1 || index < 0 || index >= count)) {
      throw new IllegalArgumentException(
          "shard must be i/n with n >= 1 and 0 <= i < n, got " + index + "/" + count);
    }
  }

  /**
   * Parses {@code i/n} or {@code none}.
   *
   * @throws IllegalArgumentException with a message fit for the user
   */
  public static Shard parse(String text) {
    String t = text.strip();
    if (t.equals("none")) {
      return NONE;
    }
    int slash = t.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("expected i/n (e.g. 0/3) or none, got '" + text + "'");
    }
    try {
      return new Shard(
          Integer.parseInt(t.substring(0, slash).strip()),
          Integer.parseInt(t.substring(slash + 1).strip()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected i/n (e.g. 0/3) or none, got '" + text + "'", e);
    }
  }

  /** Whether this shard polls the device. */
  public boolean owns(String deviceId) {
    return count == 1 || (count > 1 && ownerOf(deviceId, count) == index);
  }

  /** The shard, of {@code count}, that polls the device. */
  public static int ownerOf(String deviceId, int count) {
    long base = fnv1a(deviceId);
    int best = 0;
    long bestScore = Long.MIN_VALUE;
    for (int i = 0; i < count; i++) {
      long score = mix(base ^ mix(i + 0x9E3779B97F4A7C15L));
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }

  // Specified here rather than String.hashCode so the assignment never depends on the JVM and has
  // 64 bits to spread.
  private static long fnv1a(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** The splitmix64 finaliser: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override
  public String toString() {
    return count == 0 ? "none" : index + "/" + count;
  }
}
