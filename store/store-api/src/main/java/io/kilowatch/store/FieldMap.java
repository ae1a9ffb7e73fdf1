package io.kilowatch.store;

import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable map of field names to values, in the names' natural order: a sample's fields. Two
 * arrays instead of a tree, and maps with the same names share the array of names: at 25,000 GPUs a
 * GPU's 13 fields were copied into a fresh {@code TreeMap} three times on their way from the scrape
 * to the store (the cache, the readings, the sample), most of a scrape's garbage; now a collector
 * that keeps one map per GPU makes each scrape's with {@link #withValues}, and the readings and the
 * sample keep it as it is.
 *
 * <p>Equal to any map with the same entries, as a {@code TreeMap} is. Values may be null, as a
 * {@code TreeMap}'s may; names may not. Head, tail and sub maps are copies of their range (the map
 * never changes, so a copy reads as a view would), not views that refuse keys outside it.
 */
public final class FieldMap extends AbstractMap<String, Double>
    implements SortedMap<String, Double> {
  private static final FieldMap EMPTY = new FieldMap(new String[0], new Double[0]);

  /** Ascending, distinct, not null; never written after the constructor, shared by copies. */
  private final String[] names;

  private final Double[] values;

  // The views, made once, as an unmodifiable map's are (so a view equals itself the next time).
  private Set<Entry<String, Double>> entrySetView;
  private Set<String> keySetView;
  private Collection<Double> valuesView;

  private FieldMap(String[] names, Double[] values) {
    this.names = names;
    this.values = values;
  }

  /** {@code fields} itself when it is a field map already, else a copy in the names' order. */
  public static FieldMap of(Map<String, Double> fields) {
    if (fields instanceof FieldMap f) {
      return f;
    }
    if (fields.isEmpty()) {
      return EMPTY;
    }
    // A sorted map in natural order is copied as it iterates; any other (a hash map, a tree map
    // in another order) is sorted first, which also refuses a null name.
    SortedMap<String, Double> sorted =
        fields instanceof SortedMap<String, Double> s && s.comparator() == null
            ? s
            : new TreeMap<>(fields);
    int n = sorted.size();
    var names = new String[n];
    var values = new Double[n];
    int i = 0;
    for (var e : sorted.entrySet()) {
      if (i == n) {
        throw new IllegalArgumentException("fields changed while they were copied");
      }
      names[i] = Objects.requireNonNull(e.getKey(), "field name");
      values[i] = e.getValue();
      i++;
    }
    if (i != n) {
      throw new IllegalArgumentException("fields changed while they were copied");
    }
    return new FieldMap(names, values);
  }

  /**
   * A map with this map's names, in the same order, and {@code values} by position (the first value
   * is the first name's): the next reading of the same fields, without sorting or copying the names
   * again.
   *
   * @throws IllegalArgumentException when {@code values} does not hold one value per name
   */
  public FieldMap withValues(double[] values) {
    if (values.length != names.length) {
      throw new IllegalArgumentException(
          values.length + " values for " + names.length + " fields " + Arrays.toString(names));
    }
    var boxed = new Double[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return new FieldMap(names, boxed);
  }

  /** Whether every value is a number other than NaN and the infinities (none is null). */
  public boolean allFinite() {
    for (Double v : values) {
      if (v == null || !Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  private int indexOf(Object name) {
    // As a TreeMap in natural order: a null name is refused and a name that is not a string
    // cannot be compared (ClassCastException), rather than looked up.
    String s = (String) Objects.requireNonNull(name, "field name");
    return Arrays.binarySearch(names, s);
  }

  @Override
  public int size() {
    return names.length;
  }

  @Override
  public boolean isEmpty() {
    return names.length == 0;
  }

  @Override
  public Double get(Object name) {
    int i = indexOf(name);
    return i >= 0 ? values[i] : null;
  }

  @Override
  public boolean containsKey(Object name) {
    return indexOf(name) >= 0;
  }

  @Override
  public Set<Entry<String, Double>> entrySet() {
    if (entrySetView != null) {
      return entrySetView;
    }
    // Wrapped, so that every change is refused, even one that would change nothing.
    return entrySetView =
        Collections.unmodifiableSet(
            new AbstractSet<Entry<String, Double>>() {
              @Override
              public Iterator<Entry<String, Double>> iterator() {
                return new Iterator<>() {
                  private int next;

                  @Override
                  public boolean hasNext() {
                    return next < names.length;
                  }

                  @Override
                  public Entry<String, Double> next() {
                    if (next >= names.length) {
                      throw new NoSuchElementException();
                    }
                    int i = next++;
                    return new SimpleImmutableEntry<>(names[i], values[i]);
                  }
                };
              }

              @Override
              public int size() {
                return names.length;
              }
            });
  }

  @Override
  public Set<String> keySet() {
    if (keySetView != null) {
      return keySetView;
    }
    return keySetView =
        Collections.unmodifiableSet(
            new AbstractSet<String>() {
              @Override
              public Iterator<String> iterator() {
                return Collections.unmodifiableList(Arrays.asList(names)).iterator();
              }

              @Override
              public boolean contains(Object o) {
                return containsKey(o);
              }

              @Override
              public int size() {
                return names.length;
              }
            });
  }

  @Override
  public Collection<Double> values() {
    if (valuesView != null) {
      return valuesView;
    }
    // A collection, not a list: equal only to itself, as a TreeMap's values are.
    return valuesView =
        Collections.unmodifiableCollection(
            new AbstractList<Double>() {
              @Override
              public Double get(int index) {
                return values[index];
              }

              @Override
              public int size() {
                return values.length;
              }
            });
  }

  // Every change is refused, as by an unmodifiable map, even one that would change nothing
  // (AbstractMap's own refuse only when they find something to change).

  @Override
  public Double put(String key, Double value) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void putAll(Map<? extends String, ? extends Double> m) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Double remove(Object key) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void clear() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void replaceAll(
      java.util.function.BiFunction<? super String, ? super Double, ? extends Double> f) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Double putIfAbsent(String key, Double value) {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean remove(Object key, Object value) {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean replace(String key, Double oldValue, Double newValue) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Double replace(String key, Double value) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Double computeIfAbsent(
      String key, java.util.function.Function<? super String, ? extends Double> f) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Double computeIfPresent(
      String key,
      java.util.function.BiFunction<? super String, ? super Double, ? extends Double> f) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Double compute(
      String key,
      java.util.function.BiFunction<? super String, ? super Double, ? extends Double> f) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Double merge(
      String key,
      Double value,
      java.util.function.BiFunction<? super Double, ? super Double, ? extends Double> f) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Comparator<? super String> comparator() {
    return null;
  }

  /** The names from {@code from} (inclusive) on, as positions. */
  private int ceiling(String from) {
    int i = Arrays.binarySearch(names, Objects.requireNonNull(from, "field name"));
    return i >= 0 ? i : -i - 1;
  }

  private SortedMap<String, Double> range(int from, int to) {
    if (from >= to) {
      return EMPTY;
    }
    return new FieldMap(Arrays.copyOfRange(names, from, to), Arrays.copyOfRange(values, from, to));
  }

  @Override
  public SortedMap<String, Double> subMap(String fromKey, String toKey) {
    if (fromKey.compareTo(toKey) > 0) {
      throw new IllegalArgumentException("fromKey " + fromKey + " > toKey " + toKey);
    }
    return range(ceiling(fromKey), ceiling(toKey));
  }

  @Override
  public SortedMap<String, Double> headMap(String toKey) {
    return range(0, ceiling(toKey));
  }

  @Override
  public SortedMap<String, Double> tailMap(String fromKey) {
    return range(ceiling(fromKey), names.length);
  }

  @Override
  public String firstKey() {
    if (names.length == 0) {
      throw new NoSuchElementException();
    }
    return names[0];
  }

  @Override
  public String lastKey() {
    if (names.length == 0) {
      throw new NoSuchElementException();
    }
    return names[names.length - 1];
  }
}
