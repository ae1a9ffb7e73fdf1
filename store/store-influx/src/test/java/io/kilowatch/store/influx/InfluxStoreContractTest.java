package io.kilowatch.store.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.store.Aggregate;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.InfluxServer;
import io.kilowatch.testkit.StoreContractTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The contract against a real {@code influxd}, one fresh database per test. */
class InfluxStoreContractTest extends StoreContractTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final Duration HOUR = Duration.ofHours(1);

  @RegisterExtension static final InfluxServer SERVER = InfluxServer.withoutAuth();

  @TempDir Path referenceDir;

  /** InfluxDB must answer as the embedded store does, aggregate by aggregate. */
  @Test
  void everyAggregateMatchesTheEmbeddedStoreOnThreeHoursOfMixedData() {
    var data = threeHours();
    store.write(data);
    try (var reference =
        EmbeddedStore.open(
            referenceDir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(1830))) {
      reference.write(data);
      for (Duration step : List.of(Duration.ofSeconds(45), MINUTE, Duration.ofMinutes(7), HOUR)) {
        for (Aggregate a : Aggregate.values()) {
          for (String m : List.of("pdu", "meter")) {
            var q = SeriesQuery.of(m, null);
            // An unaligned start: the first step is partial in both.
            Instant from = T0.plusSeconds(95);
            Instant to = T0.plus(Duration.ofHours(3));
            var want = reference.aggregate(q, from, to, step, a);
            var got = store.aggregate(q, from, to, step, a);
            String what = m + " " + step + " " + a;
            assertThat(got).as(what).hasSameSizeAs(want);
            for (int s = 0; s < got.size(); s++) {
              assertThat(got.get(s).key()).as(what).isEqualTo(want.get(s).key());
              var g = got.get(s).buckets();
              var w = want.get(s).buckets();
              assertThat(g).as(what).hasSameSizeAs(w);
              for (int b = 0; b < g.size(); b++) {
                assertThat(g.get(b).start()).as(what).isEqualTo(w.get(b).start());
                assertThat(g.get(b).count()).as(what).isEqualTo(w.get(b).count());
                assertThat(g.get(b).value()).as(what).isCloseTo(w.get(b).value(), within(1e-9));
              }
            }
          }
        }
      }
      assertThat(store.read(SeriesQuery.of("meter", null), T0, T0.plus(HOUR)))
          .isEqualTo(reference.read(SeriesQuery.of("meter", null), T0, T0.plus(HOUR)));
      assertThat(store.listSeries(SeriesQuery.of("", null)))
          .isEqualTo(reference.listSeries(SeriesQuery.of("", null)));
    }
  }

  @Override
  protected Store openStore() {
    return InfluxStores.fresh(SERVER);
  }
}
