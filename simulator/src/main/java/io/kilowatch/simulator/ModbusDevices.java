package io.kilowatch.simulator;

import io.kilowatch.testkit.modbus.ModbusTcpFake;
import io.kilowatch.testkit.modbus.RegisterBank;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The demo's PDUs and meters as Modbus TCP devices, each on its own loopback port, all served by
 * the test kit's one-thread {@link ModbusTcpFake}. Each request is answered from a block encoded
 * whole from the site as it is at that request, so a master never reads a 32- or 64-bit value torn
 * between two states, and an energy register holds the energy up to the read.
 */
final class ModbusDevices implements AutoCloseable {
  /** One device: its id, the size of its register map and how a snapshot fills the map. */
  record Spec(String deviceId, int registers, Function<SiteSnapshot, int[]> encoder) {}

  private final List<Spec> specs;
  private final ModbusTcpFake server;

  private ModbusDevices(List<Spec> specs, ModbusTcpFake server) {
    this.specs = specs;
    this.server = server;
  }

  static ModbusDevices start(List<Spec> specs, Supplier<SiteSnapshot> site) throws IOException {
    List<Spec> fixed = List.copyOf(specs);
    return new ModbusDevices(
        fixed,
        ModbusTcpFake.start(
            fixed.size(),
            r -> RegisterBank.answer(r, fixed.get(r.device()).encoder().apply(site.get()))));
  }

  /** Device id to port, in the order the devices were given. */
  Map<String, Integer> ports() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (int d = 0; d < specs.size(); d++) {
      ports.put(specs.get(d).deviceId(), server.port(d));
    }
    return ports;
  }

  int size() {
    return specs.size();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  /** Register map of profile {@code demo-pdu}. */
  static final int PDU_REGISTERS = 24;

  static int[] pduWords(PduReading pdu) {
    RegisterWords w = new RegisterWords(PDU_REGISTERS).float32Abcd(0, pdu.powerW());
    for (int i = 0; i < 3; i++) {
      PduReading.Phase phase = pdu.phases().get(i);
      w.float32Abcd(2 + 2 * i, phase.powerW());
      w.float32Abcd(8 + 2 * i, phase.currentA());
      w.float32Abcd(14 + 2 * i, phase.voltageV());
    }
    return w.uint64Abcd(20, (long) Math.floor(pdu.energyWh())).words();
  }

  /** Register map of profile {@code demo-meter}: floats word-swapped (CDAB), energy ABCD. */
  static final int METER_REGISTERS = 10;

  static int[] meterWords(MeterReading meter) {
    return new RegisterWords(METER_REGISTERS)
        .float32Cdab(0, meter.powerW())
        .uint64Abcd(2, (long) Math.floor(meter.energyWh()))
        .float32Cdab(6, meter.voltageV())
        .float32Cdab(8, meter.frequencyHz())
        .words();
  }
}
