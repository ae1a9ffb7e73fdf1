package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Modbus request options, text points and counter specs in the site model. */
class ModbusOptionsTest {

  private static String site(String point, String source) {
    return """
        site: {name: T}
        profiles:
          - id: p
            source: modbus
            addressBase: one
            points:
              - %s
        devices:
          - {id: d1, kind: meter, profile: p, source: {type: modbus, host: 10.0.0.1%s}}
        """
        .formatted(point, source);
  }

  private static final String FLOAT =
      "{name: power, registerType: holding, address: 1, dataType: float32, unit: W, field: power_w}";

  private static SiteConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(yaml, "t.yaml", Path.of("/srv"), Map.of());
  }

  private static String problems(String yaml) {
    return catchThrowableOfType(ConfigException.class, () -> parse(yaml)).getMessage();
  }

  @Test
  void requestOptionsAreBoundWithDefaults() throws Exception {
    var plain = (Source.Modbus) parse(site(FLOAT, "")).device("d1").orElseThrow().source();
    assertThat(plain.requests()).isEqualTo(Source.ModbusRequests.DEFAULT);

    var tuned =
        (Source.Modbus)
            parse(
                    site(
                        FLOAT,
                        ", maxRegistersPerRequest: 32, maxGap: 0, pauseBetweenRequests: 20ms,"
                            + " requestTimeout: 500ms"))
                .device("d1")
                .orElseThrow()
                .source();
    assertThat(tuned.requests())
        .isEqualTo(new Source.ModbusRequests(32, 0, Duration.ofMillis(20), Duration.ofMillis(500)));
  }

  // A field engineer who knows the gateway queues requests itself gives each unit a connection.
  @Test
  void silentUnitTimeoutAndConnectionAreBound() throws Exception {
    var tuned =
        (Source.Modbus)
            parse(site(FLOAT, ", silentUnitTimeout: 150ms, connection: per-unit"))
                .device("d1")
                .orElseThrow()
                .source();
    assertThat(tuned.requests().silentUnitTimeout()).isEqualTo(Duration.ofMillis(150));
    assertThat(tuned.requests().connection()).isEqualTo(Source.ModbusConnection.PER_UNIT);
    assertThat(Source.ModbusRequests.DEFAULT.silentUnitTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(Source.ModbusRequests.DEFAULT.connection())
        .isEqualTo(Source.ModbusConnection.SHARED);

    assertThat(problems(site(FLOAT, ", silentUnitTimeout: 0s, connection: each")))
        .contains("silentUnitTimeout: must be positive")
        .contains("connection: invalid value 'each'; allowed: shared, per-unit");
  }

  @Test
  void requestOptionsOutOfRangeAreReported() {
    String message =
        problems(
            site(FLOAT, ", maxRegistersPerRequest: 126, maxGap: -1, pauseBetweenRequests: 0s"));
    assertThat(message)
        .contains("maxRegistersPerRequest")
        .contains("maxGap")
        .contains("pauseBetweenRequests");
  }

  @Test
  void aStringPointNeedsALengthThatFitsOnTheWire() throws Exception {
    var ok =
        parse(
            site(
                "{name: serial, registerType: holding, address: 10, dataType: string, length: 8,"
                    + " unit: '1', field: serial}",
                ""));
    var point = ((Profile.Modbus) ok.profile("p").orElseThrow()).points().getFirst();
    assertThat(point.dataType()).isEqualTo(Profile.DataType.STRING);
    assertThat(point.registers()).isEqualTo(8);

    assertThat(
            problems(
                site(
                    "{name: s, registerType: holding, address: 10, dataType: string, unit: '1',"
                        + " field: s}",
                    "")))
        .contains("length: is required for a string");
    assertThat(
            problems(
                site(
                    "{name: s, registerType: holding, address: 65530, dataType: string, length: 8,"
                        + " unit: '1', field: s}",
                    "")))
        .contains("for a 8-register value");
    assertThat(
            problems(
                site(
                    "{name: s, registerType: holding, address: 1, dataType: uint16, length: 2,"
                        + " unit: '1', field: s}",
                    "")))
        .contains("applies only to dataType string");
  }

  @Test
  void counterSpecTellsAWrapFromAReset() {
    var kwh32 = new Profile.CounterSpec(32, 0.001);
    assertThat(kwh32.wrapSpan()).isEqualTo(4294967.296);
    // 4294967.290 kWh, then 0.007 kWh: wrapped, 13 Wh more.
    assertThat(kwh32.increase(4294967.290, 0.007))
        .isCloseTo(0.013, org.assertj.core.data.Offset.offset(1e-6));
    // A meter reset from 1000 kWh to 2.5 kWh: the increase is what it counted since.
    assertThat(kwh32.increase(1000, 2.5)).isEqualTo(2.5);
    assertThat(kwh32.increase(5, 7)).isEqualTo(2);
    // A float counter cannot wrap: every drop is a reset.
    assertThat(Profile.CounterSpec.UNBOUNDED.increase(1e12, 3)).isEqualTo(3);
    // The width comes from the data type.
    var point =
        new Profile.ModbusPoint(
            "e",
            Profile.RegisterType.HOLDING,
            0,
            Profile.DataType.INT64,
            Profile.WordOrder.ABCD,
            0.001,
            0,
            "kWh",
            Profile.PointKind.COUNTER,
            null,
            "energy_kwh",
            Map.of());
    assertThat(point.counter()).isEqualTo(new Profile.CounterSpec(64, 0.001));
  }
}
