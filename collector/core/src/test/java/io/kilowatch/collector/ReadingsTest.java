package io.kilowatch.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.Profile.PointKind;
import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.config.Profile.WordOrder;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.FieldMap;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Vocabulary;
import io.kilowatch.testkit.TestSites;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadingsTest {
  private static final Instant T = Instant.parse("2026-03-01T00:00:00Z");

  private static ModbusPoint point(String field, String measurement, Map<String, String> tags) {
    return new ModbusPoint(
        field,
        RegisterType.HOLDING,
        0,
        DataType.UINT16,
        WordOrder.ABCD,
        1,
        0,
        null,
        PointKind.GAUGE,
        measurement,
        field,
        tags);
  }

  private final Device pdu =
      new Device(
          "r1-pdu-a",
          DeviceKind.PDU,
          new Location("c1", "r1"),
          "p",
          new Source.Modbus("127.0.0.1", 502, 1),
          Duration.ofSeconds(10),
          Duration.ofSeconds(2),
          Map.of("feed", "a", "device", "spoofed"));

  @Test
  void groupsFieldsByMeasurementTagsAndQuality() {
    var r = new Readings(TestSites.site(List.of(), List.of(pdu)), pdu, T);
    r.add(point("power_w", null, Map.of()), 1200, Quality.GOOD);
    r.add(point("voltage_v", null, Map.of()), 230, Quality.GOOD);
    r.add(point("outlet_power_w", "outlet", Map.of("outlet", "1")), 100, Quality.GOOD);
    r.add(point("outlet_power_w", "outlet", Map.of("outlet", "2")), 90, Quality.GOOD);
    r.bad(point("energy_kwh", null, Map.of()), "exception 2");

    var samples = r.samples();

    assertThat(samples).hasSize(4);
    assertThat(samples.getFirst().measurement()).isEqualTo("pdu");
    assertThat(samples.getFirst().fields()).containsOnlyKeys("power_w", "voltage_v");
    assertThat(samples)
        .filteredOn(s -> s.measurement().equals("outlet"))
        .extracting(s -> s.tags().get("outlet"))
        .containsExactly("1", "2");
    assertThat(samples.getLast().quality()).isEqualTo(Quality.BAD);
    assertThat(r.errors()).containsExactlyEntriesOf(Map.of("energy_kwh", "exception 2"));
  }

  @Test
  void identityTagsWinOverDeviceAndPointTags() {
    var r = new Readings(TestSites.site(List.of(), List.of(pdu)), pdu, T);
    r.add(point("power_w", null, Map.of("rack", "elsewhere")), 1, Quality.GOOD);

    assertThat(r.samples().getFirst().tags())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "site", TestSites.SITE_NAME,
                "device", "r1-pdu-a",
                "cluster", "c1",
                "rack", "r1",
                "feed", "a"));
  }

  @Test
  void nonFiniteValuesAreNeverGood() {
    var r = new Readings(null, pdu, T);
    r.add("pdu", Map.of(), "a", Double.NaN, Quality.GOOD);
    r.add("pdu", Map.of(), "b", Double.POSITIVE_INFINITY, Quality.UNCERTAIN);
    r.add("pdu", Map.of(), "c", 5, Quality.BAD);

    assertThat(r.samples())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.quality()).isEqualTo(Quality.BAD);
              assertThat(s.fields().values()).allSatisfy(v -> assertThat(v).isNaN());
              assertThat(s.tags()).doesNotContainKey("site");
            });
  }

  @Test
  void addAllGivesTheSamplesThatAddingEachFieldGives() {
    var fields = new java.util.LinkedHashMap<String, Double>();
    fields.put("power_w", 310.5);
    fields.put("temp_c", Double.NaN);
    fields.put("util_pct", 97.0);
    fields.put("energy_mj", Double.NEGATIVE_INFINITY);
    var tags = Map.of("gpu", "3", "rack", "elsewhere");
    var site = TestSites.site(List.of(), List.of(pdu));
    var one = new Readings(site, pdu, T);
    fields.forEach((f, v) -> one.add("gpu", tags, f, v, Quality.GOOD));
    var all = new Readings(site, pdu, T);
    all.addAll("gpu", tags, fields, Quality.GOOD);

    assertThat(all.samples()).isEqualTo(one.samples()).hasSize(2);
    assertThat(all.samples().getFirst().fields())
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(Map.of("power_w", 310.5, "util_pct", 97.0)));
  }

  /**
   * A sorted map of finite values (a whole GPU, as the dcgm scrape cache gives it) takes a shorter
   * path; it must give what adding field by field gives, also for a BAD quality (every value NaN),
   * a second map for the same tags (merged, the later value winning) and other tags in between.
   */
  @Test
  void addAllOfSortedFiniteFieldsGivesTheSamplesThatAddingEachFieldGives() {
    var site = TestSites.site(List.of(), List.of(pdu));
    var gpu0 = Map.of("gpu", "0");
    var gpu1 = Map.of("gpu", "1");
    var first = new java.util.TreeMap<>(Map.of("power_w", 310.5, "temp_c", 61.0));
    var second = new java.util.TreeMap<>(Map.of("temp_c", 62.0, "util_pct", 97.0));
    var other = new java.util.TreeMap<>(Map.of("power_w", 120.0));
    record Call(Map<String, String> tags, Map<String, Double> fields, Quality quality) {}
    var calls =
        List.of(
            new Call(gpu0, first, Quality.GOOD),
            new Call(gpu1, other, Quality.UNCERTAIN),
            new Call(gpu0, second, Quality.GOOD),
            new Call(gpu1, other, Quality.BAD));
    var one = new Readings(site, pdu, T);
    var all = new Readings(site, pdu, T);
    for (Call c : calls) {
      c.fields().forEach((f, v) -> one.add("gpu", c.tags(), f, v, c.quality()));
      all.addAll("gpu", c.tags(), c.fields(), c.quality());
    }

    assertThat(all.samples()).isEqualTo(one.samples()).hasSize(3);
    assertThat(all.samples().getFirst().fields())
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(Map.of("power_w", 310.5, "temp_c", 62.0, "util_pct", 97.0)));
    assertThat(all.samples().get(2).quality()).isEqualTo(Quality.BAD);
    assertThat(all.samples().get(2).fields().get("power_w")).isNaN();

    var none = new Readings(site, pdu, T);
    none.addAll("gpu", gpu0, new java.util.TreeMap<>(), Quality.GOOD);
    assertThat(none.samples()).isEmpty();
  }

  /**
   * A collector's field map reaches the sample as it is; a later reading of the same group, or a
   * field that is not finite, takes the field-by-field path and gives what adding each field gives.
   */
  @Test
  void aFieldMapIsKeptAsItIsAndLaterReadingsOfItsGroupStillJoinIt() {
    var site = TestSites.site(List.of(), List.of(pdu));
    var gpu0 = Map.of("gpu", "0");
    var gpu1 = Map.of("gpu", "1");
    FieldMap whole = FieldMap.of(Map.of("power_w", 310.5, "temp_c", 61.0));
    FieldMap broken = FieldMap.of(Map.of("power_w", Double.NaN, "temp_c", 58.0));
    var one = new Readings(site, pdu, T);
    var all = new Readings(site, pdu, T);
    whole.forEach((f, v) -> one.add("gpu", gpu0, f, v, Quality.GOOD));
    all.addAll("gpu", gpu0, whole, Quality.GOOD);
    List<Sample> alone = all.samples();
    broken.forEach((f, v) -> one.add("gpu", gpu1, f, v, Quality.GOOD));
    all.addAll("gpu", gpu1, broken, Quality.GOOD);
    // A second field map into the group that holds the first as it is, then a single field.
    all.addAll("gpu", gpu0, FieldMap.of(Map.of("temp_c", 62.0)), Quality.GOOD);
    one.add("gpu", gpu0, "temp_c", 62.0, Quality.GOOD);
    one.add("gpu", gpu0, "util_pct", 97.0, Quality.GOOD);
    all.add("gpu", gpu0, "util_pct", 97.0, Quality.GOOD);

    assertThat(alone.getFirst().fields()).isSameAs(whole);
    assertThat(all.samples()).isEqualTo(one.samples()).hasSize(3);
    assertThat(all.samples().getFirst().fields())
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(Map.of("power_w", 310.5, "temp_c", 62.0, "util_pct", 97.0)));
    assertThat(whole)
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(Map.of("power_w", 310.5, "temp_c", 61.0)));
  }

  /**
   * Analytics finds a device's series with {@link Vocabulary#measurementOf(SiteConfig, Device,
   * String)}; it must name the measurement the collectors wrote, point by point.
   */
  @Test
  void analyticsLooksForEachFieldWhereTheCollectorsWroteIt() {
    var profile =
        new Profile.Modbus(
            "p",
            Profile.AddressBase.ZERO,
            List.of(
                point("power_w", null, Map.of()),
                point("inlet_temp_c", "sensor", Map.of()),
                point("outlet_power_w", "outlet", Map.of("outlet", "1"))));
    var site = TestSites.site(List.of(profile), List.of(pdu));
    var r = new Readings(site, pdu, T);
    profile.points().forEach(p -> r.add(p, 1, Quality.GOOD));

    var written = new java.util.HashMap<String, String>();
    r.samples().stream()
        .filter(smp -> !smp.tags().containsKey("outlet"))
        .forEach(smp -> smp.fields().keySet().forEach(f -> written.put(f, smp.measurement())));
    assertThat(written).containsOnlyKeys("power_w", "inlet_temp_c");
    written.forEach(
        (field, measurement) ->
            assertThat(Vocabulary.measurementOf(site, pdu, field)).isEqualTo(measurement));
    assertThat(written).containsEntry("power_w", "pdu").containsEntry("inlet_temp_c", "sensor");
  }

  @Test
  void withATagCacheEveryPollOfAPointCarriesTheSameTagSetMergedByTheSameRules() {
    var site = TestSites.site(List.of(), List.of(pdu));
    var cache = new Readings.TagCache();
    var outlet = point("outlet_power_w", "outlet", Map.of("outlet", "1", "rack", "stray"));
    var first = new Readings(site, pdu, T, cache);
    first.add(outlet, 100, Quality.GOOD);
    var second = new Readings(site, pdu, T.plusSeconds(10), cache);
    second.add(outlet, 101, Quality.GOOD);
    var uncached = new Readings(site, pdu, T);
    uncached.add(outlet, 100, Quality.GOOD);

    var tags = first.samples().get(0).tags();
    assertThat(second.samples().get(0).tags()).isSameAs(tags);
    assertThat(tags).isEqualTo(uncached.samples().get(0).tags());
    // Identity tags win over the device's and the point's own, cached or not.
    assertThat(tags).containsEntry("device", "r1-pdu-a").containsEntry("rack", "r1");
    assertThat(tags).containsEntry("feed", "a").containsEntry("outlet", "1");
  }
}
