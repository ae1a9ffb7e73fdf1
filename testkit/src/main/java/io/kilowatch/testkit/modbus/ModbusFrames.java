package io.kilowatch.testkit.modbus;

/** Modbus TCP frames (MBAP header and PDU) for answers, built byte by byte. */
public final class ModbusFrames {
  private ModbusFrames() {}

  /** The MBAP header for {@code r}'s transaction and unit, followed by {@code pdu}. */
  public static byte[] frame(ModbusRequest r, byte[] pdu) {
    byte[] f = new byte[7 + pdu.length];
    f[0] = (byte) (r.transaction() >>> 8);
    f[1] = (byte) r.transaction();
    f[4] = (byte) ((pdu.length + 1) >>> 8);
    f[5] = (byte) (pdu.length + 1);
    f[6] = (byte) r.unit();
    System.arraycopy(pdu, 0, f, 7, pdu.length);
    return f;
  }

  static byte[] encode(ModbusRequest r, ModbusAnswer answer) {
    int fc = r.function();
    return switch (answer) {
      case ModbusAnswer.Values v -> frame(r, data(fc, v.values()));
      case ModbusAnswer.Exception e -> frame(r, new byte[] {(byte) (fc | 0x80), (byte) e.code()});
      case ModbusAnswer.Raw raw -> raw.bytes();
      case ModbusAnswer.Silence s -> new byte[0];
      case ModbusAnswer.Late late -> encode(r, late.then());
    };
  }

  private static byte[] data(int fc, int[] values) {
    if (fc <= 2) {
      byte[] pdu = new byte[2 + (values.length + 7) / 8];
      pdu[0] = (byte) fc;
      pdu[1] = (byte) (pdu.length - 2);
      for (int i = 0; i < values.length; i++) {
        if (values[i] != 0) {
          pdu[2 + i / 8] |= (byte) (1 << (i % 8));
        }
      }
      return pdu;
    }
    byte[] pdu = new byte[2 + 2 * values.length];
    pdu[0] = (byte) fc;
    pdu[1] = (byte) (2 * values.length);
    for (int i = 0; i < values.length; i++) {
      pdu[2 + 2 * i] = (byte) (values[i] >>> 8);
      pdu[3 + 2 * i] = (byte) values[i];
    }
    return pdu;
  }
}
