package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@code outlet_{1..24}}: one profile entry for a run of identical points at consecutive addresses.
 */
class ProfileRangeTest {

  /** A profile whose points start at line 7 of t.yaml, one point per list entry. */
  private static String site(String... points) {
    return """
        site: {name: T}
        profiles:
          - id: pdu
            source: modbus
            addressBase: one
            points:
        %s
        devices:
          - {id: d1, kind: pdu, profile: pdu, source: {type: modbus, host: 10.0.0.1}}
        """
        .formatted(String.join("\n", points).indent(6).stripTrailing());
  }

  private static final String OUTLET_POWER =
      """
      - name: outlet_{1..8}_power
        registerType: input
        address: 101
        dataType: uint32
        unit: W
        measurement: pdu_outlet
        field: power_w
        tags: {outlet: "{n}"}""";

  private static final String RELAYS =
      """
      - name: relay_{1..8}
        registerType: coil
        address: 1
        dataType: bit
        unit: "1"
        measurement: pdu_outlet
        field: relay_on
        tags: {outlet: "{n}"}""";

  private static SiteConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(yaml, "t.yaml", Path.of("/srv"), Map.of());
  }

  private static String problems(String yaml) {
    return catchThrowableOfType(ConfigException.class, () -> parse(yaml)).getMessage();
  }

  private static List<Profile.ModbusPoint> points(String yaml) throws ConfigException {
    return ((Profile.Modbus) parse(yaml).profile("pdu").orElseThrow()).points();
  }

  @Test
  void aRangeStandsForOnePointPerNumberAtConsecutiveAddresses() throws Exception {
    var points = points(site(OUTLET_POWER, RELAYS));

    // uint32 takes 2 registers: outlet i at 101 + (i - 1) * 2; a coil is one bit: relay i at i.
    assertThat(points).hasSize(16);
    assertThat(points.subList(0, 8))
        .extracting(Profile.ModbusPoint::name, Profile.ModbusPoint::address)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("outlet_1_power", 101),
            org.assertj.core.groups.Tuple.tuple("outlet_2_power", 103),
            org.assertj.core.groups.Tuple.tuple("outlet_3_power", 105),
            org.assertj.core.groups.Tuple.tuple("outlet_4_power", 107),
            org.assertj.core.groups.Tuple.tuple("outlet_5_power", 109),
            org.assertj.core.groups.Tuple.tuple("outlet_6_power", 111),
            org.assertj.core.groups.Tuple.tuple("outlet_7_power", 113),
            org.assertj.core.groups.Tuple.tuple("outlet_8_power", 115));
    assertThat(points.subList(8, 16))
        .extracting(Profile.ModbusPoint::name, Profile.ModbusPoint::address)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("relay_1", 1),
            org.assertj.core.groups.Tuple.tuple("relay_2", 2),
            org.assertj.core.groups.Tuple.tuple("relay_3", 3),
            org.assertj.core.groups.Tuple.tuple("relay_4", 4),
            org.assertj.core.groups.Tuple.tuple("relay_5", 5),
            org.assertj.core.groups.Tuple.tuple("relay_6", 6),
            org.assertj.core.groups.Tuple.tuple("relay_7", 7),
            org.assertj.core.groups.Tuple.tuple("relay_8", 8));
    // {n} in a tag value is the point's number; everything else is the same for each point.
    Profile.ModbusPoint fifth = points.get(4);
    assertThat(fifth.tags()).containsExactly(Map.entry("outlet", "5"));
    assertThat(fifth.field()).isEqualTo("power_w");
    assertThat(fifth.measurement()).isEqualTo("pdu_outlet");
    assertThat(fifth.dataType()).isEqualTo(Profile.DataType.UINT32);
    assertThat(points.get(15).tags()).containsExactly(Map.entry("outlet", "8"));
  }

  @Test
  void aStringRangeStepsByItsLengthAndFieldsTakeTheNumber() throws Exception {
    var points =
        points(
            site(
                """
                - name: label_{0..2}
                  registerType: holding
                  address: 200
                  dataType: string
                  length: 4
                  unit: "1"
                  field: label_{n}"""));
    assertThat(points)
        .extracting(
            Profile.ModbusPoint::name, Profile.ModbusPoint::address, Profile.ModbusPoint::field)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("label_0", 200, "label_0"),
            org.assertj.core.groups.Tuple.tuple("label_1", 204, "label_1"),
            org.assertj.core.groups.Tuple.tuple("label_2", 208, "label_2"));
  }

  // A PDU that keeps each outlet's values together: power, current, energy, then the next outlet.
  @Test
  void aStrideSpacesInterleavedPoints() throws Exception {
    var points =
        points(
            site(
                """
                - name: outlet{1..3}-current
                  registerType: holding
                  address: 101
                  stride: 4
                  dataType: uint16
                  unit: A
                  field: current_a
                  tags: {outlet: "{n}"}"""));
    // outlet i at 101 + (i - 1) * 4
    assertThat(points)
        .extracting(Profile.ModbusPoint::name, Profile.ModbusPoint::address)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("outlet1-current", 101),
            org.assertj.core.groups.Tuple.tuple("outlet2-current", 105),
            org.assertj.core.groups.Tuple.tuple("outlet3-current", 109));
  }

  @Test
  void aStrideShorterThanAPointOrWithoutARangeIsReported() {
    assertThat(problems(site(OUTLET_POWER.replace("address: 101", "address: 101\n  stride: 1"))))
        .contains("t.yaml:10: profiles[0].points[0].stride: must be a whole number of registers")
        .contains("at least the 2 one point takes, got '1'");
    assertThat(
            problems(
                site(
                    "- {name: total, registerType: input, address: 1, stride: 2, dataType: uint16,"
                        + " unit: W, field: total_w}")))
        .contains("profiles[0].points[0].stride: applies only to a range");
  }

  @Test
  void aBackwardRangeIsReportedAtItsFileLineAndKey() {
    assertThat(problems(site(OUTLET_POWER.replace("{1..8}", "{3..1}"))))
        .contains("t.yaml:7: profiles[0].points[0].name: range {3..1} runs backwards");
  }

  @Test
  void aRangeRunningIntoAnotherPointIsReportedAtTheRange() {
    // outlet_{1..8}_power covers input 101..116; a point at 110 (within outlet_5, 109..110) is hit.
    String total =
        "- {name: total, registerType: input, address: 110, dataType: uint16, unit: W,"
            + " field: total_w}";
    assertThat(problems(site(OUTLET_POWER, total)))
        .contains(
            "t.yaml:7: profiles[0].points[0].name: range point 'outlet_5_power' (input 109..110)"
                + " overlaps point 'total' (input 110)");
  }

  @Test
  void aRangeThatRepeatsAnotherPointsNameIsReported() {
    String explicit =
        "- {name: relay_3, registerType: coil, address: 40, unit: '1', field: spare_on}";
    assertThat(problems(site(RELAYS, explicit)))
        .contains("t.yaml:15: profiles[0].points[1].name: duplicate point name 'relay_3'");
  }

  @Test
  void rangesWithoutAnIndexTagCollideOnTheirField() {
    assertThat(problems(site(RELAYS.replace("tags: {outlet: \"{n}\"}", "tags: {}"))))
        .contains("profiles[0].points[0].field: field 'pdu_outlet.relay_on' is already written");
  }

  @Test
  void malformedRangesAreReported() {
    assertThat(problems(site(RELAYS.replace("{1..8}", "{a..8}"))))
        .contains("t.yaml:7: profiles[0].points[0].name: a range is written {first..last}");
    assertThat(problems(site(RELAYS.replace("relay_{1..8}", "relay_{1..8}_{1..2}"))))
        .contains("holds two ranges");
  }

  // Whatever the range and the type (in a flow mapping, braces in a value need quotes), point i
  // sits at start + (i - first) x its width, and the
  // points neither repeat a name nor share a register.
  @Property(tries = 200)
  void everyPointOfARangeIsAtStartPlusIndexTimesWidth(
      @ForAll @IntRange(min = 0, max = 50) int first,
      @ForAll @IntRange(min = 0, max = 40) int extra,
      @ForAll("types") String type,
      @ForAll @IntRange(min = 1, max = 1000) int start)
      throws Exception {
    int last = first + extra;
    int width =
        switch (type) {
          case "int16", "uint16" -> 1;
          case "int32", "uint32", "float32" -> 2;
          default -> 4;
        };
    var points =
        points(
            site(
                "- {name: 'p_{%d..%d}', registerType: holding, address: %d, dataType: %s, unit: W,"
                        .formatted(first, last, start, type)
                    + " field: 'p_{n}_w'}"));
    assertThat(points).hasSize(extra + 1);
    for (int k = 0; k <= extra; k++) {
      Profile.ModbusPoint p = points.get(k);
      assertThat(p.name()).isEqualTo("p_" + (first + k));
      assertThat(p.field()).isEqualTo("p_" + (first + k) + "_w");
      assertThat(p.address()).isEqualTo(start + k * width);
    }
  }

  @Provide
  Arbitrary<String> types() {
    return Arbitraries.of(
        "int16", "uint16", "int32", "uint32", "float32", "int64", "uint64", "float64");
  }
}
