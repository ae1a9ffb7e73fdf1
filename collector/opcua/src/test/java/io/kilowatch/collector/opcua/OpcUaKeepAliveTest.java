package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.opcua.OpcUaFakeSetup;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How often a polling session reads the server's state between polls, counted by the server: none
 * while polls renew the session, and often enough to keep it when they do not.
 */
class OpcUaKeepAliveTest {
  private static final String FLOW =
      "nsu=" + OpcUaFakeServer.DEMO_URI + ";s={device}/SecondaryFlow";

  private static OpcUaCollector polling(
      OpcUaFakeServer server, Duration interval, Duration timeout) {
    return polling(server, FLOW, interval, timeout);
  }

  private static OpcUaCollector polling(
      OpcUaFakeServer server, String nodeId, Duration interval, Duration timeout) {
    var profile =
        new Profile.OpcUa("cdu", List.of(OpcUaCollectorTest.point("flow", nodeId, "flow_lpm")));
    var source =
        new Source.OpcUa(
            URI.create(server.endpoint()),
            Source.SecurityPolicy.NONE,
            null,
            null,
            OpcUaOptions.DEFAULTS.withMode(OpcUaOptions.Mode.POLL));
    var device =
        new Device(
            "cdu-1",
            DeviceKind.CDU,
            Location.FACILITY,
            profile.id(),
            source,
            interval,
            timeout,
            Map.of());
    return OpcUaCollectors.of(device, TestSites.site(List.of(profile), List.of(device)));
  }

  private static OpcUaFakeServer server(OpcUaFakeSetup setup) throws Exception {
    return new OpcUaFakeServer(setup);
  }

  private static OpcUaFakeSetup flow() {
    return OpcUaFakeSetup.of(Map.of("cdu-1/SecondaryFlow", new DataValue(new Variant(120.0))));
  }

  private static boolean good(List<Sample> samples) {
    return samples.stream()
        .anyMatch(s -> s.quality() == Quality.GOOD && s.fields().containsKey("flow_lpm"));
  }

  @Test
  void pollsThatRenewTheSessionAreTheOnlyReadsTheServerSees() throws Exception {
    // A 1 s timeout: the keep-alive kilowatch used to send every second, whatever the polls did.
    try (var server = server(flow());
        var c = polling(server, Duration.ofSeconds(10), Duration.ofSeconds(1))) {
      assertThat(good(Polls.once(c))).isTrue();
      long before = server.readRequests();

      int polls = 4;
      for (int i = 0; i < polls; i++) {
        // Time has to pass for keep-alives to be due: this is the span they would fall in.
        Thread.sleep(Duration.ofMillis(1100));
        assertThat(good(c.poll())).isTrue();
      }

      assertThat(server.readRequests() - before)
          .as("Read requests on the server during %d polls 1.1 s apart", polls)
          .isEqualTo(polls);
      assertThat(server.sessionCount()).isEqualTo(1);
    }
  }

  @Test
  void aPollWithNoPointToReadStillReadsTheServer() throws Exception {
    // A namespace the server does not have: the point never resolves, so the poll has no node of
    // its own to read, and a dead server or an expiring session would go unnoticed without this.
    try (var server = server(flow());
        var c =
            polling(
                server, "nsu=urn:nowhere;s=Flow", Duration.ofSeconds(10), Duration.ofSeconds(1))) {
      Polls.once(c);
      long before = server.readRequests();

      int polls = 3;
      for (int i = 0; i < polls; i++) {
        assertThat(c.poll()).isNotEmpty().allMatch(s -> s.quality() == Quality.BAD);
      }

      assertThat(server.readRequests() - before).isEqualTo(polls);
    }
  }

  /** The rule of {@link ClientConnector#keepAliveAfterGrant}, worked by hand. */
  @ParameterizedTest(name = "asked {0} ms, granted {1} ms, polls every {2} ms -> {3} ms")
  @CsvSource({
    "60000, 120000, 10000, 60000", // granted what was asked: half of it is the ask
    "60000, 30000, 10000, 60000", // less, but polls 10 s apart renew a 30 s session
    "60000, 30000, 15000, 60000", // polls exactly half the granted timeout apart still renew it
    "60000, 30000, 20000, 15000", // they do not: half the granted timeout
    "60000, 6000, 10000, 3000",
    "3000, 6000, 10000, 3000", // the learned keep-alive asked next time is kept
    "60000, 600, 10000, 500" // never below half a second
  })
  void keepAliveAfterTheGrant(long asked, long granted, long poll, long expected) {
    assertThat(ClientConnector.keepAliveAfterGrant(asked, granted, poll)).isEqualTo(expected);
  }

  @Test
  void aShortSessionGrantedByTheServerIsKeptAliveBetweenSparsePolls() throws Exception {
    // The server grants 6 s of a session asked for 120 s; polls are 10 s apart, so only keep-alives
    // (every 3 s) keep it open between them.
    try (var server = server(flow().withMaxSessionTimeout(Duration.ofSeconds(6)));
        var c = polling(server, Duration.ofSeconds(10), Duration.ofSeconds(1))) {
      assertThat(good(Polls.once(c))).isTrue();
      assertThat(server.sessionCount())
          .as("sessions once the second opening is done: the first one closed")
          .isEqualTo(1);
      long before = server.readRequests();

      // Longer than the granted 6 s, with no poll: the session survives only by keep-alives.
      Thread.sleep(Duration.ofSeconds(8));

      assertThat(server.sessionCount()).as("sessions on the server after 8 s idle").isEqualTo(1);
      assertThat(server.readRequests() - before)
          .as("keep-alive Reads, every 3 s, in 8 s idle")
          .isBetween(2L, 3L);
      assertThat(good(c.poll())).as("a poll on the same session").isTrue();
      assertThat(server.sessionCount()).isEqualTo(1);
    }
  }
}
