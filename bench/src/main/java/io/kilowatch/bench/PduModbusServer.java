package io.kilowatch.bench;

import io.kilowatch.testkit.modbus.ModbusAnswer;
import io.kilowatch.testkit.modbus.ModbusRequest;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import io.kilowatch.testkit.modbus.RegisterBank;
import java.io.IOException;

/**
 * Every PDU of the scale site, and the facility meter, as a Modbus TCP device on its own loopback
 * port, served by the test kit's one-thread {@link ModbusTcpFake} (1,536 j2mod slaves would cost
 * two platform threads each). Function 3 reads an 8-register map, so one request per poll: power W
 * (float32, 0), current A (float32, 2), energy Wh (uint64, 4). Values are computed from the clock
 * at answer time, so power and energy stay coherent without a ticker. The facility meter (the last
 * port) reads the PDUs' sum plus a quarter for cooling and losses, so the site's PUE is 1.25 by
 * construction.
 */
final class PduModbusServer implements PduSide {
  static final int REGISTERS = 8;

  private final double[] basePowerW;
  private final Faults faults;
  private final AnswerLog answered;
  private final long startNanos = System.nanoTime();
  private final ModbusTcpFake server;

  PduModbusServer(int devices, long seed) throws IOException {
    basePowerW = new double[devices];
    faults = new Faults(devices);
    answered = new AnswerLog(devices + 1);
    var random = new java.util.Random(seed);
    for (int d = 0; d < devices; d++) {
      basePowerW[d] = 8_000 + random.nextDouble() * 6_000;
    }
    server = ModbusTcpFake.start(devices + 1, this::answer);
  }

  @Override
  public int meterPort() {
    return server.port(basePowerW.length);
  }

  @Override
  public int port(int device) {
    return server.port(device);
  }

  @Override
  public Faults faults() {
    return faults;
  }

  @Override
  public void stop(int device) {
    faults.stop(device);
  }

  @Override
  public void resume(int device) {
    faults.resume(device);
  }

  @Override
  public boolean everFaulted(int device) {
    return faults.everFaulted(device);
  }

  @Override
  public void measureFrom(long epochMs) {
    answered.measureFrom(epochMs);
  }

  @Override
  public void restartMeasuring(long epochMs, long lateGapMs) {
    answered.restartMeasuring(epochMs, lateGapMs);
  }

  /** Requests this device answered with a good reply. */
  @Override
  public AnswerLog answers() {
    return answered;
  }

  @Override
  public double apartCpuSeconds() {
    return 0;
  }

  double powerW(int device, double seconds) {
    return basePowerW[device] * (1 + 0.1 * Math.sin(seconds / 60.0 + device));
  }

  double energyWh(int device, double seconds) {
    // Integral of powerW over [0, seconds], in watt-hours: energy follows power exactly.
    double b = basePowerW[device];
    double integral =
        b * seconds + 0.1 * b * 60 * (Math.cos(device) - Math.cos(seconds / 60 + device));
    return 1_000_000 + integral / 3600;
  }

  private ModbusAnswer answer(ModbusRequest r) {
    int device = r.device();
    FaultMode mode = device < faults.size() ? faults.mode(device) : FaultMode.OK;
    return switch (mode) {
      case SILENT -> ModbusAnswer.silence();
      case GARBAGE -> ModbusAnswer.garbage(r);
      case SLOW -> new ModbusAnswer.Late(ScaleSite.SLOW_DELAY, good(r));
      case OK -> {
        ModbusAnswer good = good(r);
        if (good instanceof ModbusAnswer.Values) {
          answered.answered(device);
        }
        yield good;
      }
    };
  }

  private ModbusAnswer good(ModbusRequest r) {
    return RegisterBank.answer(r, registers(r.device()));
  }

  private int[] registers(int device) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double power;
    long e;
    if (device == basePowerW.length) {
      double sumP = 0;
      double sumE = 0;
      for (int d = 0; d < basePowerW.length; d++) {
        sumP += powerW(d, seconds);
        sumE += energyWh(d, seconds);
      }
      power = 1.25 * sumP;
      e = Math.round(1.25 * sumE);
    } else {
      power = powerW(device, seconds);
      e = Math.round(energyWh(device, seconds));
    }
    int p = Float.floatToIntBits((float) power);
    int a = Float.floatToIntBits((float) (power / 230.0 / 3));
    return new int[] {
      p >>> 16,
      p & 0xFFFF,
      a >>> 16,
      a & 0xFFFF,
      (int) (e >>> 48) & 0xFFFF,
      (int) (e >>> 32) & 0xFFFF,
      (int) (e >>> 16) & 0xFFFF,
      (int) e & 0xFFFF
    };
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
