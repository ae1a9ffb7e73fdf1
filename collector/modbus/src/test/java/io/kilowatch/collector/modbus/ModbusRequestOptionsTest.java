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
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.testkit.TestSites;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Per-device request options, observed on the slave side. */
class ModbusRequestOptionsTest {
  private final MapImage image = new MapImage(1, 200);
  private ModbusSlave slave;
  private int port;

  @BeforeEach
  void start() throws Exception {
    for (int a = 0; a < 100; a++) {
      image.holding(a, a);
    }
    port = MapImage.freePort();
    slave = MapImage.serve(port, image);
  }

  @AfterEach
  void stop() {
    ModbusSlaveFactory.close(slave);
  }

  /** Points at every other register 0..98: 50 points spanning 99 registers. */
  private static List<ModbusPoint> everyOther() {
    var points = new ArrayList<ModbusPoint>();
    for (int a = 0; a < 100; a += 2) {
      points.add(ModbusFaultsTest.u16("r" + a, a));
    }
    return points;
  }

  private ModbusCollector collector(Source.ModbusRequests requests, List<ModbusPoint> points) {
    var profile = new Profile.Modbus("map", AddressBase.ZERO, points);
    Device d =
        new Device(
            "d",
            DeviceKind.METER,
            Location.FACILITY,
            "map",
            new Source.Modbus("127.0.0.1", port, 1, requests),
            Duration.ofSeconds(10),
            Duration.ofSeconds(2),
            Map.of());
    SiteConfig site = TestSites.site(List.of(profile), List.of(d));
    return new ModbusCollector(
        d, (Source.Modbus) d.source(), profile, site, Clock.systemUTC(), new ModbusEndpoints());
  }

  private int readsOfOnePoll(ModbusCollector c) throws Exception {
    int before = image.reads.get();
    var samples = c.poll();
    assertThat(samples.getFirst().fields()).hasSize(50).containsEntry("r98", 98.0);
    return image.reads.get() - before;
  }

  @Test
  void maxRegistersPerRequestAndMaxGapDecideTheNumberOfRequests() throws Exception {
    try (var defaults = collector(Source.ModbusRequests.DEFAULT, everyOther());
        var small =
            collector(new Source.ModbusRequests(20, 10, Duration.ZERO, null), everyOther());
        var noGap =
            collector(new Source.ModbusRequests(125, 0, Duration.ZERO, null), everyOther())) {
      assertThat(readsOfOnePoll(defaults)).isEqualTo(1); // 99 registers in one read
      assertThat(readsOfOnePoll(small)).isEqualTo(5); // 20 + 20 + 20 + 20 + 19
      assertThat(readsOfOnePoll(noGap)).isEqualTo(50); // a 1-register gap is not bridged
      assertThat(small.plan()).allMatch(b -> b.count() <= 20);
    }
  }

  // A poll gives up by its own deadline, so the scheduler may run it on the device's thread (no
  // helper thread and no timer per poll); a pause is kept whatever time is left, so not with one.
  @Test
  void aPollEndsWithinTheDeviceTimeoutUnlessItPausesBetweenRequests() throws Exception {
    try (var plain = collector(Source.ModbusRequests.DEFAULT, everyOther());
        var pausing =
            collector(
                new Source.ModbusRequests(20, 10, Duration.ofMillis(60), null), everyOther())) {
      assertThat(plain.boundedBy()).isEqualTo(Duration.ofSeconds(2));
      assertThat(pausing.boundedBy()).isNull();
    }
    // A device that takes the connection and never answers: the poll fails within that bound.
    try (var silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      port = silent.getLocalPort();
      try (var c = collector(Source.ModbusRequests.DEFAULT, everyOther())) {
        long start = System.nanoTime();
        assertThatThrownBy(c::poll).isInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(c.boundedBy());
      }
    }
  }

  @Test
  void pauseBetweenRequestsKeepsTheLineQuiet() throws Exception {
    try (var c =
        collector(new Source.ModbusRequests(20, 10, Duration.ofMillis(60), null), everyOther())) {
      long start = System.nanoTime();
      assertThat(readsOfOnePoll(c)).isEqualTo(5);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(5 * 60));
    }
  }

  // Garbage on the socket is a device failure the scheduler shows: DOWN, with why.
  @Test
  void garbageMarksTheDeviceDownInTheScheduler() throws Exception {
    try (var server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual()
          .start(
              () -> {
                while (!server.isClosed()) {
                  try (var s = server.accept()) {
                    s.getInputStream().read(new byte[12]);
                    s.getOutputStream().write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
                    s.getOutputStream().flush();
                    // A real sleep: the line stays open after the garbage, so the client fails on
                    // the bytes
                    // and not on the close.
                    Thread.sleep(100);
                  } catch (Exception e) {
                    return;
                  }
                }
              });
      var profile =
          new Profile.Modbus("map", AddressBase.ZERO, List.of(ModbusFaultsTest.u16("a", 0)));
      Device d =
          new Device(
              "junk",
              DeviceKind.METER,
              Location.FACILITY,
              "map",
              new Source.Modbus("127.0.0.1", server.getLocalPort(), 1),
              Duration.ofMillis(200),
              Duration.ofMillis(200),
              Map.of());
      SiteConfig site = TestSites.site(List.of(profile), List.of(d));
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
                      new ModbusEndpoints()))) {
        scheduler.start();
        await()
            .atMost(Duration.ofSeconds(3))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> scheduler.statuses().getFirst().state() == DeviceStatus.State.DOWN);
        assertThat(scheduler.statuses().getFirst().lastError())
            .contains("garbage")
            .contains("not a Modbus TCP header");
      }
    }
  }
}
