package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.OpcUaPoint;
import io.kilowatch.config.Profile.PointKind;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Units;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.opcua.FakeVariable;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.opcua.OpcUaFakeSetup;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.milo.opcua.sdk.core.CefactEngineeringUnits;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Units, ranges and state names a Milo server declares in its nodes' standard properties, and the
 * points' scale and offset, against a server in the test JVM. The units on the server come from
 * Milo's own UNECE table, so the collector's unpacking of unit ids is checked against it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpcUaUnitsTest {
  private static final String NS = "nsu=" + OpcUaFakeServer.DEMO_URI + ";s=cdu-7/";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private OpcUaFakeServer server;
  private OpcUaCollector collector;
  private final Recorder units = new Recorder();

  /** What the collector told the application. */
  private static final class Recorder implements PointUnitListener {
    record Declared(String device, String measurement, String field, PointUnit unit) {}

    record Mismatch(String device, String point, PointUnit configured, String server, String why) {}

    final List<Declared> declared = new CopyOnWriteArrayList<>();
    final List<Mismatch> mismatches = new CopyOnWriteArrayList<>();

    @Override
    public void declared(String deviceId, String measurement, String field, PointUnit unit) {
      declared.add(new Declared(deviceId, measurement, field, unit));
    }

    @Override
    public void mismatch(
        String deviceId, String point, PointUnit configured, Units.Parsed server, String message) {
      mismatches.add(new Mismatch(deviceId, point, configured, server.code(), message));
    }
  }

  @BeforeAll
  void startServer() throws Exception {
    server =
        new OpcUaFakeServer(
            OpcUaFakeSetup.of(
                List.of(
                    stored("HeatRemoved", 12.5)
                        .withEngineeringUnits(CefactEngineeringUnits.CODE_KWT)
                        .withRange(0, 50),
                    stored("SupplyTemp", 291.15)
                        .withEngineeringUnits(CefactEngineeringUnits.CODE_KEL),
                    stored("ReturnTemp", 300.0)
                        .withEngineeringUnits(CefactEngineeringUnits.CODE_KEL),
                    stored("PumpPower", 2500.0)
                        .withEngineeringUnits(CefactEngineeringUnits.CODE_WTT),
                    FakeVariable.stored("cdu-7/Leak", new DataValue(new Variant(true)))
                        .withTwoStates("Dry", "Leak"),
                    FakeVariable.stored("cdu-7/Mode", new DataValue(new Variant(Unsigned.uint(2))))
                        .withEnumStrings("Off", "Auto", "Manual"),
                    FakeVariable.stored("cdu-7/Breaker", new DataValue(new Variant(3)))
                        .withEnumValues(Map.of(1L, "Open", 3L, "Closed", 7L, "Tripped")),
                    FakeVariable.stored("cdu-7/PumpRunning", new DataValue(new Variant(true))),
                    stored("ValveAngle", 0.5).withEngineeringUnits(CefactEngineeringUnits.CODE_C81),
                    stored("Plain", 4.0))));
  }

  private static FakeVariable stored(String name, double value) {
    return FakeVariable.stored("cdu-7/" + name, new DataValue(new Variant(value)));
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @AfterEach
  void closeCollector() {
    if (collector != null) {
      collector.close();
    }
    units.declared.clear();
    units.mismatches.clear();
  }

  /** A point configured with everything the unit model has. */
  private static OpcUaPoint point(
      String name, String node, String unit, String field, double scale, double offset) {
    return new OpcUaPoint(
        name,
        NS + node,
        unit,
        PointKind.GAUGE,
        "cooling_loop",
        field,
        Map.of(),
        null,
        null,
        scale,
        offset,
        null,
        null);
  }

  private static OpcUaPoint point(String name, String node, String unit, String field) {
    return point(name, node, unit, field, 1, 0);
  }

  private OpcUaCollector collector(OpcUaOptions.Mode mode, OpcUaPoint... points) {
    var profile = new Profile.OpcUa("units-cdu", List.of(points));
    var options =
        new OpcUaOptions(
            mode,
            null,
            Duration.ofMillis(50),
            10,
            OpcUaOptions.Timestamps.SOURCE,
            null,
            null,
            false,
            null);
    var source =
        new Source.OpcUa(
            URI.create(server.endpoint()), Source.SecurityPolicy.NONE, null, null, options);
    Device device =
        TestSites.device("cdu-7", DeviceKind.CDU, new Location("c1", null), profile.id(), source);
    SiteConfig site = TestSites.site(List.of(profile), List.of(device));
    collector = new OpcUaCollector(device, source, profile, site, Clock.systemUTC(), units);
    return collector;
  }

  /** Scaled values are products of binary fractions: compare them to a billionth. */
  private static int compareNear(double a, double b) {
    return Math.abs(a - b) <= 1e-9 ? 0 : Double.compare(a, b);
  }

  private static boolean near(List<Sample> samples, String field, double value) {
    return Polls.values(samples, field).stream().anyMatch(v -> compareNear(v, value) == 0);
  }

  private static double value(List<Sample> samples, String field) {
    return Polls.fields(samples, Quality.GOOD).get(field);
  }

  @Test
  void aPointWithoutAUnitTakesTheUnitTheServerDeclaresAndItsRangeIsRead() throws Exception {
    // The series catalog must learn kW, or every consumer would have to guess what 12.5 is.
    var c = collector(OpcUaOptions.Mode.POLL, point("heat", "HeatRemoved", null, "heat_removed"));

    List<Sample> samples = Polls.once(c);

    assertThat(value(samples, "heat_removed")).isEqualTo(12.5);
    assertThat(units.declared)
        .containsExactly(
            new Recorder.Declared("cdu-7", "cooling_loop", "heat_removed", PointUnit.of("kW")));
    ServerDeclaration heat = c.serverDeclarations().get("heat");
    assertThat(heat.unitCode()).isEqualTo("KWT");
    assertThat(heat.unitName()).isEqualTo("kW");
    assertThat(heat.range()).isEqualTo(new ServerDeclaration.Range(0, 50));
    assertThat(units.mismatches).isEmpty();
    assertThat(c.unitWarnings()).isEmpty();
  }

  @Test
  void aConfiguredUnitTheServerContradictsIsKeptAndWarnedAboutNamingBothUnits() throws Exception {
    // The operator's unit stands (and the value is not converted), but someone must look at it.
    var c =
        collector(OpcUaOptions.Mode.POLL, point("supply", "SupplyTemp", "Cel", "supply_temp_c"));

    List<Sample> samples = Polls.once(c);

    assertThat(value(samples, "supply_temp_c")).isEqualTo(291.15);
    assertThat(units.declared).isEmpty();
    assertThat(units.mismatches).hasSize(1);
    var m = units.mismatches.getFirst();
    assertThat(m.device()).isEqualTo("cdu-7");
    assertThat(m.point()).isEqualTo("supply");
    assertThat(m.configured()).isEqualTo(PointUnit.of("Cel"));
    assertThat(m.server()).isEqualTo("K");
    assertThat(m.why()).contains("cdu-7", "supply", "°C", "the server's K", "KEL");
    assertThat(c.unitWarnings().get("supply")).isEqualTo(m.why());
  }

  @Test
  void twoStateAndMultiStateNodesNameTheStatesOfPointsConfiguredWithoutThem() throws Exception {
    var c =
        collector(
            OpcUaOptions.Mode.POLL,
            point("leak", "Leak", null, "leak"),
            point("mode", "Mode", null, "mode"),
            point("breaker", "Breaker", "1", "breaker"));

    List<Sample> samples = Polls.once(c);

    assertThat(Polls.fields(samples, Quality.GOOD))
        .containsExactlyInAnyOrderEntriesOf(Map.of("leak", 1.0, "mode", 2.0, "breaker", 3.0));
    // FalseState names 0 and TrueState 1; EnumStrings name their indexes; EnumValues their values.
    assertThat(units.declared)
        .containsExactlyInAnyOrder(
            new Recorder.Declared(
                "cdu-7",
                "cooling_loop",
                "leak",
                PointUnit.of("1", null, Map.of(0L, "Dry", 1L, "Leak"))),
            new Recorder.Declared(
                "cdu-7",
                "cooling_loop",
                "mode",
                PointUnit.of("1", null, Map.of(0L, "Off", 1L, "Auto", 2L, "Manual"))),
            new Recorder.Declared(
                "cdu-7",
                "cooling_loop",
                "breaker",
                PointUnit.of("1", null, Map.of(1L, "Open", 3L, "Closed", 7L, "Tripped"))));
  }

  @Test
  void configuredStatesWinOverTheServers() throws Exception {
    var configured =
        new OpcUaPoint(
            "leak",
            NS + "Leak",
            "1",
            PointKind.GAUGE,
            "cooling_loop",
            "leak",
            Map.of(),
            null,
            null,
            1,
            0,
            null,
            new java.util.TreeMap<>(Map.of(0L, "OK", 1L, "Wet")));
    var c = collector(OpcUaOptions.Mode.POLL, configured);

    Polls.once(c);

    assertThat(units.declared).isEmpty();
    assertThat(c.serverDeclarations().get("leak").states())
        .containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of(0L, "Dry", 1L, "Leak")));
  }

  @Test
  void scaleAndOffsetApplyToNumbersButNotToBooleansAndAgreeWithTheServersUnit() throws Exception {
    // 2500 W × 0.001 = 2.5 kW; 300 K × 1 − 273.15 = 26.85 °C; a boolean stays 1 whatever the scale.
    var c =
        collector(
            OpcUaOptions.Mode.POLL,
            point("pump-power", "PumpPower", "kW", "pump_power_kw", 0.001, 0),
            point("return", "ReturnTemp", "Cel", "return_temp_c", 1, -273.15),
            point("running", "PumpRunning", null, "pump_running", 10, 5));

    List<Sample> samples = Polls.once(c);

    assertThat(value(samples, "pump_power_kw")).isCloseTo(2.5, within(1e-12));
    assertThat(value(samples, "return_temp_c")).isCloseTo(26.85, within(1e-9));
    assertThat(value(samples, "pump_running")).isEqualTo(1.0);
    // W scaled by 0.001 is kW, K shifted by −273.15 is °C: no mismatch to report.
    assertThat(units.mismatches).isEmpty();
    assertThat(c.unitWarnings()).isEmpty();
  }

  @Test
  void aScaledPointWithoutAUnitDoesNotTakeTheServersUnitOfTheUnscaledValue() throws Exception {
    var c =
        collector(
            OpcUaOptions.Mode.POLL, point("pump-power", "PumpPower", null, "pump_power", 0.001, 0));

    List<Sample> samples = Polls.once(c);

    assertThat(value(samples, "pump_power")).isCloseTo(2.5, within(1e-12));
    assertThat(units.declared).isEmpty();
    assertThat(c.unitWarnings().get("pump-power"))
        .contains("W", "before scale 0.001", "configure the unit");
  }

  @Test
  void anUnknownUnitCodeIsIgnoredAndANodeWithoutPropertiesIsNormal() throws Exception {
    var c =
        collector(
            OpcUaOptions.Mode.POLL,
            point("valve", "ValveAngle", null, "valve"),
            point("plain", "Plain", null, "plain"));

    List<Sample> samples = Polls.once(c);

    assertThat(Polls.fields(samples, Quality.GOOD))
        .containsExactlyInAnyOrderEntriesOf(Map.of("valve", 0.5, "plain", 4.0));
    assertThat(units.declared).isEmpty();
    assertThat(c.serverDeclarations().get("valve").unitCode()).isEqualTo("C81");
    assertThat(c.serverDeclarations().get("valve").unit()).isNull();
    assertThat(c.unitWarnings().get("valve")).contains("C81", "rad");
    assertThat(c.serverDeclarations().get("plain").isEmpty()).isTrue();
    assertThat(c.unitWarnings()).doesNotContainKey("plain");
    assertThat(c.pointErrors()).isEmpty();
  }

  @Test
  void subscriptionValuesAreScaledAndTheAbsoluteDeadbandIsInTheStoredUnit() throws Exception {
    // Deadband 1 kW on a node in W: the server must be asked for 1000 W, not 1 W.
    var pump =
        new OpcUaPoint(
            "pump-power",
            NS + "PumpPower",
            "kW",
            PointKind.GAUGE,
            "cooling_loop",
            "pump_power_kw",
            Map.of(),
            null,
            new Profile.Deadband(Profile.DeadbandType.ABSOLUTE, 1.0),
            0.001,
            0,
            null,
            null);
    var c =
        collector(
            OpcUaOptions.Mode.SUBSCRIBE, pump, point("raw", "PumpPower", "W", "pump_power_w"));
    var seen = new ArrayList<Sample>();
    try {
      seen.addAll(
          Polls.until(
              c, WAIT, s -> near(s, "pump_power_kw", 2.5) && Polls.has(s, "pump_power_w", 2500.0)));

      // +400 W = 0.4 kW: under the deadband.
      server.set("cdu-7/PumpPower", new DataValue(new Variant(2900.0)));
      seen.addAll(Polls.until(c, WAIT, s -> Polls.has(s, "pump_power_w", 2900.0)));
      // +1200 W from the last reported 2500 W = 1.2 kW: over it.
      server.set("cdu-7/PumpPower", new DataValue(new Variant(3700.0)));
      seen.addAll(Polls.until(c, WAIT, s -> near(s, "pump_power_kw", 3.7)));
    } finally {
      server.set("cdu-7/PumpPower", new DataValue(new Variant(2500.0)));
    }

    assertThat(Polls.values(seen, "pump_power_w")).contains(2500.0, 2900.0, 3700.0);
    assertThat(Polls.changes(Polls.values(seen, "pump_power_kw")))
        .usingElementComparator(OpcUaUnitsTest::compareNear)
        .containsExactly(2.5, 3.7);
  }
}
