package io.kilowatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The PDUs served by a process of their own answer Modbus TCP as the in-process server does, and
 * the parent sees their answers, lateness and silence through the child's commands.
 */
class PduProcessTest {
  private static final ScaleSite.Spec SITE =
      new ScaleSite.Spec(
          16,
          3,
          0,
          Duration.ofSeconds(10),
          Duration.ofSeconds(5),
          List.of(),
          ScaleSite.DEFAULT_RESTART_PAUSE);

  /** Function 3, 8 holding registers from 0, unit 1 (Modbus Application Protocol §6.3). */
  private static byte[] readHolding(int transaction) {
    return new byte[] {(byte) (transaction >> 8), (byte) transaction, 0, 0, 0, 6, 1, 3, 0, 0, 0, 8};
  }

  /** One request on a fresh connection; the response's 16 data bytes. */
  private static byte[] read(int port) throws IOException {
    try (var s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(2_000);
      s.getOutputStream().write(readHolding(7));
      var in = new DataInputStream(s.getInputStream());
      byte[] header = new byte[7];
      in.readFully(header);
      assertThat(header[0] << 8 | header[1] & 0xff).isEqualTo(7);
      int length = (header[4] & 0xff) << 8 | header[5] & 0xff;
      byte[] pdu = new byte[length - 1];
      in.readFully(pdu);
      assertThat(pdu[0]).isEqualTo((byte) 3);
      assertThat(pdu[1]).isEqualTo((byte) 16);
      return java.util.Arrays.copyOfRange(pdu, 2, pdu.length);
    }
  }

  @Test
  void pdusServedApartAnswerAndAreCountedByTheParent() throws Exception {
    try (ScaleSite site = ScaleSite.start(SITE, true)) {
      site.restartMeasuring(System.currentTimeMillis() - 1, Long.MAX_VALUE);
      List<Integer> ports = site.pduPorts();
      assertThat(ports).hasSize(3).doesNotHaveDuplicates();

      byte[] data = read(ports.get(1));
      // Power W is a float32 in registers 0-1; the simulated PDUs draw 7.2-15.4 kW.
      float power =
          Float.intBitsToFloat(
              (data[0] & 0xff) << 24
                  | (data[1] & 0xff) << 16
                  | (data[2] & 0xff) << 8
                  | data[3] & 0xff);
      assertThat(power).isBetween(7_200f, 15_400f);
      read(ports.get(1));

      var answered = site.answered().stream().filter(a -> a.source().equals("modbus")).toList();
      assertThat(answered)
          .extracting(ScaleSite.Answered::deviceId, ScaleSite.Answered::measuredAnswers)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("pdu-0", 0L),
              org.assertj.core.groups.Tuple.tuple("pdu-1", 2L),
              org.assertj.core.groups.Tuple.tuple("pdu-2", 0L));
      assertThat(site.lateAnswers()).containsEntry("pdu-1", 0L);

      site.silence("modbus", true);
      assertThatThrownBy(() -> read(ports.get(1))).isInstanceOf(SocketTimeoutException.class);
      site.silence("modbus", false);
      read(ports.get(1));
      assertThat(site.answered())
          .filteredOn(a -> a.deviceId().equals("pdu-1"))
          .extracting(ScaleSite.Answered::measuredAnswers)
          .containsExactly(3L);
      assertThat(site.apartCpuSeconds()).isPositive();
    }
  }
}
