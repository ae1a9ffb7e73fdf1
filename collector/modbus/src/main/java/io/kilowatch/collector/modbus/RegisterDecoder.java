package io.kilowatch.collector.modbus;

import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.WordOrder;
import java.nio.ByteBuffer;

/**
 * Turns raw 16-bit registers into a number, for every data type and byte order.
 *
 * <p>Byte orders name the bytes of the value, A the most significant, in the order they arrive on
 * the wire. They are two independent swaps, which is also how they extend to 64-bit values: CDAB
 * and DCBA send the 16-bit words least significant first; BADC and DCBA swap the two bytes inside
 * each word. So a FLOAT64 in CDAB arrives as words GH EF CD AB, and a 16-bit value in BADC or DCBA
 * arrives as BA. j2mod's own helpers assume ABCD only, hence this class.
 */
public final class RegisterDecoder {
  private RegisterDecoder() {}

  /**
   * Decodes one value.
   *
   * @param registers wire values, each 0..65535
   * @param offset index of the value's first register
   * @return the value; {@code BIT} is 1 when the register is non-zero, else 0
   */
  public static double decode(int[] registers, int offset, DataType type, WordOrder order) {
    int n = type.registers();
    if (offset < 0 || offset + n > registers.length) {
      throw new IllegalArgumentException(
          type + " needs " + n + " registers at " + offset + ", have " + registers.length);
    }
    if (type == DataType.BIT) {
      return registers[offset] != 0 ? 1 : 0;
    }
    ByteBuffer b = ByteBuffer.wrap(bigEndianBytes(registers, offset, n, order));
    return switch (type) {
      case INT16 -> b.getShort();
      case UINT16 -> Short.toUnsignedInt(b.getShort());
      case INT32 -> b.getInt();
      case UINT32 -> Integer.toUnsignedLong(b.getInt());
      case INT64 -> b.getLong();
      case UINT64 -> unsignedToDouble(b.getLong());
      case FLOAT32 -> b.getFloat();
      case FLOAT64 -> b.getDouble();
      case BIT -> throw new AssertionError("handled above");
      case STRING -> throw new IllegalArgumentException("a string is not a number: use text()");
    };
  }

  /**
   * Decodes text of {@code n} registers, two characters each, in {@code order} (ABCD: the first
   * character in the high byte; BADC and DCBA: in the low byte; CDAB and DCBA also reverse the
   * registers). Characters are ISO-8859-1 (ASCII on every device seen); trailing NULs and spaces
   * are padding and dropped.
   */
  public static String text(int[] registers, int offset, int n, WordOrder order) {
    if (offset < 0 || offset + n > registers.length) {
      throw new IllegalArgumentException(
          "string needs " + n + " registers at " + offset + ", have " + registers.length);
    }
    byte[] bytes = bigEndianBytes(registers, offset, n, order);
    int end = bytes.length;
    while (end > 0 && (bytes[end - 1] == 0 || bytes[end - 1] == ' ')) {
      end--;
    }
    int nul = 0;
    while (nul < end && bytes[nul] != 0) {
      nul++;
    }
    return new String(bytes, 0, nul, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** The value's bytes, most significant first, from {@code n} registers in {@code order}. */
  static byte[] bigEndianBytes(int[] registers, int offset, int n, WordOrder order) {
    boolean wordsLowFirst = order == WordOrder.CDAB || order == WordOrder.DCBA;
    boolean bytesSwapped = order == WordOrder.BADC || order == WordOrder.DCBA;
    byte[] out = new byte[n * 2];
    for (int i = 0; i < n; i++) {
      int reg = registers[offset + (wordsLowFirst ? n - 1 - i : i)];
      if (reg < 0 || reg > 0xFFFF) {
        throw new IllegalArgumentException("register value out of range: " + reg);
      }
      byte hi = (byte) (reg >>> 8);
      byte lo = (byte) reg;
      out[2 * i] = bytesSwapped ? lo : hi;
      out[2 * i + 1] = bytesSwapped ? hi : lo;
    }
    return out;
  }

  /** An unsigned 64-bit value as the nearest double (exact up to 2^53). */
  static double unsignedToDouble(long v) {
    if (v >= 0) {
      return v;
    }
    // Halve (keeping the low bit so rounding stays correct), convert, double again.
    return ((v >>> 1) | (v & 1)) * 2.0;
  }
}
