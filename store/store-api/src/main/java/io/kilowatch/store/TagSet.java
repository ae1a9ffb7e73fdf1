package io.kilowatch.store;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable, sorted tag set that remembers its hash code. A collector that keeps one instance
 * per device or GPU across polls hands the store the same object every time, so the store's lookup
 * of a sample's series is one cached hash and an identity check instead of a walk over both maps
 * (at 25,000 GPUs that walk, twice per sample, was a fifth of the write path's CPU).
 *
 * <p>Equal to any map with the same entries, as a {@code TreeMap} is; never modified after it is
 * made.
 */
public final class TagSet extends AbstractMap<String, String> implements SortedMap<String, String> {
  private static final TagSet EMPTY = new TagSet(new TreeMap<>());

  private final SortedMap<String, String> tags;
  private final int hash;
  private final int orderedHash;

  private TagSet(TreeMap<String, String> owned) {
    this.tags = Collections.unmodifiableSortedMap(owned);
    this.hash = owned.hashCode();
    int h = 0;
    for (var e : owned.entrySet()) {
      h = 31 * (31 * h + e.getKey().hashCode()) + e.getValue().hashCode();
    }
    this.orderedHash = h;
  }

  /** {@code tags} itself when it is a tag set already, else a sorted copy. */
  public static TagSet of(Map<String, String> tags) {
    if (tags instanceof TagSet t) {
      return t;
    }
    return tags.isEmpty() ? EMPTY : new TagSet(new TreeMap<>(tags));
  }

  @Override
  public String get(Object key) {
    return tags.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return tags.containsKey(key);
  }

  @Override
  public int size() {
    return tags.size();
  }

  @Override
  public Set<Entry<String, String>> entrySet() {
    return tags.entrySet();
  }

  @Override
  public Set<String> keySet() {
    return tags.keySet();
  }

  @Override
  public java.util.Collection<String> values() {
    return tags.values();
  }

  @Override
  public Comparator<? super String> comparator() {
    return null;
  }

  @Override
  public SortedMap<String, String> subMap(String fromKey, String toKey) {
    return tags.subMap(fromKey, toKey);
  }

  @Override
  public SortedMap<String, String> headMap(String toKey) {
    return tags.headMap(toKey);
  }

  @Override
  public SortedMap<String, String> tailMap(String fromKey) {
    return tags.tailMap(fromKey);
  }

  @Override
  public String firstKey() {
    return tags.firstKey();
  }

  @Override
  public String lastKey() {
    return tags.lastKey();
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /**
   * A hash of the entries in key order, for tables keyed by tag sets alone. {@link #hashCode()}
   * must be {@link Map}'s (the sum of key XOR value over the entries), and that sum collides for
   * tag sets that differ in two places by the same bits: with the bench's names for 25,000 GPUs
   * (device {@code n12}, gpu {@code 3}, uuid {@code GPU-12-3}) 88 % of the GPUs shared theirs with
   * another, so a lookup of one walked both maps. This one tells all 25,000 apart.
   */
  public int orderedHash() {
    return orderedHash;
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (o instanceof TagSet t && t.hash != hash) {
      return false;
    }
    return tags.equals(o);
  }
}
