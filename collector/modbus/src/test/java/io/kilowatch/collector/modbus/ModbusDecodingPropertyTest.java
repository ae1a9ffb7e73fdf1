package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.config.Profile.WordOrder;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A device sends whatever its firmware sends. Register decoding takes any registers in every data
 * type and byte order, and the frame reader takes any bytes on the socket: the result is a value,
 * or the component's own error (a bad register is an IllegalArgumentException the collector never
 * provokes; a bad frame is a ModbusFrameException, a refusal a ModbusExceptionResponse), never an
 * index error that would kill a device loop.
 */
class ModbusDecodingPropertyTest {

  @Provide
  Arbitrary<DataType> numericTypes() {
    return Arbitraries.of(DataType.class).filter(t -> t != DataType.STRING);
  }

  @Provide
  Arbitrary<int[]> registers() {
    return Arbitraries.integers().between(0, 0xFFFF).array(int[].class).ofMinSize(4).ofMaxSize(12);
  }

  // Any wire registers decode, in range for the type, and encoding the value gives them back.
  @Property(tries = 2000)
  void anyRegistersDecodeToTheValueTheyEncode(
      @ForAll("numericTypes") DataType type,
      @ForAll WordOrder order,
      @ForAll("registers") int[] block,
      @ForAll @IntRange(min = 0, max = 8) int offset) {
    Assume.that(offset + type.registers() <= block.length);
    int[] own = java.util.Arrays.copyOfRange(block, offset, offset + type.registers());

    double v = RegisterDecoder.decode(block, offset, type, order);

    switch (type) {
      case INT16 -> assertThat(v).isBetween(-32768.0, 32767.0);
      case UINT16 -> assertThat(v).isBetween(0.0, 65535.0);
      case INT32 -> assertThat(v).isBetween(-2147483648.0, 2147483647.0);
      case UINT32 -> assertThat(v).isBetween(0.0, 4294967295.0);
      case INT64 -> assertThat(v).isBetween(-0x1p63, 0x1p63);
      case UINT64 -> assertThat(v).isBetween(0.0, 0x1p64);
      case BIT -> assertThat(v).isIn(0.0, 1.0);
      default -> {}
    }
    switch (type) {
      case BIT -> assertThat(v).isEqualTo(own[0] != 0 ? 1.0 : 0.0);
      case UINT64 -> {
        // Exact as a BigInteger, then compared as the nearest double.
        BigInteger exact = new BigInteger(1, bigEndian(own, order));
        assertThat(v).isEqualTo(exact.doubleValue());
        assertThat(Words.u64(exact, order)).isEqualTo(own);
      }
      case INT64 ->
          assertThat(v).isEqualTo((double) ByteBuffer.wrap(bigEndian(own, order)).getLong());
      case FLOAT32, FLOAT64 -> {
        if (!Double.isNaN(v)) {
          // NaN has many bit patterns; every other float is one.
          assertThat(Words.of(type, order, v)).isEqualTo(own);
        }
      }
      default -> assertThat(Words.of(type, order, v)).isEqualTo(own);
    }
  }

  /** Bytes A..H from registers in wire order, written from the definition, not the decoder. */
  private static byte[] bigEndian(int[] regs, WordOrder order) {
    int n = regs.length;
    byte[] out = new byte[2 * n];
    for (int w = 0; w < n; w++) {
      int reg = regs[order == WordOrder.CDAB || order == WordOrder.DCBA ? n - 1 - w : w];
      int hi = reg >>> 8;
      int lo = reg & 0xFF;
      boolean swap = order == WordOrder.BADC || order == WordOrder.DCBA;
      out[2 * w] = (byte) (swap ? lo : hi);
      out[2 * w + 1] = (byte) (swap ? hi : lo);
    }
    return out;
  }

