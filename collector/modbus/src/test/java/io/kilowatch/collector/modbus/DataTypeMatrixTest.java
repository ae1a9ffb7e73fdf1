package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import io.kilowatch.testkit.TestSites;
import java.math.BigInteger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every data type in every byte order, with known values (negative numbers, extremes, NaN and the
 * values either side of a 32- and 64-bit counter wrap), read from a j2mod slave in one poll.
 */
class DataTypeMatrixTest {
  private static final int UNIT = 7;

  private ModbusSlave slave;
  private ModbusCollector collector;

  @AfterEach
  void stop() {
    if (collector != null) {
      collector.close();
    }
    if (slave != null) {
      ModbusSlaveFactory.close(slave);
    }
  }

  /** A value and the registers a device holds it in. */
  private record Case(DataType type, WordOrder order, int[] words, double expected) {}

  private static List<Case> cases() {
    var values = new HashMap<DataType, double[]>();
    values.put(DataType.INT16, new double[] {-2, 32767, -32768});
    values.put(DataType.UINT16, new double[] {0, 65535});
    values.put(DataType.INT32, new double[] {-123456, 2147483647, -2147483648});
    // 4294967295 is the last value before a 32-bit counter wraps to 0.
    values.put(DataType.UINT32, new double[] {4294967295.0, 0, 4000000000.0});
    values.put(DataType.INT64, new double[] {-1, -123456789012.0, 9007199254740992.0});
    values.put(DataType.UINT64, new double[] {1234567, 0});
    values.put(DataType.FLOAT32, new double[] {-1.5, 230.5, Double.NaN});
    values.put(DataType.FLOAT64, new double[] {-2.5, 1e-300, Double.NaN});
    var cases = new ArrayList<Case>();
    for (WordOrder order : WordOrder.values()) {
      for (DataType type : DataType.values()) {
        for (double v : values.getOrDefault(type, new double[0])) {
          cases.add(new Case(type, order, Words.of(type, order, v), v));
        }
      }
      // The top of a 64-bit counter, 2^64 - 1, given exactly (a double cannot hold it).
      BigInteger top = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
      cases.add(new Case(DataType.UINT64, order, Words.u64(top, order), top.doubleValue()));
    }
    return cases;
  }

  private ModbusCollector collector(int port, List<ModbusPoint> points) {
    var profile = new Profile.Modbus("matrix", AddressBase.ZERO, points);
    Device device =
        TestSites.device(
            "m1",
            DeviceKind.METER,
            Location.FACILITY,
            profile.id(),
            new Source.Modbus("127.0.0.1", port, UNIT));
    SiteConfig site = TestSites.site(List.of(profile), List.of(device));
    collector =
        new ModbusCollector(
            device,
            (Source.Modbus) device.source(),
            profile,
            site,
            Clock.systemUTC(),
            new ModbusEndpoints());
    return collector;
  }

  private static ModbusPoint point(String name, DataType type, WordOrder order, int address) {
    return new ModbusPoint(
        name,
        RegisterType.HOLDING,
        address,
        type,
        order,
        1,
        0,
        "1",
        PointKind.GAUGE,
        null,
        name,
        Map.of());
  }

  @Test
  void decodesEveryTypeInEveryByteOrder() throws Exception {
    List<Case> cases = cases();
    var image = new MapImage(UNIT, 400);
    var points = new ArrayList<ModbusPoint>();
    var expected = new HashMap<String, Case>();
    int address = 0;
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      String name = (c.type() + "_" + c.order() + "_" + i).toLowerCase(Locale.ROOT);
      image.holding(address, c.words());
      points.add(point(name, c.type(), c.order(), address));
      expected.put(name, c);
      address += c.words().length;
    }
    int strings = address;
    for (WordOrder order : WordOrder.values()) {
      image.holding(address, Words.text("PDU-42 A", 5, order));
      points.add(
          new ModbusPoint(
              "model_" + order.name().toLowerCase(Locale.ROOT),
              RegisterType.HOLDING,
              address,
              DataType.STRING,
              order,
              1,
              0,
              "1",
              PointKind.GAUGE,
              null,
              "model_" + order.name().toLowerCase(Locale.ROOT),
              Map.of(),
              5));
      address += 5;
    }
    int port = MapImage.freePort();
    slave = MapImage.serve(port, image);
    var c = collector(port, points);

