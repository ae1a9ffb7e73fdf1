package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.kilowatch.collector.PollScheduler;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.AddressBase;
import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.Profile.PointKind;
import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.config.Profile.WordOrder;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.modbus.ModbusAnswer;
import io.kilowatch.testkit.modbus.ModbusFrames;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the collector does when devices misbehave: refuse, stall, answer slowly, send garbage. */
class ModbusFaultsTest {
  private static final int UNIT = 1;

  private final List<AutoCloseable> closers = new ArrayList<>();
  private final ModbusEndpoints endpoints = new ModbusEndpoints();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closers.reversed()) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closers.add(c);
    return c;
  }

  private ModbusSlave slave(int port, MapImage... images) throws Exception {
    ModbusSlave s = MapImage.serve(port, images);
    closers.add(() -> ModbusSlaveFactory.close(s));
    return s;
  }

  static ModbusPoint u16(String name, int address) {
    return new ModbusPoint(
        name,
        RegisterType.HOLDING,
        address,
        DataType.UINT16,
        WordOrder.ABCD,
        1,
        0,
        "1",
        PointKind.GAUGE,
        null,
        name,
        Map.of());
  }

  static Device device(String id, int port, int unit, Duration timeout) {
    return new Device(
        id,
        DeviceKind.PDU,
        Location.FACILITY,
        "map",
        new Source.Modbus("127.0.0.1", port, unit),
        Duration.ofMillis(200),
        timeout,
        Map.of());
  }

  private ModbusCollector collector(Device device, AddressBase base, List<ModbusPoint> points) {
    var profile = new Profile.Modbus("map", base, points);
    SiteConfig site = TestSites.site(List.of(profile), List.of(device));
    return closeLater(
        new ModbusCollector(
            device, (Source.Modbus) device.source(), profile, site, Clock.systemUTC(), endpoints));
  }

  private static Map<String, Double> fields(List<Sample> samples, Quality q) {
    return samples.stream()
        .filter(s -> s.quality() == q)
        .findFirst()
        .<Map<String, Double>>map(Sample::fields)
        .orElse(Map.of());
  }

  // Exception 2 usually means an off-by-one address: the point is BAD with its address, the rest
  // of the device is read, and the refused block is not split again on every poll.
  @Test
  void refusedAddressIsABadPointRememberedUntilReprobed() throws Exception {
    var image = new MapImage(UNIT, 20);
    image.holding(0, 10, 11, 12, 13, 14, 15);
    image.holes.add(3);
    int port = MapImage.freePort();
    slave(port, image);
    var c =
        collector(
            device("p1", port, UNIT, Duration.ofSeconds(2)),
            AddressBase.ONE,
            List.of(u16("a", 1), u16("b", 2), u16("ghost", 4), u16("d", 5), u16("e", 6)));
    c.reprobeEvery(2);

    List<Sample> first = c.poll();
    int firstReads = image.reads.get();
    List<Sample> second = c.poll();
    int secondReads = image.reads.get() - firstReads;

    assertThat(fields(first, Quality.GOOD))
        .containsExactlyInAnyOrderEntriesOf(Map.of("a", 10.0, "b", 11.0, "d", 14.0, "e", 15.0));
    assertThat(fields(first, Quality.BAD)).containsOnlyKeys("ghost");
    assertThat(c.pointErrors().get("ghost"))
        .contains("illegal data address (exception 2)")
        .contains("holding 4 (wire 3)");
    // First poll: the merged block (wire 0..5), its halves 0..1 (answered) and 3..5 (refused),
    // then 3..5 halved into ghost (refused) and 4..5 (answered). Second: the two readable runs.
    assertThat(firstReads).isEqualTo(1 + 2 + 2);
    assertThat(secondReads).isEqualTo(2);
    assertThat(fields(second, Quality.GOOD)).hasSize(4);
    assertThat(fields(second, Quality.BAD)).containsOnlyKeys("ghost");

    c.poll(); // second remembered poll
    image.holes.clear(); // the map was fixed on the device
    int before = image.reads.get();
    List<Sample> reprobed = c.poll();
    assertThat(image.reads.get() - before).isEqualTo(1);
    assertThat(fields(reprobed, Quality.GOOD)).containsEntry("ghost", 13.0).hasSize(5);
  }

  // Busy while its refused read is being split: nothing is learned from a half answer, every point
  // is given once, and the next poll learns again.
  @Test
  void aDeviceBusyWhileARefusedReadIsSplitIsLearnedOnTheNextPoll() throws Exception {
    // Register 2 is unmapped; the fifth request of the first poll (d alone) is answered "busy".
    try (var server =
        ModbusTcpFake.start(
            r -> {
              if (r.start() <= 2 && r.start() + r.count() > 2) {
                return new ModbusAnswer.Exception(2);
              }
              if (r.n() == 5) {
                return new ModbusAnswer.Exception(6);
              }
              int[] v = new int[r.count()];
              for (int i = 0; i < v.length; i++) {
                v[i] = 10 + r.start() + i;
              }
              return new ModbusAnswer.Values(v);
            })) {
      var c =
          collector(
              device("p1", server.port(), UNIT, Duration.ofSeconds(2)),
              AddressBase.ZERO,
              List.of(u16("a", 0), u16("b", 1), u16("c", 2), u16("d", 3)));

      // 0+4 refused; 0+2 answered; 2+2 refused; c (2+1) refused; d (3+1) busy.
      List<Sample> first = c.poll();
      assertThat(server.requests()).isEqualTo(5);
      assertThat(first).hasSize(2);
      assertThat(fields(first, Quality.GOOD)).isEqualTo(Map.of("a", 10.0, "b", 11.0));
      assertThat(fields(first, Quality.BAD)).containsOnlyKeys("c", "d");
      assertThat(c.pointErrors().get("d"))
          .isEqualTo("server device busy (exception 6) at holding 3");

      // Learned now: 0+4 refused; 0+2; 2+2 refused; c refused; d; 0+2 and d not merged (c between).
      List<Sample> second = c.poll();
      assertThat(server.requests()).isEqualTo(5 + 5);
      assertThat(fields(second, Quality.GOOD)).isEqualTo(Map.of("a", 10.0, "b", 11.0, "d", 13.0));
      c.poll();
      assertThat(server.requests()).isEqualTo(10 + 2);
    }
  }

  // A device that returns codes other than 2 must say which: the operator looks them up.
  @Test
  void everyExceptionCodeIsNamedInThePointError() throws Exception {
    int[] codes = {1, 2, 3, 4, 8};
    try (var server =
        ModbusTcpFake.start(r -> new ModbusAnswer.Exception(codes[r.start() / 100]))) {
      var c =
          collector(
              device("p1", server.port(), UNIT, Duration.ofSeconds(2)),
              AddressBase.ZERO,
              List.of(
                  u16("f1", 0), u16("f2", 100), u16("f3", 200), u16("f4", 300), u16("f8", 400)));
      List<Sample> samples = c.poll();

      assertThat(fields(samples, Quality.BAD)).hasSize(5);
      assertThat(c.pointErrors())
          .containsEntry("f1", "illegal function (exception 1) at holding 0")
          .containsEntry("f2", "illegal data address (exception 2) at holding 100")
          .containsEntry("f3", "illegal data value (exception 3) at holding 200")
          .containsEntry("f4", "server device failure (exception 4) at holding 300")
          .containsEntry("f8", "memory parity error (exception 8) at holding 400");
    }
  }

  // Every BAD point says why, so /api/devices can show it: here the values that do not decode.
  @Test
  void undecodableValuesAreBadPointsWithTheValueAndTheAddress() throws Exception {
    // float32 NaN (0x7FC00000) at holding 0..1; float64 MAX (0x7FEFFFFFFFFFFFFF) at 2..5, which
    // a scale of 10 takes past the largest double.
    try (var server =
        ModbusTcpFake.start(
            r -> new ModbusAnswer.Values(new int[] {0x7FC0, 0, 0x7FEF, 0xFFFF, 0xFFFF, 0xFFFF}))) {
      var nan =
          new ModbusPoint(
              "nan",
              RegisterType.HOLDING,
              0,
              DataType.FLOAT32,
              WordOrder.ABCD,
              1,
              0,
              "1",
              PointKind.GAUGE,
              null,
              "nan",
              Map.of());
      var huge =
          new ModbusPoint(
              "huge",
              RegisterType.HOLDING,
              2,
              DataType.FLOAT64,
              WordOrder.ABCD,
              10,
              0,
              "1",
              PointKind.GAUGE,
              null,
              "huge",
              Map.of());
      var c =
          collector(
              device("p1", server.port(), UNIT, Duration.ofSeconds(2)),
              AddressBase.ZERO,
              List.of(nan, huge));
      List<Sample> samples = c.poll();

      assertThat(fields(samples, Quality.BAD)).containsOnlyKeys("nan", "huge");
      assertThat(c.pointErrors())
          .containsEntry("nan", "device sent NaN at holding 0")
          .containsEntry(
              "huge",
              "device sent 1.7976931348623157E308 at holding 2, beyond a double after scale 10.0"
                  + " and offset 0.0");
    }
  }

  // Behind an RTU gateway, 0x0A/0x0B mean the device is unreachable: down, not a bad point.
  @Test
  void gatewayExceptionsMarkTheDeviceDown() throws Exception {
    for (int code : new int[] {0x0A, 0x0B}) {
      try (var server = ModbusTcpFake.start(r -> new ModbusAnswer.Exception(code))) {
        var c =
            collector(
                device("p1", server.port(), 9, Duration.ofSeconds(2)),
                AddressBase.ZERO,
                List.of(u16("a", 0)));
        assertThatThrownBy(c::poll)
            .isInstanceOf(IOException.class)
            .hasMessageContaining(
                code == 0x0A
                    ? "gateway path unavailable (exception 10)"
                    : "gateway target device failed to respond (exception 11)")
            .hasMessageContaining("unit 9");
      }
    }
  }

  // A busy device is alive: its last value is still the latest known, marked STALE, not GOOD.
  @Test
  void busyDeviceGivesTheLastValueAsStale() throws Exception {
    try (var server =
        ModbusTcpFake.start(
            r ->
                r.n() == 2
                    ? new ModbusAnswer.Exception(6)
                    : new ModbusAnswer.Values(new int[] {40 + r.n()}))) {
      var c =
          collector(
              device("p1", server.port(), UNIT, Duration.ofSeconds(2)),
              AddressBase.ZERO,
              List.of(u16("a", 0)));

      assertThat(fields(c.poll(), Quality.GOOD)).containsEntry("a", 41.0);
      List<Sample> busy = c.poll();
      assertThat(fields(busy, Quality.STALE)).containsEntry("a", 41.0);
      assertThat(fields(busy, Quality.GOOD)).isEmpty();
      assertThat(fields(c.poll(), Quality.GOOD)).containsEntry("a", 43.0);
    }
  }

  @Test
  void garbageBytesFailThePollAndTheNextPollReconnects() throws Exception {
    // Something that is not Modbus at all behind the port, e.g. an HTTP server.
    byte[] http = "HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    var server = closeLater(ModbusTcpFake.start(r -> new ModbusAnswer.Raw(http)));
    var c =
        collector(
            device("p1", server.port(), UNIT, Duration.ofSeconds(2)),
            AddressBase.ZERO,
            List.of(u16("a", 0)));

    assertThatThrownBy(c::poll)
        .isInstanceOf(ModbusFrameException.class)
        .hasMessageContaining("garbage")
        .hasMessageContaining("not a Modbus TCP header");
    assertThatThrownBy(c::poll).isInstanceOf(ModbusFrameException.class);
    assertThat(server.connections()).isEqualTo(2);
  }

  @Test
  void shortFrameAndMismatchedAnswersAreGarbage() throws Exception {
    try (var server =
        ModbusTcpFake.start(
            r ->
                switch (r.n()) {
                  // a header announcing 5 bytes, then the connection closes after 2 of them
                  case 1 ->
                      new ModbusAnswer.Raw(
                          new byte[] {0, (byte) r.transaction(), 0, 0, 0, 5, 1, 3, 2});
                  // a register answer with one register where two were asked for
                  case 2 -> new ModbusAnswer.Raw(ModbusFrames.frame(r, new byte[] {3, 2, 0, 7}));
                  default -> new ModbusAnswer.Values(new int[] {5, 6});
                })) {
      var c =
          collector(
              device("p1", server.port(), UNIT, Duration.ofMillis(500)),
              AddressBase.ZERO,
              List.of(u16("a", 0), u16("b", 1)));

      // Close-after-partial arrives as a timeout or a short frame, depending on the server.
      assertThatThrownBy(c::poll).isInstanceOf(IOException.class);
      assertThatThrownBy(c::poll)
          .isInstanceOf(ModbusFrameException.class)
          .hasMessageContaining("short or long answer");
      assertThat(fields(c.poll(), Quality.GOOD)).containsEntry("a", 5.0).containsEntry("b", 6.0);
    }
  }

  // A device that goes silent in the middle of a poll: the request timeout fires on its own,
  // whatever the server does, and the poll fails within the timeout.
  @Test
  void slaveThatStopsAnsweringMidPollTimesOut() throws Exception {
    try (var server =
        ModbusTcpFake.start(
            r ->
                r.n() >= 2 ? new ModbusAnswer.Silence() : new ModbusAnswer.Values(new int[] {1}))) {
      var c =
          collector(
              device("p1", server.port(), UNIT, Duration.ofMillis(300)),
              AddressBase.ZERO,
              List.of(u16("a", 0), u16("b", 200)));

      long start = System.nanoTime();
      assertThatThrownBy(c::poll)
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessageContaining("no answer");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(ms).isBetween(250L, 1500L);
    }
  }

  // Slow but within the timeout is fine; the scheduler records the round trip.
  @Test
  void slowSlaveIsReadAndItsRoundTripReported() throws Exception {
    var image = new MapImage(UNIT, 10);
    image.holding(0, 99);
    image.delay = Duration.ofMillis(150);
    int port = MapImage.freePort();
    slave(port, image);
    Device d = device("slow", port, UNIT, Duration.ofMillis(180));
    var profile = new Profile.Modbus("map", AddressBase.ZERO, List.of(u16("a", 0)));
    SiteConfig site = TestSites.site(List.of(profile), List.of(d));
    var received = new CopyOnWriteArrayList<Sample>();
    try (var scheduler =
        new PollScheduler(
            site,
            received::addAll,
            Clock.systemUTC(),
            dev ->
                new ModbusCollector(
                    dev,
                    (Source.Modbus) dev.source(),
                    profile,
                    site,
                    Clock.systemUTC(),
                    endpoints))) {
      scheduler.start();
      await()
          .atMost(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> !received.isEmpty());
      DeviceStatus s = scheduler.statuses().getFirst();
      assertThat(s.state()).isEqualTo(DeviceStatus.State.UP);
      assertThat(s.lastRoundTrip()).isGreaterThanOrEqualTo(Duration.ofMillis(150));
      assertThat(received.getFirst().fields()).containsEntry("a", 99.0);
    }
  }

  // One stalled device must not delay another's cycle; it goes DOWN, and UP once it answers.
  @Test
  void stalledDeviceGoesDownWithoutDelayingOthersAndRecoveryIsSeenOnce() throws Exception {
    var fastImage = new MapImage(UNIT, 10);
    var stuckImage = new MapImage(UNIT, 10);
    int fastPort = MapImage.freePort();
    int stuckPort = MapImage.freePort();
    slave(fastPort, fastImage);
    slave(stuckPort, stuckImage);
    stuckImage.stallFrom = 2;
    stuckImage.stallFor = Duration.ofSeconds(3);
    Device fast = device("fast", fastPort, UNIT, Duration.ofMillis(150));
    Device stuck = device("stuck", stuckPort, UNIT, Duration.ofMillis(150));
    var profile = new Profile.Modbus("map", AddressBase.ZERO, List.of(u16("a", 0)));
    SiteConfig site = TestSites.site(List.of(profile), List.of(fast, stuck));
    var transitions = new CopyOnWriteArrayList<String>();
    try (var scheduler =
        new PollScheduler(
            site,
            samples -> {},
            Clock.systemUTC(),
            dev ->
                new ModbusCollector(
                    dev,
                    (Source.Modbus) dev.source(),
                    profile,
                    site,
                    Clock.systemUTC(),
                    endpoints))) {
      scheduler.addListener(
          (before, now) ->
              transitions.add(now.deviceId() + ":" + before.state() + ">" + now.state()));
      scheduler.start();
      await()
          .atMost(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> transitions.contains("stuck:UP>DOWN"));
      int fastReads = fastImage.reads.get();
      // 200 ms interval: ~5 polls a second while the other device hangs, so 3 within a second.
      await()
          .atMost(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> fastImage.reads.get() - fastReads >= 3);
      assertThat(scheduler.statuses().get(1).lastError()).contains("no answer");

      stuckImage.stallFrom = Integer.MAX_VALUE;
      await()
          .atMost(Duration.ofSeconds(8))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> transitions.contains("stuck:DOWN>UP"));
      assertThat(transitions.stream().filter(t -> t.equals("stuck:DOWN>UP"))).hasSize(1);
      assertThat(scheduler.statuses().get(1).consecutiveFailures()).isZero();
    }
  }
}
