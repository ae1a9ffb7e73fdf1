package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** Devices whose readings are pushed as line protocol and recognised by their tags. */
class PushSourceTest {

  private static SiteConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(yaml, "site.yaml", Path.of("/srv/kilowatch"), Map.of());
  }

  private static java.util.List<String> problems(String yaml) {
    var e = catchThrowableOfType(ConfigException.class, () -> parse(yaml));
    assertThat(e).as("must fail").isNotNull();
    return e.problems().stream().map(ConfigProblem::toString).toList();
  }

  @Test
  void aPushDeviceIsReadWithItsMatchMeasurementAndCounterWidths() throws ConfigException {
    SiteConfig site =
        parse(
            """
            site: {name: S}
            devices:
              - id: it_A
                kind: meter
                interval: 1m
                tags: {feed: a}
                source:
                  type: push
                  match: {meter: it_A}
                  measurement: energy
                  counterWidth: {energy_kwh: 4294967.296}
              - {id: it_B, kind: meter, source: {type: push, match: {meter: it_B, bus: "2"}}}
            """);

    Device a = site.device("it_A").orElseThrow();
    assertThat(a.profile()).isNull();
    assertThat(a.interval()).isEqualTo(Duration.ofMinutes(1));
    var push = (Source.Push) a.source();
    assertThat(push.match()).isEqualTo(Map.of("meter", "it_A"));
    assertThat(push.measurement()).isEqualTo("energy");
    assertThat(push.counterWidth("energy_kwh")).isEqualTo(OptionalDouble.of(4294967.296));
    assertThat(push.counterWidth("power_w")).isEmpty();
    var b = (Source.Push) site.device("it_B").orElseThrow().source();
    assertThat(b).isEqualTo(new Source.Push(Map.of("meter", "it_B", "bus", "2")));
    assertThat(b.measurement()).isNull();
    assertThat(b.counterWidth()).isEmpty();
  }

  @Test
  void aLineMatchesWhenItCarriesEveryTagOfTheMatchAndTheMeasurementIfGiven() {
    var any = new Source.Push(Map.of("meter", "it_A"));
    var energyOnly = new Source.Push(Map.of("meter", "it_A"), "energy", Map.of());

    assertThat(any.matches("power", Map.of("meter", "it_A", "phase", "L1"))).isTrue();
    assertThat(any.matches("power", Map.of("meter", "it_B"))).isFalse();
    assertThat(any.matches("power", Map.of("phase", "L1"))).isFalse();
    assertThat(energyOnly.matches("energy", Map.of("meter", "it_A"))).isTrue();
    assertThat(energyOnly.matches("power", Map.of("meter", "it_A"))).isFalse();
  }

  @Test
  void matchesOverlapUnlessATagOrTheMeasurementTellsThemApart() {
    var a = new Source.Push(Map.of("meter", "a"));
    assertThat(a.overlaps(new Source.Push(Map.of("meter", "b")))).isFalse();
    assertThat(a.overlaps(new Source.Push(Map.of("rack", "r1")))).isTrue();
    assertThat(a.overlaps(new Source.Push(Map.of("meter", "a", "phase", "L1")))).isTrue();
    assertThat(
            new Source.Push(Map.of("meter", "a"), "energy", Map.of())
                .overlaps(new Source.Push(Map.of("meter", "a"), "power", Map.of())))
        .isFalse();
    assertThat(
            new Source.Push(Map.of("meter", "a"), "energy", Map.of())
                .overlaps(new Source.Push(Map.of("meter", "a"))))
        .isTrue();
  }

  @Test
  void twoPushDevicesThatCanSelectTheSameLineAreOneProblemNamingBoth() {
    var found =
        problems(
            """
            site: {name: S}
            devices:
              - {id: it_A, kind: meter, source: {type: push, match: {meter: it_A}}}
              - {id: it_B, kind: meter, source: {type: push, match: {meter: it_B}}}
              - {id: row_1, kind: meter, source: {type: push, match: {row: "1"}}}
              - {id: it_A2, kind: meter, source: {type: push, match: {meter: it_A}, measurement: power}}
              - {id: e_A, kind: meter, source: {type: push, match: {meter: it_A}, measurement: energy}}
            """);

    // row_1 and it_A overlap (a line tagged meter=it_A,row=1); it_A2 and it_A share the match;
    // e_A overlaps it_A (no measurement) and row_1 but not it_A2 (another measurement).
    assertThat(found)
        .containsExactly(
            "site.yaml:5: devices[2].source.match: push devices 'it_A' (site.yaml:3) and 'row_1'"
                + " can both select the same line (one tagged meter=it_A,row=1); give them one tag"
                + " with different values",
            "site.yaml:6: devices[3].source.match: push devices 'it_A' (site.yaml:3) and 'it_A2'"
                + " can both select the same line (one tagged meter=it_A); give them one tag with"
                + " different values",
            "site.yaml:7: devices[4].source.match: push devices 'it_A' (site.yaml:3) and 'e_A'"
                + " can both select the same line (one tagged meter=it_A); give them one tag with"
                + " different values");
  }

  @Test
  void matchIsRequiredAndNotEmptyCounterWidthsArePositiveAndThereIsNoProfileNorTimeout() {
    var found =
        problems(
            """
            site: {name: S}
            profiles:
              - id: m
                source: modbus
                addressBase: zero
                points:
                  - {name: p, registerType: holding, address: 0, dataType: float32, unit: W, field: power_w}
            devices:
              - {id: a, kind: meter, source: {type: push}}
              - {id: b, kind: meter, source: {type: push, match: {}}}
              - id: c
                kind: meter
                source:
                  type: push
                  match: {meter: c}
                  counterWidth: {energy_kwh: -1, energy_wh: lots}
              - {id: d, kind: meter, profile: m, timeout: 2s, source: {type: push, match: {meter: d}}}
              - {id: e, kind: meter, source: {type: push, match: {meter: e}, host: x}}
            """);

    assertThat(found)
        .containsExactly(
            "site.yaml:9: devices[0].source.match: is required (the tags that select this"
                + " device's lines, e.g. {meter: it_A})",
            "site.yaml:10: devices[1].source.match: must name at least one tag, e.g. {meter:"
                + " it_A}",
            "site.yaml:16: devices[2].source.counterWidth.energy_kwh: must be positive: the"
                + " counter's range in the field's unit (a 32-bit Wh register read as kWh:"
                + " 4294967.296), got '-1'",
            "site.yaml:16: devices[2].source.counterWidth.energy_wh: expected a number, got"
                + " 'lots'",
            "site.yaml:17: devices[3].profile: pushed lines carry their own fields; remove"
                + " profile",
            "site.yaml:17: devices[3].timeout: a push device is not polled, so it has no timeout;"
                + " interval is how often its readings are expected",
            "site.yaml:18: devices[4].source.host: unknown key 'host'; allowed here: counterWidth,"
                + " match, measurement, type, units");
  }
}
