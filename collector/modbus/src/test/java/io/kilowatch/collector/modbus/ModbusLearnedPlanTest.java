package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.AddressBase;
import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.Profile.PointKind;
import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.config.Profile.WordOrder;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TcpRelay;
import io.kilowatch.testkit.TestSites;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A merged read that the device refuses with exception 2 because it spans registers the device does
 * not map: the collector finds the fewest reads around them once, and then sends only those, poll
 * after poll (in the field it re-sent the refused read on every poll, 175 of 175).
 *
 * <p>The register map (holding registers, wire addresses), on a j2mod slave that counts requests:
 *
 * <pre>
 *   0 a=100  1 b=101  2 c=102  3 (unmapped)  4 (unmapped)  5-6 d=uint32 65538  7 e=107
 *   8 (mapped, no point)  9 ghost (unmapped)  10 f=110  11 g=111
 * </pre>
 *
 * With the default maxGap of 10 the planner merges all eight points into one read, 0+12, which the
 * device refuses. The fewest reads that avoid registers 3, 4 and 9 and cover every readable point
 * are three: 0+3 (a, b, c), 5+3 (d, e), 10+2 (f, g); ghost cannot be read at all.
 */
class ModbusLearnedPlanTest {
  private static final int UNIT = 1;
  private final ModbusEndpoints endpoints = new ModbusEndpoints();
  private MapImage image;
  private ModbusSlave slave;
  private TcpRelay relay;
  private int port;

  @BeforeEach
  void start() throws Exception {
    image = new MapImage(UNIT, 20);
    image.holding(0, 100, 101, 102);
    image.holding(5, 1, 2);
    image.holding(7, 107);
    image.holding(10, 110, 111);
    image.holes.addAll(List.of(3, 4, 9));
    int slavePort = MapImage.freePort();
    slave = MapImage.serve(slavePort, image);
    relay = new TcpRelay(slavePort);
    port = relay.listen(0);
  }

  @AfterEach
  void stop() {
    relay.close();
    ModbusSlaveFactory.close(slave);
  }

  private static ModbusPoint point(String name, int address, DataType type) {
    return new ModbusPoint(
        name,
        RegisterType.HOLDING,
        address,
        type,
        WordOrder.ABCD,
        1,
        0,
        "1",
        PointKind.GAUGE,
        null,
        name,
        Map.of());
  }

  private ModbusCollector collector() {
    var profile =
        new Profile.Modbus(
            "map",
            AddressBase.ZERO,
            List.of(
                point("a", 0, DataType.UINT16),
                point("b", 1, DataType.UINT16),
                point("c", 2, DataType.UINT16),
                point("d", 5, DataType.UINT32),
                point("e", 7, DataType.UINT16),
                point("ghost", 9, DataType.UINT16),
                point("f", 10, DataType.UINT16),
                point("g", 11, DataType.UINT16)));
    Device device = ModbusFaultsTest.device("m1", port, UNIT, Duration.ofSeconds(2));
    SiteConfig site = TestSites.site(List.of(profile), List.of(device));
    return new ModbusCollector(
        device, (Source.Modbus) device.source(), profile, site, Clock.systemUTC(), endpoints);
  }

  private static Map<String, Double> values(List<Sample> samples, Quality quality) {
    var out = new HashMap<String, Double>();
    samples.stream().filter(s -> s.quality() == quality).forEach(s -> out.putAll(s.fields()));
    return out;
  }

  private static final Map<String, Double> EXPECTED =
      Map.of("a", 100.0, "b", 101.0, "c", 102.0, "d", 65538.0, "e", 107.0, "f", 110.0, "g", 111.0);

  @Test
  void aReadRefusedForAnUnmappedRegisterIsSplitOnceAndTheSplitIsRemembered() throws Exception {
    try (var c = collector()) {
      assertThat(c.plan()).extracting(b -> b.start() + "+" + b.count()).containsExactly("0+12");

      List<Sample> first = c.poll();
      assertThat(image.served.getFirst()).isEqualTo("0+12");
      assertThat(values(first, Quality.GOOD)).isEqualTo(EXPECTED);
      assertThat(values(first, Quality.BAD)).containsOnlyKeys("ghost");

      for (int poll = 0; poll < 10; poll++) {
        image.served.clear();
        List<Sample> samples = c.poll();
        assertThat(image.served).as("poll %d", poll).containsExactly("0+3", "5+3", "10+2");
        assertThat(values(samples, Quality.GOOD)).isEqualTo(EXPECTED);
        assertThat(values(samples, Quality.BAD)).containsOnlyKeys("ghost");
      }
      assertThat(c.pointErrors())
          .containsOnlyKeys("ghost")
          .containsEntry("ghost", "illegal data address (exception 2) at holding 9");
    }
  }

  // A new connection may lead to a replaced or reconfigured device: the map is learned again.
  @Test
  void theLearnedSplitIsForgottenOnReconnect() throws Exception {
    try (var c = collector()) {
      c.poll();
      image.served.clear();
      c.poll();
      assertThat(image.served).containsExactly("0+3", "5+3", "10+2");

      relay.cut();
      // The closed listener's port is freed once its accept thread has woken up.
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(20))
          .ignoreExceptions()
          .until(() -> relay.listen(port) == port);
      assertThatThrownBy(c::poll).isInstanceOf(IOException.class);
      image.served.clear();
      List<Sample> relearned = c.poll();
      assertThat(image.served.getFirst()).isEqualTo("0+12");
      assertThat(values(relearned, Quality.GOOD)).isEqualTo(EXPECTED);

      image.served.clear();
      c.poll();
      assertThat(image.served).containsExactly("0+3", "5+3", "10+2");
    }
  }
}
