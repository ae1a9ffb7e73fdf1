package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.http.Context;
import io.kilowatch.store.Aggregate;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Query parameters are typed by people and scripts: any value of from/to/step/tags/aggregate/unit
 * is either understood or a {@link BadRequest} naming the parameter (a 400), never another
 * exception (a 500).
 */
class ParamsPropertyTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  /** Params over a request whose only query parameter is {@code name=value}. */
  static Params params(String name, String value) {
    Context ctx =
        (Context)
            Proxy.newProxyInstance(
                Context.class.getClassLoader(),
                new Class<?>[] {Context.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("queryParam") && args.length == 1) {
                    return name.equals(args[0]) ? value : null;
                  }
                  throw new UnsupportedOperationException(method.getName());
                });
    return new Params(ctx, NOW);
  }

  @Provide
  Arbitrary<String> values() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "now",
            "now-",
            "-",
            "now-1h",
            "-15m",
            "-999999999999y",
            "-999999999999d",
            "-999999999999ms",
            "now-999999999999h",
            "--1h",
            "-0s",
            "0",
            "9223372036854775807",
            "9223372036854775808",
            "99999999999999999999",
            "٣٣",
            "2026-11-21T10:00:00Z",
            "+1000000000-12-31T23:59:59Z",
            "-1000000000-01-01T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "999999999999y",
            "999999999999d",
            "999999999999s",
            "1ms",
            "0s",
            "-1s",
            "cluster:c1,device:d",
            ":",
            "a:",
            ":b",
            ",",
            "a:b:c",
            "a:b,,c:d",
            "mean",
            "counter-delta",
            "COUNTER_DELTA",
            "kW",
            "degC",
            "Cel",
            "1/0",
            "((((((((((W))))))))))",
            "10*999999999999W",
            "W^999999999",
            "[",
            "%",
            "{",
            ""),
        Arbitraries.strings().withChars("now-0123456789msdhyTZ:.+,/*^()[]{}%'\" ").ofMaxLength(24),
        Arbitraries.strings().all().ofMaxLength(16));
  }

  // from/to: an instant, or a BadRequest naming the parameter.
  @Property(tries = 1000)
  void aTimeIsAnInstantOrABadRequest(@ForAll("values") String value) {
    try {
      Instant t = params("from", value).time("from", NOW);
      assertThat(t).isNotNull();
    } catch (BadRequest e) {
      assertThat(e.parameter()).isEqualTo("from");
    }
  }

  // step/window: a positive duration, or a BadRequest.
  @Property(tries = 1000)
  void aDurationIsPositiveOrABadRequest(@ForAll("values") String value) {
    try {
      Duration d = params("step", value).duration("step", Duration.ofMinutes(1));
      assertThat(d).isPositive();
    } catch (BadRequest e) {
      assertThat(e.parameter()).isEqualTo("step");
    }
  }

  // tags: pairs with a non-empty key and value, or a BadRequest.
  @Property(tries = 1000)
  void tagsArePairsOrABadRequest(@ForAll("values") String value) {
    try {
      Map<String, String> tags = params("tags", value).tags("tags");
      assertThat(tags).allSatisfy((k, v) -> assertThat(k).isNotEmpty().doesNotContain(":"));
      assertThat(tags.values()).allSatisfy(v -> assertThat(v).isNotEmpty());
    } catch (BadRequest e) {
      assertThat(e.parameter()).isEqualTo("tags");
    }
  }

  // tags round trip: keys without ':' or ',' and values without ',' come back as sent.
  @Property(tries = 500)
  void tagsReadBackAsWritten(@ForAll("tagMaps") Map<String, String> tags) {
    String text =
        String.join(
            ",", tags.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).toList());
    assertThat(params("tags", text).tags("tags")).isEqualTo(tags);
  }

  @Provide
  Arbitrary<Map<String, String>> tagMaps() {
    Arbitrary<String> key =
        Arbitraries.strings()
            .all()
            .ofMinLength(1)
            .ofMaxLength(6)
            .filter(s -> !s.contains(":") && !s.contains(",") && !s.isBlank());
    Arbitrary<String> value =
        Arbitraries.strings().all().ofMinLength(1).ofMaxLength(6).filter(s -> !s.contains(","));
    return Arbitraries.maps(key, value).ofMinSize(1).ofMaxSize(4);
  }

  // aggregate: an Aggregate, or a BadRequest listing the allowed names.
  @Property(tries = 500)
  void anAggregateIsKnownOrABadRequest(@ForAll("values") String value) {
    try {
      assertThat(params("aggregate", value).enumValue("aggregate", Aggregate.class, Aggregate.MEAN))
          .isNotNull();
    } catch (BadRequest e) {
      assertThat(e.parameter()).isEqualTo("aggregate");
      assertThat(e.getMessage()).contains("counter-delta");
    }
  }

  // A huge exponent made the unit library recurse until the stack overflowed (found by the
  // property below in CI: "'16358),862").
  @net.jqwik.api.Example
  void aUnitWithAHugeExponentIsABadRequest() {
    for (String value : new String[] {"'16358),862", "m16358", "W-20000"}) {
      try {
        UnitParam.of(params("unit", value), true);
        throw new AssertionError(value + " was taken as a unit");
      } catch (BadRequest e) {
        assertThat(e.parameter()).isEqualTo("unit");
      }
    }
  }

  // unit: a unit, or a BadRequest; never the unit library's own exceptions.
  @Property(tries = 1000)
  void aUnitIsKnownOrABadRequest(@ForAll("values") String value, @ForAll boolean differences) {
    try {
      assertThat(UnitParam.of(params("unit", value), differences)).isNotNull();
    } catch (BadRequest e) {
      assertThat(e.parameter()).isEqualTo("unit");
    }
  }
}