  // Any ints and any offset: a value, or IllegalArgumentException naming the misuse. (A string's
  // register count comes from a validated profile, at least 1; a negative one is not tried.)
  @Property(tries = 2000)
  void outOfRangeRegistersOrOffsetsAreIllegalArgumentsOnly(
      @ForAll @Size(max = 6) int[] block,
      @ForAll @IntRange(min = -3, max = 8) int offset,
      @ForAll DataType type,
      @ForAll WordOrder order,
      @ForAll @IntRange(min = 0, max = 8) int textRegisters) {
    try {
      if (type == DataType.STRING) {
        String s = RegisterDecoder.text(block, offset, textRegisters, order);
        assertThat(s.length()).isLessThanOrEqualTo(2 * Math.max(0, textRegisters));
        assertThat(s).doesNotContain("\0").doesNotEndWith(" ");
      } else {
        RegisterDecoder.decode(block, offset, type, order);
      }
    } catch (IllegalArgumentException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  // Text: any printable ASCII, padded with NULs, reads back in every byte order.
  @Property(tries = 1000)
  void textReadsBackInEveryByteOrder(
      @ForAll @Size(max = 16) @net.jqwik.api.constraints.Chars({'a', 'Z', '0', ' ', '-', '~'})
          String text,
      @ForAll WordOrder order,
      @ForAll @IntRange(min = 0, max = 4) int padding) {
    String s = text.stripTrailing();
    int regs = (s.length() + 1) / 2 + padding;
    assertThat(RegisterDecoder.text(Words.text(s, regs, order), 0, regs, order)).isEqualTo(s);
  }

  // ---- frames ----

  private static ServerSocket server;
  private static final AtomicReference<Answer> ANSWER = new AtomicReference<>();

  /**
   * How the fake device answers one request: raw bytes, or a frame built around the request with
   * some of its fields wrong.
   *
   * @param raw send {@code body} as it is, no header
   * @param tidDelta added to the request's transaction id (0: the right one)
   * @param protocol the protocol id (0 is Modbus)
   * @param lengthDelta added to the right MBAP length
   * @param function 0: the request's function, 1: its exception form, else this byte
   * @param byteCountDelta added to the right byte count
   */
  record Answer(
      boolean raw,
      int tidDelta,
      int protocol,
      int lengthDelta,
      int function,
      int byteCountDelta,
      byte[] body) {}

  @Provide
  Arbitrary<Answer> answers() {
    Arbitrary<Integer> mostlyZero =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.just(0)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-3, 3)));
    return Combinators.combine(
            Arbitraries.integers().between(0, 4).map(i -> i == 0),
            mostlyZero,
            Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 0xFFFF))),
            mostlyZero,
            Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(1)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(2, 255))),
            mostlyZero,
            Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
        .as(Answer::new);
  }

  @BeforeContainer
  static void startDevice() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .name("fake-modbus")
        .start(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  answer(s);
                } catch (IOException e) {
                  // the next try connects again
                }
              }
            });
  }

  @AfterContainer
  static void stopDevice() throws IOException {
    server.close();
  }

  private static void answer(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    byte[] req = in.readNBytes(12);
    if (req.length < 12) {
      return;
    }
    Answer a = ANSWER.get();
    var out = new java.io.ByteArrayOutputStream();
    if (a.raw()) {
      out.write(a.body());
    } else {
      int tid = (((req[0] & 0xFF) << 8) | (req[1] & 0xFF)) + a.tidDelta();
      int fc = req[7] & 0xFF;
      int count = ((req[10] & 0xFF) << 8) | (req[11] & 0xFF);
      int function = a.function() == 0 ? fc : a.function() == 1 ? fc | 0x80 : a.function();
      boolean bits = fc <= 2;
      int dataBytes =
          function == (fc | 0x80)
              ? 1
              : Math.min(a.body().length, bits ? (count + 7) / 8 : 2 * count);
      // The right byte count for the data there is, then the chosen error.
      int byteCount = (bits ? (count + 7) / 8 : 2 * count) + a.byteCountDelta();
      var pdu = new java.io.ByteArrayOutputStream();
      pdu.write(req[6]);
      pdu.write(function);
      if (function != (fc | 0x80)) {
        pdu.write(byteCount);
      }
      pdu.write(a.body(), 0, Math.min(dataBytes, a.body().length));
      int length = pdu.size() + a.lengthDelta();
      out.write(tid >>> 8);
      out.write(tid);
      out.write(a.protocol() >>> 8);
      out.write(a.protocol());
      out.write(length >>> 8);
      out.write(length);
      out.write(pdu.toByteArray());
    }
    s.getOutputStream().write(out.toByteArray());
    s.getOutputStream().flush();
    s.shutdownOutput();
    in.readAllBytes();
  }

  // Any answer: the registers asked for, each in range, or the reader's own exceptions.
  @Property(tries = 500)
  void anyAnswerIsRegistersOrAFrameErrorNeverARuntimeException(
      @ForAll("answers") Answer answer,
      @ForAll RegisterType type,
      @ForAll @IntRange(min = 1, max = 125) int count)
      throws IOException, InterruptedException {
    ANSWER.set(answer);
    try (var c = new ModbusTcpConnection("127.0.0.1", server.getLocalPort())) {
      c.connect(Duration.ofSeconds(2));
      try {
        int[] values = c.read(1, type, 0, count, System.nanoTime() + 5_000_000_000L);
        boolean bits = type == RegisterType.COIL || type == RegisterType.DISCRETE;
        assertThat(values).hasSize(count);
        for (int v : values) {
          assertThat(v).isBetween(0, bits ? 1 : 0xFFFF);
        }
      } catch (ModbusExceptionResponse e) {
        assertThat(e.rawCode()).isBetween(0, 255);
      } catch (IOException e) {
        // ModbusFrameException, or EOF when the answer stops early: the device is reconnected.
        assertThat(e).isNotInstanceOf(java.net.SocketTimeoutException.class);
      }
    }
  }

  // A well-formed answer gives back exactly the registers it carries.
  @Property(tries = 300)
  void aWellFormedAnswerGivesExactlyItsRegisters(
      @ForAll @Size(min = 1, max = 125) int[] words, @ForAll boolean input) throws Exception {
    byte[] body = new byte[2 * words.length];
    for (int i = 0; i < words.length; i++) {
      words[i] &= 0xFFFF;
      body[2 * i] = (byte) (words[i] >>> 8);
      body[2 * i + 1] = (byte) words[i];
    }
    ANSWER.set(new Answer(false, 0, 0, 0, 0, 0, body));
    try (var c = new ModbusTcpConnection("127.0.0.1", server.getLocalPort())) {
      c.connect(Duration.ofSeconds(2));
      RegisterType type = input ? RegisterType.INPUT : RegisterType.HOLDING;
      assertThat(c.read(1, type, 0, words.length, System.nanoTime() + 5_000_000_000L))
          .isEqualTo(words);
    }
  }
}
