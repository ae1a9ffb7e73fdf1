package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.kilowatch.collector.PollScheduler;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.AddressBase;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TcpRelay;
import io.kilowatch.testkit.TestSites;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Several unit ids behind one host:port, as with an RTU-over-TCP gateway: one connection, one
 * request at a time, each answer reaching the device that asked.
 */
class ModbusGatewayTest {

  @Test
  void devicesBehindOneGatewayShareOneConnectionAndTakeTurns() throws Exception {
    var images = new ArrayList<MapImage>();
    for (int unit = 1; unit <= 3; unit++) {
      var image = new MapImage(unit, 10);
      image.holding(0, 100 * unit);
      // A serial line is slow: 20 ms per request, so concurrent requests would overlap.
      image.delay = Duration.ofMillis(20);
      if (!images.isEmpty()) {
        image.inFlight = images.getFirst().inFlight;
        image.maxInFlight = images.getFirst().maxInFlight;
      }
      images.add(image);
    }
    int slavePort = MapImage.freePort();
    ModbusSlave slave = MapImage.serve(slavePort, images.toArray(MapImage[]::new));
    var endpoints = new ModbusEndpoints();
    try (var relay = new TcpRelay(slavePort)) {
      int port = relay.listen(0);
      var profile =
          new Profile.Modbus("map", AddressBase.ZERO, List.of(ModbusFaultsTest.u16("a", 0)));
      var devices = new ArrayList<Device>();
      for (int unit = 1; unit <= 3; unit++) {
        devices.add(
            new Device(
                "meter-" + unit,
                DeviceKind.METER,
                Location.FACILITY,
                "map",
                new Source.Modbus("127.0.0.1", port, unit),
                Duration.ofMillis(200),
                Duration.ofSeconds(2),
                Map.of()));
      }
      SiteConfig site = TestSites.site(List.of(profile), devices);
      Map<String, List<Double>> seen = new ConcurrentHashMap<>();
      try (var scheduler =
          new PollScheduler(
              site,
              samples -> {
                for (Sample s : samples) {
                  seen.computeIfAbsent(s.tags().get("device"), k -> new CopyOnWriteArrayList<>())
                      .add(s.fields().get("a"));
                }
              },
              Clock.systemUTC(),
              d ->
                  new ModbusCollector(
                      d,
                      (Source.Modbus) d.source(),
                      profile,
                      site,
                      Clock.systemUTC(),
                      endpoints))) {
        scheduler.start();
        await()
            .atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> seen.size() == 3 && seen.values().stream().allMatch(v -> v.size() >= 3));

        assertThat(relay.accepted()).as("connections; %s", scheduler.statuses()).isEqualTo(1);
        assertThat(endpoints.size()).isEqualTo(1);
        assertThat(images.getFirst().maxInFlight.get()).isEqualTo(1);
        for (int unit = 1; unit <= 3; unit++) {
          assertThat(seen.get("meter-" + unit)).containsOnly(100.0 * unit);
        }
        assertThat(scheduler.statuses())
            .extracting(DeviceStatus::state)
            .containsOnly(DeviceStatus.State.UP);
      }
      // The last collector closed (on its own thread, after the scheduler stopped): the shared
      // connection is gone.
      await()
          .atMost(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> endpoints.size() == 0);
    } finally {
      ModbusSlaveFactory.close(slave);
    }
  }

  // The field fault: one unit id behind a shared gateway never answers. It used to hold the
  // connection for its whole timeout, so the units queued behind it timed out too, went DOWN and
  // lost polls to the backoff. Now it holds the line for at most half a timeout the first time
  // and a silent-unit timeout after that, and never costs the connection.
  @Test
  void aDeadUnitBehindAGatewayCostsTheHealthyUnitsNoPoll() throws Exception {
    Duration interval = Duration.ofMillis(400);
    try (var gateway =
        new DeadUnitGateway(
            4,
            Duration.ofMillis(20),
            interval,
            interval,
            new Source.ModbusRequests(125, 10, Duration.ZERO, null, Duration.ofMillis(60), null))) {
      gateway.start();
      // 15 slots of each healthy unit, about 6 s, with the dead unit retried all along (its
      // backoff starts at one interval).
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  gateway.healthyUnits.stream()
                      .allMatch(
                          u ->
                              gateway.goodPolls.getOrDefault("unit-" + u, List.of()).size() >= 15));

      for (int unit : gateway.healthyUnits) {
        String id = "unit-" + unit;
        assertThat(gateway.lostPolls(id))
            .as("polls lost by %s: %s", id, gateway.goodPolls.get(id))
            .isZero();
        assertThat(gateway.downs(id)).as("%s went down: %s", id, gateway.transitions).isZero();
      }
      assertThat(gateway.transitions)
          .contains("unit-" + DeadUnitGateway.DEAD_UNIT + ":UNKNOWN>DOWN");
      assertThat(
              gateway.scheduler().statuses().stream()
                  .filter(s -> s.deviceId().equals("unit-" + DeadUnitGateway.DEAD_UNIT))
                  .findFirst()
                  .orElseThrow()
                  .lastError())
          .contains("no answer");
      // Its timeouts did not cost the others the connection.
      assertThat(gateway.connections()).isEqualTo(1L);
    }
  }

  // A gateway that queues requests itself can be given a connection per unit: then a silent unit
  // does not even take turns with the others.
  @Test
  void perUnitConnectionsGiveEachUnitItsOwnConnection() throws Exception {
    Duration interval = Duration.ofMillis(300);
    try (var gateway =
        new DeadUnitGateway(
            2,
            Duration.ofMillis(20),
            interval,
            interval,
            new Source.ModbusRequests(
                125, 10, Duration.ZERO, null, null, Source.ModbusConnection.PER_UNIT))) {
      gateway.start();
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  gateway.healthyUnits.stream()
                      .allMatch(
                          u -> gateway.goodPolls.getOrDefault("unit-" + u, List.of()).size() >= 8));
      for (int unit : gateway.healthyUnits) {
        assertThat(gateway.lostPolls("unit-" + unit)).isZero();
        assertThat(gateway.downs("unit-" + unit)).isZero();
      }
      // Two healthy units and the dead one, each on its own connection (the dead one's is
      // opened again when the scheduler gives up on a poll of it, so it may count more than once).
      assertThat(gateway.endpoints.size()).isEqualTo(3);
      assertThat(gateway.connections()).isGreaterThanOrEqualTo(3L);
    }
  }
}
