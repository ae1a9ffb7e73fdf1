package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.OpcUaPoint;
import io.kilowatch.config.Profile.PointKind;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.opcua.OpcUaFakeSetup;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The OPC UA collector against a Milo server running in the test JVM. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpcUaCollectorTest {
  private static final String NS = "nsu=" + OpcUaFakeServer.DEMO_URI + ";s=";

  /** Ample for a cold JVM on a busy machine; passing runs take a fraction of it. */
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static final Instant SOURCE_TIME = Instant.parse("2020-01-01T00:00:00Z");
  private static final Instant SERVER_TIME = Instant.parse("2021-01-01T00:00:00Z");

  private OpcUaFakeServer server;
  private OpcUaCollector collector;

  @BeforeAll
  void startServer() throws Exception {
    var variables =
        Map.of(
            "cdu-7/SecondarySupplyTemp", new DataValue(new Variant(18.5)),
            "cdu-7/SecondaryReturnTemp",
                new DataValue(Variant.NULL_VALUE, new StatusCode(StatusCodes.Bad_SensorFailure)),
            "cdu-7/SecondaryFlow",
                new DataValue(
                    new Variant(120.0f), new StatusCode(StatusCodes.Uncertain_LastUsableValue)),
            "cdu-7/PumpRunning", new DataValue(new Variant(true)),
            "cdu-7/PumpSpeed", new DataValue(new Variant(1450)),
            "cdu-7/Label", new DataValue(new Variant("pump A")),
            "cdu-7/Pressure", new DataValue(new Variant(100.0)),
            "cdu-7/Level", new DataValue(new Variant(50.0)),
            "cdu-7/Stamped",
                new DataValue(
                    new Variant(7.0),
                    StatusCode.GOOD,
                    new DateTime(SOURCE_TIME),
                    new DateTime(SERVER_TIME)),
            "shared/Temp", new DataValue(new Variant(1.0)));
    // Reads of more than three nodes are refused: polling must batch.
    server =
        new OpcUaFakeServer(
            OpcUaFakeSetup.of(variables)
                .withOtherNamespace(Map.of("shared/Temp", new DataValue(new Variant(2.0))))
                .withAdvertisedHost(OpcUaFakeServer.UNRESOLVABLE_HOST)
                .withUser("operator", "secret")
                .withMaxNodesPerRead(3));
  }

  @AfterAll
  void stopServer() throws Exception {
    server.close();
  }

  @AfterEach
  void closeCollector() {
    if (collector != null) {
      collector.close();
    }
  }

  static OpcUaPoint point(String name, String nodeId, String field) {
    return new OpcUaPoint(name, nodeId, null, PointKind.GAUGE, "cooling_loop", field, Map.of());
  }

  static OpcUaPoint pathPoint(String name, String path, String field) {
    return new OpcUaPoint(
        name, null, null, PointKind.GAUGE, "cooling_loop", field, Map.of(), path, null);
  }

  private static OpcUaOptions options(OpcUaOptions.Mode mode, OpcUaOptions.Timestamps ts) {
    return new OpcUaOptions(mode, null, Duration.ofMillis(50), 10, ts, null, null, false, null);
  }

  private OpcUaCollector collector(List<OpcUaPoint> points, OpcUaOptions options) {
    return collector(points, server.endpoint(), null, null, options);
  }

  private OpcUaCollector collector(
      List<OpcUaPoint> points, String endpoint, String user, String pw, OpcUaOptions options) {
    var profile = new Profile.OpcUa("demo-cdu", points);
    var source =
        new Source.OpcUa(URI.create(endpoint), Source.SecurityPolicy.NONE, user, pw, options);
    Device device =
        TestSites.device("cdu-7", DeviceKind.CDU, new Location("c1", null), profile.id(), source);
    collector =
        new OpcUaCollector(
            device,
            source,
            profile,
            TestSites.site(List.of(profile), List.of(device)),
            Clock.systemUTC());
    return collector;
  }

  private static Sample only(List<Sample> samples, Quality q) {
    return samples.stream().filter(s -> s.quality() == q).findFirst().orElseThrow();
  }

  private static final List<OpcUaPoint> MIXED =
      List.of(
          point("supply", NS + "{device}/SecondarySupplyTemp", "supply_temp_c"),
          point("return", NS + "{device}/SecondaryReturnTemp", "return_temp_c"),
          point("flow", NS + "{device}/SecondaryFlow", "flow_lpm"),
          point("missing", NS + "{device}/NoSuchNode", "ghost"),
          point("running", NS + "{device}/PumpRunning", "pump_running"),
          point("speed", NS + "{device}/PumpSpeed", "pump_rpm"),
          point("label", NS + "{device}/Label", "label"));

  @Test
  void pollingReadsInBatchesWithinTheServerLimitAndKeepsEachStatus() throws Exception {
    var c = collector(MIXED, options(OpcUaOptions.Mode.POLL, OpcUaOptions.Timestamps.SOURCE));

    List<Sample> samples = Polls.once(c);

    Sample good = only(samples, Quality.GOOD);
    assertThat(good.measurement()).isEqualTo("cooling_loop");
    assertThat(good.tags())
        .containsEntry("device", "cdu-7")
        .containsEntry("cluster", "c1")
        .doesNotContainKey("rack");
    // Each value keeps its own source timestamp, so the fields may come in several samples.
    assertThat(Polls.fields(samples, Quality.GOOD))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("supply_temp_c", 18.5, "pump_running", 1.0, "pump_rpm", 1450.0));
    assertThat(Polls.fields(samples, Quality.UNCERTAIN))
        .containsExactlyInAnyOrderEntriesOf(Map.of("flow_lpm", 120.0));
    // Bad status, unknown node and a string are all BAD points, while the rest flowed.
    assertThat(samples.stream().filter(s -> s.quality() == Quality.BAD))
        .flatMap(s -> s.fields().keySet())
        .containsExactlyInAnyOrder("return_temp_c", "ghost", "label");
    assertThat(c.pointErrors().get("return"))
        .contains("Bad_SensorFailure")
        .contains(NS + "cdu-7/SecondaryReturnTemp");
    assertThat(c.pointErrors().get("missing"))
        .contains("Bad_NodeIdUnknown")
        .contains(NS + "cdu-7/NoSuchNode");
    assertThat(c.pointErrors().get("label")).contains("not a number").contains("(status Good)");
  }

  @Test
  void subscriptionDeliversEveryPointWithItsQualityAndReportsAMissingNodePerPoint()
      throws Exception {
    var c = collector(MIXED, options(OpcUaOptions.Mode.SUBSCRIBE, OpcUaOptions.Timestamps.SOURCE));

    List<Sample> samples =
        Polls.until(
            c,
            WAIT,
            s ->
                Polls.has(s, "pump_rpm", Quality.GOOD)
                    && Polls.has(s, "supply_temp_c", Quality.GOOD)
                    && Polls.has(s, "pump_running", Quality.GOOD)
                    && Polls.has(s, "flow_lpm", Quality.UNCERTAIN)
                    && Polls.has(s, "return_temp_c", Quality.BAD)
                    && Polls.has(s, "label", Quality.BAD)
                    && Polls.has(s, "ghost", Quality.BAD));

    assertThat(Polls.values(samples, "supply_temp_c")).contains(18.5);
    assertThat(Polls.values(samples, "flow_lpm")).contains(120.0);
    assertThat(Polls.has(samples, "ghost", Quality.BAD)).isTrue();
    assertThat(Polls.has(samples, "return_temp_c", Quality.BAD)).isTrue();
    assertThat(Polls.has(samples, "label", Quality.BAD)).isTrue();
    assertThat(c.pointErrors().get("missing")).contains("Bad_NodeIdUnknown");
    assertThat(c.pointErrors().get("return")).contains("Bad_SensorFailure");
    assertThat(c.notificationCount()).isGreaterThanOrEqualTo(5);
  }

  @Test
  void subscriptionDeliversChangesAsTheyHappen() throws Exception {
    var c =
        collector(
            List.of(point("level", NS + "{device}/Level", "level_pct")),
            options(OpcUaOptions.Mode.SUBSCRIBE, OpcUaOptions.Timestamps.SOURCE));
    assertThat(
            Polls.has(
                Polls.until(c, WAIT, s -> Polls.has(s, "level_pct", 50.0)), "level_pct", 50.0))
        .isTrue();

    server.set("cdu-7/Level", new DataValue(new Variant(61.5)));

    assertThat(
            Polls.values(Polls.until(c, WAIT, s -> Polls.has(s, "level_pct", 61.5)), "level_pct"))
        .contains(61.5);
    server.set("cdu-7/Level", new DataValue(new Variant(50.0)));
  }

  @Test
  void deadbandSuppressesChangesSmallerThanItWhileAPointWithoutOneSeesThem() throws Exception {
    var withDeadband =
        new OpcUaPoint(
            "pressure",
            NS + "{device}/Pressure",
            "kPa",
            PointKind.GAUGE,
            "cooling_loop",
            "pressure_kpa",
            Map.of(),
            null,
            new Profile.Deadband(Profile.DeadbandType.ABSOLUTE, 1.0));
    var c =
        collector(
            List.of(withDeadband, point("raw", NS + "{device}/Pressure", "pressure_raw")),
            options(OpcUaOptions.Mode.SUBSCRIBE, OpcUaOptions.Timestamps.SOURCE));
    var seen = new java.util.ArrayList<Sample>();
    seen.addAll(
        Polls.until(
            c,
            WAIT,
            s -> Polls.has(s, "pressure_kpa", 100.0) && Polls.has(s, "pressure_raw", 100.0)));

    server.set("cdu-7/Pressure", new DataValue(new Variant(100.4)));
    seen.addAll(Polls.until(c, WAIT, s -> Polls.has(s, "pressure_raw", 100.4)));
    server.set("cdu-7/Pressure", new DataValue(new Variant(101.5)));
    seen.addAll(Polls.until(c, WAIT, s -> Polls.has(s, "pressure_kpa", 101.5)));

    assertThat(Polls.values(seen, "pressure_raw")).contains(100.0, 100.4, 101.5);
    assertThat(Polls.changes(Polls.values(seen, "pressure_kpa"))).containsExactly(100.0, 101.5);
    server.set("cdu-7/Pressure", new DataValue(new Variant(100.0)));
  }

  @Test
  void percentDeadbandOnANodeWithoutRangeIsABadPointWhileTheOthersFlow() throws Exception {
    var percent =
        new OpcUaPoint(
            "level",
            NS + "{device}/Level",
            "%",
            PointKind.GAUGE,
            "cooling_loop",
            "level_pct",
            Map.of(),
            null,
            new Profile.Deadband(Profile.DeadbandType.PERCENT, 2));
    var c =
        collector(
            List.of(percent, point("supply", NS + "{device}/SecondarySupplyTemp", "supply_temp_c")),
            options(OpcUaOptions.Mode.SUBSCRIBE, OpcUaOptions.Timestamps.SOURCE));

    List<Sample> samples =
        Polls.until(
            c,
            WAIT,
            s ->
                Polls.has(s, "supply_temp_c", Quality.GOOD)
                    && Polls.has(s, "level_pct", Quality.BAD));

    assertThat(Polls.has(samples, "supply_temp_c", 18.5)).isTrue();
    assertThat(Polls.has(samples, "level_pct", Quality.BAD)).isTrue();
    assertThat(c.pointErrors().get("level")).contains("when subscribing to");
  }

  @Test
  void browsePathsAreResolvedOnConnectAndAnAmbiguousOneIsABadPointNamingTheChoices()
      throws Exception {
    int demo = server.namespaceIndex();
    var c =
        collector(
            List.of(
                pathPoint("supply", "Objects/{device}/SecondarySupplyTemp", "supply_temp_c"),
                pathPoint("speed", "/Objects/cdu-7/PumpSpeed", "pump_rpm"),
                pathPoint("ambiguous", "Objects/shared/Temp", "shared_any"),
                pathPoint(
                    "qualified", "Objects/" + demo + ":shared/" + demo + ":Temp", "shared_demo"),
                pathPoint("nowhere", "Objects/{device}/NoSuchThing", "nowhere")),
            options(OpcUaOptions.Mode.POLL, OpcUaOptions.Timestamps.SOURCE));

    List<Sample> samples = Polls.once(c);

    assertThat(Polls.fields(samples, Quality.GOOD))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("supply_temp_c", 18.5, "pump_rpm", 1450.0, "shared_demo", 1.0));
    assertThat(Polls.fields(samples, Quality.BAD)).containsOnlyKeys("shared_any", "nowhere");
    assertThat(c.pointErrors().get("ambiguous"))
        .startsWith("Bad_BrowseNameDuplicated")
        .contains("ambiguous")
        .contains(demo + ":shared");
    assertThat(c.pointErrors().get("nowhere"))
        .startsWith("Bad_NoMatch")
        .contains("no NoSuchThing under Objects/cdu-7")
        .contains("Objects/cdu-7/NoSuchThing");
  }

  @Test
  void sampleTimeIsTheSourceTimestampOrTheServerTimestampAsConfigured() throws Exception {
    var points = List.of(point("stamped", NS + "{device}/Stamped", "stamped"));
    var bySource =
        collector(points, options(OpcUaOptions.Mode.POLL, OpcUaOptions.Timestamps.SOURCE));
    assertThat(only(Polls.once(bySource), Quality.GOOD).time()).isEqualTo(SOURCE_TIME);
    bySource.close();

    var byServer =
        collector(points, options(OpcUaOptions.Mode.SUBSCRIBE, OpcUaOptions.Timestamps.SERVER));
    List<Sample> pushed = Polls.until(byServer, WAIT, s -> Polls.has(s, "stamped", 7.0));
    assertThat(only(pushed, Quality.GOOD).time()).isNotEqualTo(SOURCE_TIME);
  }

  @Test
  void namespaceUnknownToTheServerMakesOnlyThatPointBad() throws Exception {
    var c =
        collector(
            List.of(
                point("supply", NS + "{device}/SecondarySupplyTemp", "supply_temp_c"),
                point("elsewhere", "nsu=urn:not:on:server;s=x", "other")),
            options(OpcUaOptions.Mode.SUBSCRIBE, OpcUaOptions.Timestamps.SOURCE));

    List<Sample> samples =
        Polls.until(
            c,
            WAIT,
            s -> Polls.has(s, "supply_temp_c", Quality.GOOD) && Polls.has(s, "other", Quality.BAD));

    assertThat(Polls.has(samples, "supply_temp_c", 18.5)).isTrue();
    assertThat(Polls.has(samples, "other", Quality.BAD)).isTrue();
    assertThat(c.pointErrors().get("elsewhere"))
        .startsWith("Bad_NodeIdUnknown")
        .contains("namespace urn:not:on:server")
        .contains("nsu=urn:not:on:server;s=x");
  }

  @Test
  void readsByNamespaceIndexAndUserName() throws Exception {
    var c =
        collector(
            List.of(
                point(
                    "supply",
                    "ns=" + server.namespaceIndex() + ";s={device}/SecondarySupplyTemp",
                    "supply_temp_c")),
            server.endpoint(),
            "operator",
            "secret",
            options(OpcUaOptions.Mode.POLL, OpcUaOptions.Timestamps.SOURCE));

    assertThat(only(Polls.once(c), Quality.GOOD).fields()).containsEntry("supply_temp_c", 18.5);
  }

  @Test
  void unreachableServerFailsThePoll() throws Exception {
    int closedPort;
    try (var s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var c =
        collector(
            List.of(point("supply", NS + "x", "supply_temp_c")),
            "opc.tcp://127.0.0.1:" + closedPort + "/kilowatch",
            null,
            null,
            OpcUaOptions.DEFAULTS);

    assertThat(Polls.failure(c)).isInstanceOf(IOException.class).hasMessageContaining("127.0.0.1");
  }

  @Test
  void refusesANodeIdThatDoesNotParse() {
    var profile = new Profile.OpcUa("p", List.of(point("a", "not a node id", "a")));
    var source = new Source.OpcUa(URI.create(server.endpoint()), null, null, null);
    Device device = TestSites.device("cdu-9", DeviceKind.CDU, Location.FACILITY, "p", source);

    assertThatThrownBy(() -> new OpcUaCollector(device, source, profile, null, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("point a");
  }
}
