package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.opcua.OpcUaFakeSetup;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ThrowingRunnable;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.junit.jupiter.api.Test;

/** Sessions and monitored items come back by themselves after a server restart. */
class OpcUaReconnectTest {
  private static final String FLOW = "nsu=" + OpcUaFakeServer.DEMO_URI + ";s={device}/Flow";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final List<Sample> received = new CopyOnWriteArrayList<>();

  private static Device device(String id, String endpoint, OpcUaOptions.Mode mode) {
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
    return new Device(
        id,
        DeviceKind.CDU,
        Location.FACILITY,
        "cdu",
        new Source.OpcUa(URI.create(endpoint), Source.SecurityPolicy.NONE, null, null, options),
        Duration.ofMillis(200),
        Duration.ofMillis(200),
        Map.of());
  }

  /** A server that advertises a host name the client cannot resolve, as the collector must cope. */
  private static OpcUaFakeServer server(Map<String, DataValue> variables) throws Exception {
    return new OpcUaFakeServer(
        OpcUaFakeSetup.of(variables).withAdvertisedHost(OpcUaFakeServer.UNRESOLVABLE_HOST));
  }

  private static SiteConfig site(List<Device> devices) {
    var profile =
        new Profile.OpcUa("cdu", List.of(OpcUaCollectorTest.point("flow", FLOW, "flow_lpm")));
    return TestSites.site(List.of(profile), devices);
  }

  /**
   * Opens one session before the scheduler starts: the first session of a cold JVM takes seconds
   * (class loading), which would otherwise be spent in backoff rather than on what is tested.
   */
  @org.junit.jupiter.api.BeforeAll
  static void warmUp() throws Exception {
    try (var server = server(Map.of("warm/Flow", new DataValue(new Variant(0.0))))) {
      for (var mode : OpcUaOptions.Mode.values()) {
        Device d = device("warm", server.endpoint(), mode);
        var site = site(List.of(d));
        try (var c =
            new OpcUaCollector(
                d,
                (Source.OpcUa) d.source(),
                (Profile.OpcUa) site.profiles().getFirst(),
                site,
                Clock.systemUTC())) {
          Polls.until(c, WAIT, s -> !s.isEmpty());
        }
      }
    }
  }

  private boolean seen(String device, double flow) {
    return received.stream()
        .anyMatch(
            s ->
                device.equals(s.tags().get("device"))
                    && s.quality() == Quality.GOOD
                    && Double.valueOf(flow).equals(s.fields().get("flow_lpm")));
  }

  /** Waits up to {@link #WAIT} for the assertions to pass, failing with the last of them. */
  private static void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).untilAsserted(assertion);
  }

  @Test
  void subscriptionResumesAfterTheServerRestartsWithItsNamespaceRenumbered() throws Exception {
    try (var server = server(Map.of("cdu-1/Flow", new DataValue(new Variant(1.0))));
        var scheduler =
            OpcUaCollectors.scheduler(
                site(List.of(device("cdu-1", server.endpoint(), OpcUaOptions.Mode.SUBSCRIBE))),
                received::addAll)) {
      scheduler.start();
      eventually(
          () ->
              assertThat(seen("cdu-1", 1.0))
                  .as("first value, %s", scheduler.statuses().getFirst())
                  .isTrue());
      int indexBefore = server.namespaceIndex();

      server.restartWithNamespaceIndexMoved();
      server.set("cdu-1/Flow", new DataValue(new Variant(2.0)));

      assertThat(server.namespaceIndex()).isNotEqualTo(indexBefore);
      eventually(
          () ->
              assertThat(seen("cdu-1", 2.0))
                  .as("value after the restart, %s", scheduler.statuses().getFirst())
                  .isTrue());
      server.set("cdu-1/Flow", new DataValue(new Variant(3.0)));
      eventually(() -> assertThat(seen("cdu-1", 3.0)).as("changes after the restart").isTrue());
      assertThat(scheduler.statuses().getFirst().state()).isEqualTo(DeviceStatus.State.UP);
    }
  }

  @Test
  void pollingResumesAfterTheServerRestarts() throws Exception {
    try (var server = server(Map.of("cdu-2/Flow", new DataValue(new Variant(1.0))));
        var scheduler =
            OpcUaCollectors.scheduler(
                site(List.of(device("cdu-2", server.endpoint(), OpcUaOptions.Mode.POLL))),
                received::addAll)) {
      scheduler.start();
      eventually(() -> assertThat(seen("cdu-2", 1.0)).isTrue());

      server.restartWithNamespaceIndexMoved();
      server.set("cdu-2/Flow", new DataValue(new Variant(2.0)));

      eventually(() -> assertThat(seen("cdu-2", 2.0)).isTrue());
    }
  }

  @Test
  void aServerDownAtStartupStopsNeitherTheOthersNorItselfOnceItIsUp() throws Exception {
    try (var live = server(Map.of("cdu-a/Flow", new DataValue(new Variant(5.0))));
        var late = server(Map.of("cdu-b/Flow", new DataValue(new Variant(7.0))))) {
      late.stop();
      try (var scheduler =
          OpcUaCollectors.scheduler(
              site(
                  List.of(
                      device("cdu-a", live.endpoint(), OpcUaOptions.Mode.SUBSCRIBE),
                      device("cdu-b", late.endpoint(), OpcUaOptions.Mode.SUBSCRIBE))),
              received::addAll)) {
        scheduler.start();

        eventually(() -> assertThat(seen("cdu-a", 5.0)).isTrue());
        eventually(
            () -> {
              DeviceStatus b = scheduler.statuses().get(1);
              assertThat(b.state()).isEqualTo(DeviceStatus.State.DOWN);
              assertThat(b.lastError()).isNotNull();
            });
        assertThat(scheduler.statuses().get(1).lastError()).contains("cannot reach");

        late.start();

        eventually(() -> assertThat(seen("cdu-b", 7.0)).isTrue());
      }
    }
  }
}
