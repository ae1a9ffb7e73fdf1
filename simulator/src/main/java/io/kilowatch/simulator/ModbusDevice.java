package io.kilowatch.simulator;

import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.util.function.Function;

/**
 * One Modbus TCP slave on its own loopback port, serving one device's register block as unit 1.
 * j2mod's factory keeps one slave per port, so every device gets a port of its own.
 */
final class ModbusDevice implements AutoCloseable {
  static final int UNIT_ID = 1;

  /** Concurrent connections served; a collector needs one per device. */
  private static final int POOL_SIZE = 4;

  /** Drops connections a client forgot, so they cannot use up the pool. */
  private static final int MAX_IDLE_S = 120;

  final String deviceId;
  final int port;
  private final ModbusSlave slave;
  private final RegisterImage image;
  private final Function<SiteSnapshot, int[]> encoder;

  private ModbusDevice(
      String deviceId,
      int port,
      ModbusSlave slave,
      RegisterImage image,
      Function<SiteSnapshot, int[]> encoder) {
    this.deviceId = deviceId;
    this.port = port;
    this.slave = slave;
    this.image = image;
    this.encoder = encoder;
  }

  static ModbusDevice start(
      String deviceId, int registers, Function<SiteSnapshot, int[]> encoder, SiteSnapshot first)
      throws IOException {
    RegisterImage image = new RegisterImage(UNIT_ID, registers);
    image.update(encoder.apply(first));
    InetAddress loopback = InetAddress.getLoopbackAddress();
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = FreePorts.reserve();
      ModbusSlave slave = null;
      try {
        slave = ModbusSlaveFactory.createTCPSlave(loopback, port, POOL_SIZE, false, MAX_IDLE_S);
        slave.addProcessImage(UNIT_ID, image);
        slave.open();
        FreePorts.awaitListening(port);
        return new ModbusDevice(deviceId, port, slave, image, encoder);
      } catch (ModbusException | IOException e) {
        // Another process may have taken the port between probe and bind: try another.
        last = new IOException("Modbus slave for " + deviceId + " on port " + port, e);
        if (slave != null) {
          ModbusSlaveFactory.close(slave);
        }
      }
    }
    throw last;
  }

  void publish(SiteSnapshot snapshot) {
    image.update(encoder.apply(snapshot));
  }

  @Override
  public void close() {
    ModbusSlaveFactory.close(slave);
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
