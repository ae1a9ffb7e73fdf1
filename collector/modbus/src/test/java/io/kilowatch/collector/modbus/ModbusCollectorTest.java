package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.ghgande.j2mod.modbus.procimg.DigitalIn;
import com.ghgande.j2mod.modbus.procimg.DigitalOut;
import com.ghgande.j2mod.modbus.procimg.IllegalAddressException;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
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
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TcpRelay;
import io.kilowatch.testkit.TestSites;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Modbus collector against a real j2mod TCP slave on loopback. */
class ModbusCollectorTest {
  private static final int UNIT = 3;
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

  private final CountingImage image = new CountingImage();
  private ModbusSlave slave;
  private int port;
  private ModbusCollector collector;

  /** A slave's register map that counts read requests and refuses some addresses. */
  static final class CountingImage extends SimpleProcessImage {
    final AtomicInteger registerReads = new AtomicInteger();
    final AtomicInteger otherReads = new AtomicInteger();
    final Set<Integer> holes = new java.util.concurrent.CopyOnWriteArraySet<>();

    CountingImage() {
      super(UNIT);
      for (int i = 0; i < 40; i++) {
        addRegister(new SimpleRegister(0));
        addInputRegister(new SimpleInputRegister(0));
        addDigitalOut(new SimpleDigitalOut(false));
        addDigitalIn(new SimpleDigitalIn(false));
      }
    }

    void holding(int address, int... words) {
      for (int i = 0; i < words.length; i++) {
        registers.get(address + i).setValue(words[i]);
      }
    }

    private void check(int offset, int count) {
      for (int a = offset; a < offset + count; a++) {
        if (holes.contains(a)) {
          throw new IllegalAddressException("no register " + a);
        }
      }
    }

    @Override
    public Register[] getRegisterRange(int offset, int count) {
      registerReads.incrementAndGet();
      check(offset, count);
      return super.getRegisterRange(offset, count);
    }

    @Override
    public InputRegister[] getInputRegisterRange(int offset, int count) {
      otherReads.incrementAndGet();
      return super.getInputRegisterRange(offset, count);
    }

    @Override
    public DigitalOut[] getDigitalOutRange(int offset, int count) {
      otherReads.incrementAndGet();
      return super.getDigitalOutRange(offset, count);
    }

    @Override
    public DigitalIn[] getDigitalInRange(int offset, int count) {
      otherReads.incrementAndGet();
      return super.getDigitalInRange(offset, count);
    }
  }

  @BeforeEach
  void startSlave() throws Exception {
    port = freePort();
    slave = ModbusSlaveFactory.createTCPSlave(InetAddress.getLoopbackAddress(), port, 4, false);
    slave.addProcessImage(UNIT, image);
    slave.open();
  }

  @AfterEach
  void stop() {
    if (collector != null) {
      collector.close();
    }
    ModbusSlaveFactory.close(slave);
  }

