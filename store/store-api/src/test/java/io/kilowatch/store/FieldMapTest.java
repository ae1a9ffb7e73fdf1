package io.kilowatch.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * A field map is, to everyone who reads it, the {@code TreeMap} it replaced: the same entries in
 * the same order, equal both ways, the same hash and text, the same views and ranges. TreeMap is
 * the reference here, not the field map's own code.
 */
class FieldMapTest {

  @Provide
  Arbitrary<Map<String, Double>> fields() {
    // Few distinct letters, so ranges and lookups hit names that are there and ones that are not;
    // null values, as a TreeMap holds them.
    Arbitrary<String> names =
        Arbitraries.strings().withChars("abcdé_1").ofMinLength(0).ofMaxLength(4);
    Arbitrary<Double> values =
        Arbitraries.oneOf(
            Arbitraries.doubles(),
            Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, -0.0, 0.0),
            Arbitraries.just(null));
    return Arbitraries.maps(names, values).ofMaxSize(15).map(HashMap::new);
  }

  @Provide
  Arbitrary<String> probes() {
    return Arbitraries.strings().withChars("abcdé_1").ofMinLength(0).ofMaxLength(4);
  }

  @Property(tries = 2_000)
  void readsAsTheTreeMapOfTheSameEntries(
      @ForAll("fields") Map<String, Double> given,
      @ForAll("probes") String a,
      @ForAll("probes") String b) {
    var tree = new TreeMap<>(given);
    // From a hash map, from a sorted map in order, from a sorted map in reverse order.
    var reversed = new TreeMap<String, Double>(Collections.reverseOrder());
    reversed.putAll(given);
    for (FieldMap fields : List.of(FieldMap.of(given), FieldMap.of(tree), FieldMap.of(reversed))) {
      assertThat(fields).isEqualTo(tree);
      assertThat(tree).isEqualTo(fields);
      assertThat(fields.hashCode()).isEqualTo(tree.hashCode());
      assertThat(fields.toString()).isEqualTo(tree.toString());
      assertThat(new ArrayList<>(fields.keySet())).isEqualTo(new ArrayList<>(tree.keySet()));
      assertThat(new ArrayList<>(fields.values())).isEqualTo(new ArrayList<>(tree.values()));
      assertThat(new ArrayList<>(fields.entrySet())).isEqualTo(new ArrayList<>(tree.entrySet()));
      assertThat(fields.size()).isEqualTo(tree.size());
      assertThat(fields.isEmpty()).isEqualTo(tree.isEmpty());
      assertThat(fields.get(a)).isEqualTo(tree.get(a));
      assertThat(fields.containsKey(a)).isEqualTo(tree.containsKey(a));
      assertThat(fields.keySet().contains(b)).isEqualTo(tree.containsKey(b));
      assertThat(fields.headMap(a)).isEqualTo(tree.headMap(a));
      assertThat(fields.tailMap(a)).isEqualTo(tree.tailMap(a));
      assertThat(new ArrayList<>(fields.tailMap(a).keySet()))
          .isEqualTo(new ArrayList<>(tree.tailMap(a).keySet()));
      String lo = a.compareTo(b) <= 0 ? a : b;
      String hi = a.compareTo(b) <= 0 ? b : a;
      assertThat(fields.subMap(lo, hi)).isEqualTo(tree.subMap(lo, hi));
      if (!tree.isEmpty()) {
        assertThat(fields.firstKey()).isEqualTo(tree.firstKey());
        assertThat(fields.lastKey()).isEqualTo(tree.lastKey());
      }
      assertThat(fields.comparator()).isNull();
    }
  }

  @Property(tries = 500)
  void withValuesKeepsTheNamesAndTakesTheValuesInTheirOrder(
      @ForAll("fields") Map<String, Double> given) {
    var tree = new TreeMap<>(given);
    var values = new double[tree.size()];
    var expected = new TreeMap<String, Double>();
    int i = 0;
    for (String name : tree.keySet()) {
      values[i] = i * 1.5 - 7;
      expected.put(name, i * 1.5 - 7);
      i++;
    }
    FieldMap first = FieldMap.of(given);

    FieldMap next = first.withValues(values);
    if (values.length > 0) {
      values[0] = 99; // the caller's array, changed later, is not the map's
    }

    assertThat(next).isEqualTo(expected);
    assertThat(first).isEqualTo(tree);
  }

  @Test
  void withValuesRefusesAnotherNumberOfValues() {
    FieldMap fields = FieldMap.of(Map.of("power_w", 1.0, "temp_c", 2.0));

    assertThatThrownBy(() -> fields.withValues(new double[] {1.0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 values for 2 fields [power_w, temp_c]");
  }

  @Test
  void allFiniteIsFalseForNaNInfinityOrNull() {
    assertThat(FieldMap.of(Map.of("a", 1.0, "b", -0.0)).allFinite()).isTrue();
    assertThat(FieldMap.of(Map.of()).allFinite()).isTrue();
    assertThat(FieldMap.of(Map.of("a", 1.0, "b", Double.NaN)).allFinite()).isFalse();
    assertThat(FieldMap.of(Map.of("a", Double.NEGATIVE_INFINITY)).allFinite()).isFalse();
    var withNull = new TreeMap<String, Double>();
    withNull.put("a", null);
    assertThat(FieldMap.of(withNull).allFinite()).isFalse();
  }

  @Test
  void cannotBeChangedThroughItselfOrThroughTheMapItCameFrom() {
    var source = new TreeMap<>(Map.of("energy_mj", 5.0, "power_w", 300.0));
    FieldMap fields = FieldMap.of(source);
    source.put("temp_c", 60.0);

    assertThat(fields).doesNotContainKey("temp_c");
    assertThatThrownBy(() -> fields.put("x", 1.0))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> fields.remove("power_w"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> fields.entrySet().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> fields.keySet().remove("power_w"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> fields.values().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> fields.entrySet().iterator().next().setValue(1.0))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(fields).isEqualTo(Map.of("energy_mj", 5.0, "power_w", 300.0));
  }

  /** What an operation gives: its result, or the kind of exception it throws. */
  private static Object outcome(java.util.function.Supplier<Object> op) {
    try {
      return op.get();
    } catch (RuntimeException e) {
      return e.getClass();
    }
  }

  /**
   * Every operation a reader or a careless writer may try gives what it gives on the unmodifiable
   * {@code TreeMap} of the same entries (Sample's map before): the same result or the same kind of
   * exception, on an empty map and on a full one.
   */
  @Test
  void refusesAndAnswersAsAnUnmodifiableTreeMap() {
    for (Map<String, Double> entries :
        List.<Map<String, Double>>of(Map.of(), Map.of("b", 2.0, "d", 4.0))) {
      var tree = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
      var fields = FieldMap.of(entries);
      List<java.util.function.Function<java.util.SortedMap<String, Double>, Object>> ops =
          List.of(
              m -> m.get("b"),
              m -> m.get("x"),
              m -> m.get(null),
              m -> m.containsKey(null),
              m -> m.keySet().contains(null),
              m -> m.values().equals(new ArrayList<>(m.values())),
              m -> m.values().equals(m.values()),
              m -> m.keySet().equals(new java.util.HashSet<>(entries.keySet())),
              m -> m.entrySet().equals(new java.util.HashMap<>(entries).entrySet()),
              m -> m.subMap("c", "a"),
              m -> m.put("b", 1.0),
              m -> m.remove("x"),
              m -> {
                m.clear();
                return "cleared";
              },
              m -> {
                m.entrySet().clear();
                return "cleared";
              },
              m -> m.keySet().removeAll(List.of("x")),
              m -> m.values().remove(99.0),
              m -> m.putIfAbsent("b", 1.0),
              m -> m.computeIfAbsent("b", k -> 1.0),
              m -> m.merge("x", 1.0, Double::sum),
              m -> m.pollFirstEntry(),
              m -> m.firstKey());
      for (int i = 0; i < ops.size(); i++) {
        var op = ops.get(i);
        assertThat(outcome(() -> op.apply(fields)))
            .as("operation %d on %s", i, entries)
            .isEqualTo(outcome(() -> op.apply(tree)));
      }
    }
  }

  @Test
  void refusesANullNameAsATreeMapDoes() {
    var withNull = new LinkedHashMap<String, Double>();
    withNull.put(null, 1.0);

    assertThatThrownBy(() -> FieldMap.of(withNull)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> FieldMap.of(Map.of("a", 1.0)).get(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void aSampleKeepsAFieldMapAsItIsAndCopiesAnyOtherMap() {
    FieldMap fields = FieldMap.of(Map.of("power_w", 300.0));
    var tree = new TreeMap<>(Map.of("power_w", 300.0));

    var kept = new Sample(Instant.EPOCH, "gpu", new TreeMap<>(), fields, Quality.GOOD);
    var copied = new Sample(Instant.EPOCH, "gpu", new TreeMap<>(), tree, Quality.GOOD);
    tree.put("temp_c", 60.0);

    assertThat(kept.fields()).isSameAs(fields);
    assertThat(copied.fields()).isEqualTo(Map.of("power_w", 300.0));
    assertThat(copied).isEqualTo(kept);
  }
}
