package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.WordOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegisterDecoderTest {

  /** Registers from hex words as they arrive on the wire, e.g. "3F80 0000". */
  private static int[] wire(String words) {
    String[] parts = words.trim().split("\\s+");
    int[] regs = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      regs[i] = Integer.parseInt(parts[i], 16);
    }
    return regs;
  }

  private static double decode(String words, DataType type, WordOrder order) {
    return RegisterDecoder.decode(wire(words), 0, type, order);
  }

  // Each row is the same value written in each byte order: A is the most significant byte.
  @ParameterizedTest(name = "{0} {1} [{2}] = {3}")
  @CsvSource({
    "INT16,   ABCD, FFFE,                 -2",
    "INT16,   BADC, FEFF,                 -2",
    "INT16,   DCBA, FEFF,                 -2",
    "INT16,   CDAB, 8000,                 -32768",
    "UINT16,  ABCD, FFFE,                 65534",
    "UINT16,  BADC, 3412,                 4660",
    "INT32,   ABCD, FFFE 1DC0,            -123456",
    "INT32,   CDAB, 1DC0 FFFE,            -123456",
    "INT32,   BADC, FEFF C01D,            -123456",
    "INT32,   DCBA, C01D FEFF,            -123456",
    "UINT32,  ABCD, FFFE 1DC0,            4294843840",
    "UINT32,  CDAB, 1DC0 FFFE,            4294843840",
    "UINT32,  ABCD, 0001 0000,            65536",
    "FLOAT32, ABCD, 4366 8000,            230.5",
    "FLOAT32, CDAB, 8000 4366,            230.5",
    "FLOAT32, BADC, 6643 0080,            230.5",
    "FLOAT32, DCBA, 0080 6643,            230.5",
    "FLOAT32, ABCD, BFC0 0000,            -1.5",
    "INT64,   ABCD, 0102 0304 0506 0708,  72623859790382856",
    "INT64,   CDAB, 0708 0506 0304 0102,  72623859790382856",
    "INT64,   BADC, 0201 0403 0605 0807,  72623859790382856",
    "INT64,   DCBA, 0807 0605 0403 0201,  72623859790382856",
    "INT64,   ABCD, FFFF FFFF FFFF FFFF,  -1",
    "INT64,   ABCD, FFFF FFFF FFFE 1DC0,  -123456",
    "UINT64,  ABCD, 0000 0000 0012 D687,  1234567",
    "UINT64,  CDAB, D687 0012 0000 0000,  1234567",
    "FLOAT64, ABCD, 3FF0 0000 0000 0000,  1.0",
    "FLOAT64, CDAB, 0000 0000 0000 C004,  -2.5",
    "FLOAT64, BADC, F03F 0000 0000 0000,  1.0",
    "FLOAT64, DCBA, 0000 0000 0000 04C0,  -2.5",
  })
  void decodesKnownValuesInEveryByteOrder(
      DataType type, WordOrder order, String words, double expected) {
    assertThat(decode(words, type, order)).isEqualTo(expected);
  }

  @Test
  void unsigned64AboveLongMaxStaysPositive() {
    assertThat(decode("FFFF FFFF FFFF FFFF", DataType.UINT64, WordOrder.ABCD))
        .isEqualTo(18446744073709551615.0);
    assertThat(decode("8000 0000 0000 0000", DataType.UINT64, WordOrder.ABCD))
        .isEqualTo(9223372036854775808.0);
  }

  @Test
  void nanAndInfinityFloatsDecodeAsSuch() {
    // The collector turns these into BAD points; the decoder must not hide them.
    assertThat(decode("7FC0 0000", DataType.FLOAT32, WordOrder.ABCD)).isNaN();
    assertThat(decode("0000 7FC0", DataType.FLOAT32, WordOrder.CDAB)).isNaN();
    assertThat(decode("7FF8 0000 0000 0000", DataType.FLOAT64, WordOrder.ABCD)).isNaN();
    assertThat(decode("FF80 0000", DataType.FLOAT32, WordOrder.ABCD)).isInfinite().isNegative();
  }

  @Test
  void bitIsOneForAnyNonZeroRegister() {
    assertThat(decode("0000", DataType.BIT, WordOrder.ABCD)).isZero();
    assertThat(decode("0001", DataType.BIT, WordOrder.ABCD)).isEqualTo(1);
    assertThat(decode("8000", DataType.BIT, WordOrder.DCBA)).isEqualTo(1);
  }

  @Test
  void decodesAtAnOffsetInsideALongerRead() {
    int[] block = wire("1111 4366 8000 2222");
    assertThat(RegisterDecoder.decode(block, 1, DataType.FLOAT32, WordOrder.ABCD)).isEqualTo(230.5);
  }

  @Test
  void refusesTooFewRegisters() {
    assertThatThrownBy(
            () -> RegisterDecoder.decode(wire("0001 0002"), 1, DataType.INT32, WordOrder.ABCD))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("INT32 needs 2 registers");
  }
}
