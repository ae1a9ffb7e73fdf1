package io.kilowatch.testkit.modbus;

import java.time.Duration;

/** What a {@link ModbusTcpFake} sends back for one request. */
public sealed interface ModbusAnswer {
  /** Register words (functions 3, 4) or bits (functions 1, 2, one value per bit). */
  record Values(int[] values) implements ModbusAnswer {}

  /** A Modbus exception response with this code. */
  record Exception(int code) implements ModbusAnswer {}

  /** These bytes instead of a frame: garbage, half a frame, a frame that does not match. */
  record Raw(byte[] bytes) implements ModbusAnswer {}

  /** Nothing; the connection stays open. */
  record Silence() implements ModbusAnswer {}

  /** {@code then}, but only after {@code delay}: a device slower than the client's timeout. */
  record Late(Duration delay, ModbusAnswer then) implements ModbusAnswer {}

  static ModbusAnswer values(int... values) {
    return new Values(values);
  }

  static ModbusAnswer exception(int code) {
    return new Exception(code);
  }

  static ModbusAnswer silence() {
    return new Silence();
  }

  /**
   * The right transaction id with a nonsense body: a length that does not match what follows, as a
   * confused gateway sends.
   */
  static ModbusAnswer garbage(ModbusRequest r) {
    return new Raw(
        new byte[] {
          (byte) (r.transaction() >>> 8),
          (byte) r.transaction(),
          0,
          0,
          0,
          9,
          (byte) r.unit(),
          0x03,
          0x7F,
          (byte) 0xBE,
          (byte) 0xEF
        });
  }
}
