package io.kilowatch.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesQuery;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first write of a large site: tens of thousands of series new at once. */
class ManyNewSeriesTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration DAY = Duration.ofDays(1);

  @TempDir Path dir;

  @Test
  void aBatchOfManyNewSeriesIsRegisteredQuicklyAndSurvivesAReopen() {
    var batch = new ArrayList<Sample>();
    for (int gpu = 0; gpu < 2_000; gpu++) {
      var fields = new TreeMap<String, Double>();
      for (int f = 0; f < 10; f++) {
        fields.put("f" + f, gpu + f / 10.0);
      }
      batch.add(Sample.of(T, "gpu", Map.of("gpu", "" + gpu), fields));
    }
    // A lone new series in a later batch still gets the next id.
    var late = Sample.of(T, "gpu", Map.of("gpu", "late"), Map.of("f0", 1.0));

    long t0 = System.nanoTime();
    try (var store = EmbeddedStore.open(dir, DAY, DAY, DAY, false)) {
      store.write(batch);
      store.write(java.util.List.of(late));
    }
    // With one INSERT per new series, the first write of the ingest bench (500,000 series) ran
    // for more than ten minutes.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));

    try (var store = EmbeddedStore.open(dir, DAY, DAY, DAY, false)) {
      assertThat(store.listSeries(SeriesQuery.of("gpu", null))).hasSize(20_001);
      var p =
          store.read(
              SeriesQuery.of("gpu", "f3").withTag("gpu", "1234"), T, T.plus(Duration.ofMinutes(1)));
      assertThat(p)
          .singleElement()
          .satisfies(s -> assertThat(s.points().getFirst().value()).isEqualTo(1234.3));
      assertThat(store.pointCount()).isEqualTo(20_001);

      // Every series' time bounds came back with it, ids past the first thousands included: a
      // reading at a stored time replaces the stored one, a later one is appended.
      var gpu1234 = Map.of("gpu", "1234");
      store.write(java.util.List.of(Sample.of(T, "gpu", gpu1234, Map.of("f3", 9.0))));
      store.write(
          java.util.List.of(Sample.of(T.plusSeconds(10), "gpu", gpu1234, Map.of("f3", 8.0))));
      assertThat(store.pointCount()).isEqualTo(20_002);
      assertThat(
              store
                  .read(
                      SeriesQuery.of("gpu", "f3").withTag("gpu", "1234"),
                      T,
                      T.plus(Duration.ofMinutes(1)))
                  .getFirst()
                  .points())
          .extracting(io.kilowatch.store.Point::value)
          .containsExactly(9.0, 8.0);
    }
  }
}
