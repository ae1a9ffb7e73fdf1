package io.kilowatch.store.embedded;

/**
 * The rows of one write batch by their exact (series id, time), so that a second reading of the
 * same series at the same time replaces the first rather than being stored twice.
 *
 * <p>Open addressing over row numbers: the keys are the batch's own column arrays, so a lookup
 * allocates nothing. It replaced a screen on a 64-bit hash of (id, time) backed by a boxed map on a
 * hash collision: with ids in the tens of thousands and a second of millisecond times in one batch,
 * {@code time * 31 + id} collided in almost every batch of a large site, and the boxed map of every
 * row was then built each second.
 */
final class RowIndex {
  private final int[] ids;
  private final long[] times;

  /** Row number + 1 per slot; 0 is an empty slot. */
  private final int[] slots;

  private final int mask;

  /**
   * @param ids the batch's series ids by row, filled as rows are added
   * @param times the batch's times by row, filled as rows are added
   */
  RowIndex(int[] ids, long[] times) {
    this.ids = ids;
    this.times = times;
    // At most half full, so probe runs stay short.
    int size = Integer.highestOneBit(Math.max(2, ids.length) * 2 - 1) << 1;
    this.slots = new int[size];
    this.mask = size - 1;
  }

  /**
   * The row already holding ({@code id}, {@code time}), or -1 after recording {@code row} as the
   * one that will. On -1 the caller must write {@code id} and {@code time} at {@code row} of the
   * columns before the next call; rows are numbered from 0 up, each recorded once, below the
   * columns' length.
   */
  int putIfAbsent(int id, long time, int row) {
    assert row >= 0 && row < ids.length : "row " + row + " outside the batch";
    int i = (int) (mix(time * 0x9E3779B97F4A7C15L + id) & mask);
    while (true) {
      int held = slots[i];
      if (held == 0) {
        slots[i] = row + 1;
        return -1;
      }
      int r = held - 1;
      if (ids[r] == id && times[r] == time) {
        return r;
      }
      i = (i + 1) & mask;
    }
  }

  private static long mix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    return k ^ (k >>> 33);
  }
}