  static int freePort() throws IOException {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static ModbusPoint point(
      String field, RegisterType type, int address, DataType dataType, WordOrder order) {
    return point(field, type, address, dataType, order, 1, 0);
  }

  static ModbusPoint point(
      String field,
      RegisterType type,
      int address,
      DataType dataType,
      WordOrder order,
      double scale,
      double offset) {
    return new ModbusPoint(
        field,
        type,
        address,
        dataType,
        order,
        scale,
        offset,
        null,
        PointKind.GAUGE,
        null,
        field,
        Map.of());
  }

  private ModbusCollector collector(AddressBase base, List<ModbusPoint> points) {
    var profile = new Profile.Modbus("test-map", base, points);
    Device device =
        TestSites.device(
            "c1-r1-pdu-a",
            DeviceKind.PDU,
            new Location("c1", "c1-r1"),
            profile.id(),
            new Source.Modbus("127.0.0.1", port, UNIT));
    SiteConfig site = TestSites.siteWithRack(List.of(profile), List.of(device));
    collector =
        new ModbusCollector(
            device,
            (Source.Modbus) device.source(),
            profile,
            site,
            Clock.fixed(NOW, ZoneOffset.UTC));
    return collector;
  }

  private static Sample only(List<Sample> samples, Quality quality) {
    return samples.stream().filter(s -> s.quality() == quality).findFirst().orElseThrow();
  }

  @Test
  void decodesSeveralTypesAndByteOrdersWithScaleAndOffset() throws Exception {
    image.holding(0, 0x4366, 0x8000); // FLOAT32 ABCD 230.5
    image.holding(2, 0x0000, 0x0000, 0x0012, 0xD687); // UINT64 ABCD 1234567
    image.holding(6, 0x0000, 0xBFC0); // FLOAT32 CDAB -1.5
    image.holding(8, 0xFFFE); // INT16 -2
    image.holding(9, 0xC01D, 0xFEFF); // INT32 DCBA -123456
    var c =
        collector(
            AddressBase.ZERO,
            List.of(
                point("power_w", RegisterType.HOLDING, 0, DataType.FLOAT32, WordOrder.ABCD),
                point(
                    "energy_kwh",
                    RegisterType.HOLDING,
                    2,
                    DataType.UINT64,
                    WordOrder.ABCD,
                    0.001,
                    0),
                point("current_a", RegisterType.HOLDING, 6, DataType.FLOAT32, WordOrder.CDAB),
                point("temp_c", RegisterType.HOLDING, 8, DataType.INT16, WordOrder.ABCD, 0.1, 20),
                point("counter", RegisterType.HOLDING, 9, DataType.INT32, WordOrder.DCBA)));

    List<Sample> samples = c.poll();

    assertThat(samples).hasSize(1);
    Sample s = samples.getFirst();
    assertThat(s.quality()).isEqualTo(Quality.GOOD);
    assertThat(s.time()).isEqualTo(NOW);
    assertThat(s.measurement()).isEqualTo("pdu");
    assertThat(s.tags())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "site", TestSites.SITE_NAME,
                "device", "c1-r1-pdu-a",
                "cluster", "c1",
                "rack", "c1-r1"));
    assertThat(s.fields().get("power_w")).isEqualTo(230.5);
    assertThat(s.fields().get("energy_kwh"))
        .isCloseTo(1234.567, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(s.fields().get("current_a")).isEqualTo(-1.5);
    assertThat(s.fields().get("temp_c")).isCloseTo(19.8, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(s.fields().get("counter")).isEqualTo(-123456);
  }

  @Test
  void readsInputRegistersCoilsAndDiscretes() throws Exception {
    ((SimpleInputRegister) image.getInputRegister(4)).setValue(0x3412);
    image.getDigitalOut(2).set(true);
    ((SimpleDigitalIn) image.getDigitalIn(1)).set(true);
    var c =
        collector(
            AddressBase.ZERO,
            List.of(
                point("in_u16", RegisterType.INPUT, 4, DataType.UINT16, WordOrder.BADC),
                point("coil_on", RegisterType.COIL, 2, DataType.BIT, WordOrder.ABCD),
                point("coil_off", RegisterType.COIL, 3, DataType.BIT, WordOrder.ABCD),
                point("disc_on", RegisterType.DISCRETE, 1, DataType.BIT, WordOrder.ABCD)));

    Sample s = only(c.poll(), Quality.GOOD);

    assertThat(s.fields())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("in_u16", 4660.0, "coil_on", 1.0, "coil_off", 0.0, "disc_on", 1.0));
  }

