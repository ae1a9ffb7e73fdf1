package io.kilowatch.web.ingest;

/**
 * A set of longs in one array (open addressing, linear probing): 16 to 32 bytes an entry (at most
 * half full) where a {@code HashSet<Long>} takes about 60, which matters at millions of series
 * hashes.
 */
final class LongSet {
  /** Stands for the key 0, which marks an empty slot. */
  private boolean hasZero;

  private long[] slots = new long[16];
  private int size;

  int size() {
    return size;
  }

  boolean contains(long key) {
    if (key == 0) {
      return hasZero;
    }
    long[] t = slots;
    for (int i = index(key, t.length); ; i = (i + 1) & (t.length - 1)) {
      if (t[i] == key) {
        return true;
      }
      if (t[i] == 0) {
        return false;
      }
    }
  }

  /** Whether the key was new. */
  boolean add(long key) {
    if (key == 0) {
      boolean added = !hasZero;
      hasZero = true;
      size += added ? 1 : 0;
      return added;
    }
    if ((size + 1) * 2L > slots.length) {
      grow();
    }
    if (!insert(slots, key)) {
      return false;
    }
    size++;
    return true;
  }

  void addAll(LongSet other) {
    if (other.hasZero) {
      add(0);
    }
    for (long k : other.slots) {
      if (k != 0) {
        add(k);
      }
    }
  }

  private static boolean insert(long[] t, long key) {
    for (int i = index(key, t.length); ; i = (i + 1) & (t.length - 1)) {
      if (t[i] == key) {
        return false;
      }
      if (t[i] == 0) {
        t[i] = key;
        return true;
      }
    }
  }

  private void grow() {
    long[] bigger = new long[slots.length * 2];
    for (long k : slots) {
      if (k != 0) {
        insert(bigger, k);
      }
    }
    slots = bigger;
  }

  private static int index(long key, int length) {
    // The hashes are FNV, whose low bits alone mix poorly: fold the high half in.
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 32) & (length - 1);
  }
}
