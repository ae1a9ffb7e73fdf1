package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.collector.TestSites;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.OpcUaPoint;
import io.kilowatch.config.Profile.PointKind;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
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
  private static final String NS = "nsu=" + DemoServer.DEMO_URI + ";s=";

  private DemoServer server;
  private OpcUaCollector collector;

  @BeforeAll
  void startServer() throws Exception {
    server =
        new DemoServer(
            Map.of(
                "cdu-7/SecondarySupplyTemp", new DataValue(new Variant(18.5)),
                "cdu-7/SecondaryReturnTemp",
                    new DataValue(
                        Variant.NULL_VALUE, new StatusCode(StatusCodes.Bad_SensorFailure)),
                "cdu-7/SecondaryFlow",
                    new DataValue(
                        new Variant(120.0f), new StatusCode(StatusCodes.Uncertain_LastUsableValue)),
                "cdu-7/PumpRunning", new DataValue(new Variant(true)),
                "cdu-7/PumpSpeed", new DataValue(new Variant(1450)),
                "cdu-7/Label", new DataValue(new Variant("pump A"))));
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

  private static OpcUaPoint point(String name, String nodeId, String field) {
    return new OpcUaPoint(name, nodeId, null, PointKind.GAUGE, "cooling_loop", field, Map.of());
  }

  private OpcUaCollector collector(
      List<OpcUaPoint> points, String endpoint, String user, String pw) {
    var profile = new Profile.OpcUa("demo-cdu", points);
    var source = new Source.OpcUa(URI.create(endpoint), Source.SecurityPolicy.NONE, user, pw);
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

  @Test
  void readsByNamespaceUriWithTheDeviceFilledInAndKeepsEachStatus() throws Exception {
    var c =
        collector(
            List.of(
                point("supply", NS + "{device}/SecondarySupplyTemp", "supply_temp_c"),
                point("return", NS + "{device}/SecondaryReturnTemp", "return_temp_c"),
                point("flow", NS + "{device}/SecondaryFlow", "flow_lpm"),
                point("missing", NS + "{device}/NoSuchNode", "ghost"),
                point("running", NS + "{device}/PumpRunning", "pump_running"),
                point("speed", NS + "{device}/PumpSpeed", "pump_rpm"),
                point("label", NS + "{device}/Label", "label")),
            server.endpoint(),
            null,
            null);

    List<Sample> samples = c.poll();

    Sample good = only(samples, Quality.GOOD);
    assertThat(good.measurement()).isEqualTo("cooling_loop");
    assertThat(good.tags())
        .containsEntry("device", "cdu-7")
        .containsEntry("cluster", "c1")
        .doesNotContainKey("rack");
    assertThat(good.fields())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("supply_temp_c", 18.5, "pump_running", 1.0, "pump_rpm", 1450.0));
    assertThat(only(samples, Quality.UNCERTAIN).fields())
        .containsExactlyInAnyOrderEntriesOf(Map.of("flow_lpm", 120.0));
    // Bad status, unknown node and a string are all BAD points, while the rest flowed.
    assertThat(only(samples, Quality.BAD).fields())
        .containsOnlyKeys("return_temp_c", "ghost", "label")
        .allSatisfy((k, v) -> assertThat(v).isNaN());
    assertThat(c.pointErrors().get("return")).contains("Bad_SensorFailure");
    assertThat(c.pointErrors().get("missing")).contains("Bad_NodeIdUnknown");
  }

  @Test
  void readsByNamespaceIndexAndUserName() throws Exception {
    var c =
        collector(
            List.of(
                point(
                    "supply",
                    "ns=" + server.demoNamespaceIndex() + ";s={device}/SecondarySupplyTemp",
                    "supply_temp_c")),
            server.endpoint(),
            "operator",
            "secret");

    assertThat(only(c.poll(), Quality.GOOD).fields()).containsEntry("supply_temp_c", 18.5);
  }

  @Test
  void namespaceUnknownToTheServerMakesOnlyThatPointBad() throws Exception {
    var c =
        collector(
            List.of(
                point("supply", NS + "{device}/SecondarySupplyTemp", "supply_temp_c"),
                point("elsewhere", "nsu=urn:not:on:server;s=x", "other")),
            server.endpoint(),
            null,
            null);

    List<Sample> samples = c.poll();

    assertThat(only(samples, Quality.GOOD).fields()).containsOnlyKeys("supply_temp_c");
    assertThat(only(samples, Quality.BAD).fields()).containsOnlyKeys("other");
    assertThat(c.pointErrors().get("elsewhere")).contains("urn:not:on:server");
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
            null);

    assertThatThrownBy(c::poll).isInstanceOf(IOException.class).hasMessageContaining("127.0.0.1");
  }

  @Test
  void refusesSecurityPoliciesNotYetSupported() {
    var profile = new Profile.OpcUa("p", List.of(point("a", NS + "x", "a")));
    var source =
        new Source.OpcUa(
            URI.create(server.endpoint()), Source.SecurityPolicy.BASIC256SHA256, null, null);
    Device device = TestSites.device("cdu-9", DeviceKind.CDU, Location.FACILITY, "p", source);

    assertThatThrownBy(() -> new OpcUaCollector(device, source, profile, null, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("basic256sha256 is not yet supported");
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