    List<Sample> samples = c.poll();

    Map<String, Double> good =
        samples.stream()
            .filter(s -> s.quality() == Quality.GOOD)
            .findFirst()
            .orElseThrow()
            .fields();
    Map<String, Double> bad =
        samples.stream().filter(s -> s.quality() == Quality.BAD).findFirst().orElseThrow().fields();
    var soft = new SoftAssertions();
    expected.forEach(
        (name, k) -> {
          if (Double.isNaN(k.expected())) {
            soft.assertThat(bad).as(name).containsKey(name);
            soft.assertThat(c.pointErrors().get(name)).as(name).contains("NaN");
          } else {
            soft.assertThat(good.get(name)).as(name).isEqualTo(k.expected());
          }
        });
    for (WordOrder order : WordOrder.values()) {
      soft.assertThat(c.text())
          .containsEntry("model_" + order.name().toLowerCase(Locale.ROOT), "PDU-42 A");
    }
    soft.assertAll();
    assertThat(cases).hasSizeGreaterThan(80);
    // Everything was read in ceil(registers / 125) requests.
    assertThat(image.reads.get()).isEqualTo((address + 124) / 125);
    assertThat(strings).isPositive();
  }

  @Test
  void coilsAndDiscretesAreBits() throws Exception {
    var image = new MapImage(UNIT, 40);
    image.coil(2, true);
    image.discrete(17, true);
    int port = MapImage.freePort();
    slave = MapImage.serve(port, image);
    var c =
        collector(
            port,
            List.of(
                new ModbusPoint(
                    "c2",
                    RegisterType.COIL,
                    2,
                    DataType.BIT,
                    WordOrder.ABCD,
                    1,
                    0,
                    "1",
                    PointKind.GAUGE,
                    null,
                    "c2",
                    Map.of()),
                new ModbusPoint(
                    "c3",
                    RegisterType.COIL,
                    3,
                    DataType.BIT,
                    WordOrder.ABCD,
                    1,
                    0,
                    "1",
                    PointKind.GAUGE,
                    null,
                    "c3",
                    Map.of()),
                new ModbusPoint(
                    "d17",
                    RegisterType.DISCRETE,
                    17,
                    DataType.BIT,
                    WordOrder.ABCD,
                    1,
                    0,
                    "1",
                    PointKind.GAUGE,
                    null,
                    "d17",
                    Map.of())));

    assertThat(c.poll().getFirst().fields())
        .containsExactlyInAnyOrderEntriesOf(Map.of("c2", 1.0, "c3", 0.0, "d17", 1.0));
  }

  @Test
  void a32BitEnergyCounterThatWrapsIsStoredAsIsAndItsIncreaseIsKnown() throws Exception {
    var image = new MapImage(UNIT, 10);
    // A Wh counter in kWh (scale 0.001), 5 Wh before its 32-bit top.
    image.holding(0, Words.of(DataType.UINT32, WordOrder.CDAB, 4294967290.0));
    int port = MapImage.freePort();
    slave = MapImage.serve(port, image);
    var energy =
        new ModbusPoint(
            "energy",
            RegisterType.HOLDING,
            0,
            DataType.UINT32,
            WordOrder.CDAB,
            0.001,
            0,
            "kWh",
            PointKind.COUNTER,
            null,
            "energy_kwh",
            Map.of());
    var c = collector(port, List.of(energy));

    double before = c.poll().getFirst().fields().get("energy_kwh");
    image.holding(
        0,
        Words.of(
            DataType.UINT32,
            WordOrder.CDAB,
            7)); // 13 Wh later: 5 to the top, 1 to wrap to 0, 7 more
    double after = c.poll().getFirst().fields().get("energy_kwh");

    assertThat(before).isCloseTo(4294967.290, within(1e-6));
    assertThat(after).isCloseTo(0.007, within(1e-9));
    Profile.CounterSpec spec = energy.counter();
    assertThat(spec.bits()).isEqualTo(32);
    assertThat(spec.increase(before, after)).isCloseTo(0.013, within(1e-6));
    // A meter replaced (reset), not wrapped: the new reading is the increase.
    assertThat(spec.increase(1000.0, 2.5)).isEqualTo(2.5);
  }
}