  @Test
  void illegalAddressMakesOnlyThatPointBadAndNamesTheAddress() throws Exception {
    image.holding(0, 0x4366, 0x8000);
    image.holding(4, 0x0007);
    image.holes.add(2);
    var c =
        collector(
            AddressBase.ONE,
            List.of(
                point("power_w", RegisterType.HOLDING, 1, DataType.FLOAT32, WordOrder.ABCD),
                point("ghost", RegisterType.HOLDING, 3, DataType.UINT16, WordOrder.ABCD),
                point("status", RegisterType.HOLDING, 5, DataType.UINT16, WordOrder.ABCD)));

    List<Sample> samples = c.poll();

    assertThat(only(samples, Quality.GOOD).fields())
        .containsExactlyInAnyOrderEntriesOf(Map.of("power_w", 230.5, "status", 7.0));
    Sample bad = only(samples, Quality.BAD);
    assertThat(bad.fields()).containsOnlyKeys("ghost");
    assertThat(bad.fields().get("ghost")).isNaN();
    assertThat(bad.tags()).containsEntry("device", "c1-r1-pdu-a");
    assertThat(c.pointErrors()).containsOnlyKeys("ghost");
    assertThat(c.pointErrors().get("ghost")).contains("holding 3").contains("wire 2");
  }

  @Test
  void neighbouringPointsAreReadInOneRequest() throws Exception {
    var c =
        collector(
            AddressBase.ZERO,
            List.of(
                point("a", RegisterType.HOLDING, 0, DataType.FLOAT32, WordOrder.ABCD),
                point("b", RegisterType.HOLDING, 2, DataType.UINT64, WordOrder.ABCD),
                point("c", RegisterType.HOLDING, 6, DataType.FLOAT32, WordOrder.ABCD),
                point("d", RegisterType.HOLDING, 12, DataType.INT16, WordOrder.ABCD),
                point("e", RegisterType.HOLDING, 20, DataType.UINT32, WordOrder.CDAB)));

    c.poll();
    int first = image.registerReads.get();
    c.poll();

    assertThat(c.plan()).hasSize(1);
    assertThat(first).isEqualTo(1);
    assertThat(image.registerReads.get()).isEqualTo(2);
  }

  @Test
  void nanFloatFromTheDeviceIsABadPoint() throws Exception {
    image.holding(0, 0x7FC0, 0x0000);
    image.holding(2, 0x3F80, 0x0000);
    var c =
        collector(
            AddressBase.ZERO,
            List.of(
                point("nan_w", RegisterType.HOLDING, 0, DataType.FLOAT32, WordOrder.ABCD),
                point("one", RegisterType.HOLDING, 2, DataType.FLOAT32, WordOrder.ABCD)));

    List<Sample> samples = c.poll();

    assertThat(only(samples, Quality.GOOD).fields()).containsExactlyEntriesOf(Map.of("one", 1.0));
    assertThat(only(samples, Quality.BAD).fields()).containsOnlyKeys("nan_w");
  }

  @Test
  void unreachableDeviceFailsThePollAsAWhole() throws Exception {
    var c =
        collector(
            AddressBase.ZERO,
            List.of(point("a", RegisterType.HOLDING, 0, DataType.UINT16, WordOrder.ABCD)));
    ModbusSlaveFactory.close(slave);

    assertThatThrownBy(c::poll).isInstanceOf(IOException.class).hasMessageContaining("127.0.0.1");
  }

  /** The cut connection may linger a moment in the kernel (FIN_WAIT) and hold the port. */
  private static void listenAgain(TcpRelay relay, int port) {
    await()
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(20))
        .ignoreException(java.net.BindException.class)
        .until(
            () -> {
              relay.listen(port);
              return true;
            });
  }

  @Test
  void reconnectsAfterTheConnectionIsLost() throws Exception {
    image.holding(0, 42);
    try (var relay = new TcpRelay(port)) {
      int slavePort = port;
      port = relay.listen(0);
      var c =
          collector(
              AddressBase.ZERO,
              List.of(point("a", RegisterType.HOLDING, 0, DataType.UINT16, WordOrder.ABCD)));
      port = slavePort;
      assertThat(only(c.poll(), Quality.GOOD).fields()).containsEntry("a", 42.0);
      int relayPort = ((Source.Modbus) c.device().source()).port();

      relay.cut();
      assertThatThrownBy(c::poll).isInstanceOf(IOException.class);
      listenAgain(relay, relayPort);
      image.holding(0, 43);

      assertThat(only(c.poll(), Quality.GOOD).fields()).containsEntry("a", 43.0);
    }
  }
}
