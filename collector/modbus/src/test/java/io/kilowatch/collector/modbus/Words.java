package io.kilowatch.collector.modbus;

import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.WordOrder;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes values as a device would put them in its registers: the test-side mirror of {@link
 * RegisterDecoder}, written from the byte-order definitions rather than from the decoder, so that a
 * decoder mistake is not repeated here.
 */
final class Words {
  private Words() {}

  /** Registers holding {@code value} (an integer type takes the exact integer value). */
  static int[] of(DataType type, WordOrder order, double value) {
    ByteBuffer b = ByteBuffer.allocate(type.registers() * 2);
    switch (type) {
      case INT16, UINT16 -> b.putShort((short) (long) value);
      case INT32, UINT32 -> b.putInt((int) (long) value);
      case INT64 -> b.putLong((long) value);
      case UINT64 -> b.putLong(new BigDecimal(value).toBigInteger().longValue());
      case FLOAT32 -> b.putFloat((float) value);
      case FLOAT64 -> b.putDouble(value);
      case BIT -> b.putShort((short) (value != 0 ? 1 : 0));
      case STRING -> throw new IllegalArgumentException("use text()");
    }
    return arrange(b.array(), order);
  }

  /** An unsigned 64-bit integer given exactly. */
  static int[] u64(BigInteger value, WordOrder order) {
    return arrange(ByteBuffer.allocate(8).putLong(value.longValue()).array(), order);
  }

  /** Text padded with NULs to {@code registers} registers. */
  static int[] text(String s, int registers, WordOrder order) {
    byte[] bytes = new byte[registers * 2];
    byte[] t = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(t, 0, bytes, 0, t.length);
    return arrange(bytes, order);
  }

  /**
   * Big-endian bytes (A first) to registers in wire order: word w of an n-word value holds bytes 2w
   * and 2w+1; CDAB and DCBA send the last word first, BADC and DCBA put the second byte high.
   */
  private static int[] arrange(byte[] be, WordOrder order) {
    int n = be.length / 2;
    int[] regs = new int[n];
    for (int w = 0; w < n; w++) {
      int hi = be[2 * w] & 0xFF;
      int lo = be[2 * w + 1] & 0xFF;
      int word =
          switch (order) {
            case ABCD, CDAB -> (hi << 8) | lo;
            case BADC, DCBA -> (lo << 8) | hi;
          };
      int slot =
          switch (order) {
            case ABCD, BADC -> w;
            case CDAB, DCBA -> n - 1 - w;
          };
      regs[slot] = word;
    }
    return regs;
  }
}
