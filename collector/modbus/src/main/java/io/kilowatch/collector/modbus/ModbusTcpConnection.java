package io.kilowatch.collector.modbus;

import io.kilowatch.config.Profile.RegisterType;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One Modbus TCP connection, one request at a time, with every wait bounded by the request's
 * deadline. Written here rather than taken from j2mod because j2mod's reads can block past any
 * timeout and its facade is synchronized per master; here a socket read never waits longer than
 * what is left of the deadline, and any frame that does not answer the request exactly (protocol
 * id, transaction id, function, byte count, length) is rejected as garbage.
 *
 * <p>Not thread-safe: callers serialise requests (see {@link ModbusEndpoints}). {@link #close()}
 * may be called from any thread to abort a request in flight.
 */
final class ModbusTcpConnection implements AutoCloseable {
  private static final int MBAP = 7;
  private static final int MAX_ABANDONED = 16;

  private final String host;
  private final int port;
  private final Socket socket = new Socket();
  private InputStream in;
  private OutputStream out;
  private int transaction;

  /** Transactions given up on after a clean timeout: a late answer to one of them is dropped. */
  private final Deque<Integer> abandoned = new ArrayDeque<>();

  private boolean inStep = true;

  /** The period of the shared instants (see {@link #awaitAnswer}). */
  private static final long GATHER_PERIOD_NANOS = 5_000_000;

  private final long gatherPeriod;

  /** The least wait for an answer before the shared instant that ends it: 4/5 of a period. */
  private final long gatherLeast;

  /** Answers awaited at the shared instant (for tests). */
  private long gathered;

  private final byte[] buffer = new byte[MBAP + 256];

  ModbusTcpConnection(String host, int port) {
    this(host, port, Duration.ofNanos(GATHER_PERIOD_NANOS));
  }

  /** With another period of the shared instants (tests use a long one, so no timing is close). */
  ModbusTcpConnection(String host, int port, Duration gatherPeriod) {
    this.host = host;
    this.port = port;
    if (!gatherPeriod.isPositive()) {
      throw new IllegalArgumentException("period of the shared instants must be positive");
    }
    this.gatherPeriod = gatherPeriod.toNanos();
    this.gatherLeast = this.gatherPeriod * 4 / 5;
  }

  void connect(Duration timeout) throws IOException {
    int ms = (int) Math.clamp(timeout.toMillis(), 1, Integer.MAX_VALUE);
    try {
      socket.connect(new InetSocketAddress(host, port), ms);
    } catch (SocketTimeoutException e) {
      throw new IOException("cannot connect to " + host + ":" + port + " within " + ms + " ms", e);
    } catch (IOException e) {
      throw new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
    }
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /**
   * Whether the byte stream is still at a frame boundary: false after a timeout that came in the
   * middle of a frame, when the connection can only be closed.
   */
  boolean inStep() {
    return inStep;
  }

  boolean isOpen() {
    return socket.isConnected() && !socket.isClosed();
  }

  static int functionCode(RegisterType type) {
    return switch (type) {
      case COIL -> 1;
      case DISCRETE -> 2;
      case HOLDING -> 3;
      case INPUT -> 4;
    };
  }

  /**
   * Reads {@code count} registers (as 0..65535) or bits (as 0/1).
   *
   * @param deadline {@link System#nanoTime()} by which the answer must be in
   * @throws ModbusExceptionResponse when the device refuses the request
   * @throws ModbusFrameException when the answer is not a valid frame for this request
   * @throws IOException on timeout or a broken connection
   * @throws InterruptedException when interrupted while the answer is awaited
   */
  int[] read(int unit, RegisterType type, int start, int count, long deadline)
      throws IOException, ModbusExceptionResponse, InterruptedException {
    return read(unit, type, start, count, deadline, true);
  }

  /**
   * As {@link #read(int, RegisterType, int, int, long)}; with {@code gather} false the answer is
   * looked for at once, never at the shared instant of {@link #awaitAnswer}.
   */
  int[] read(int unit, RegisterType type, int start, int count, long deadline, boolean gather)
      throws IOException, ModbusExceptionResponse, InterruptedException {
    int fc = functionCode(type);
    transaction = (transaction + 1) & 0xFFFF;
    byte[] req = {
      (byte) (transaction >>> 8),
      (byte) transaction,
      0,
      0,
      0,
      6,
      (byte) unit,
      (byte) fc,
      (byte) (start >>> 8),
      (byte) start,
      (byte) (count >>> 8),
      (byte) count
    };
    out.write(req);
    out.flush();
    if (Thread.currentThread().isVirtual()) {
      awaitAnswer(deadline, gather);
    }

    int length;
    while (true) {
      try {
        readFully(buffer, 0, MBAP, deadline, 0);
      } catch (SocketTimeoutException e) {
        abandon(transaction);
        throw e;
      }
      int tid = u16(buffer, 0);
      int protocol = u16(buffer, 2);
      length = u16(buffer, 4);
      if (protocol != 0 || length < 2 || length > 254) {
        throw garbage("header " + hex(buffer, 0, MBAP) + " is not a Modbus TCP header");
      }
      if (tid == transaction) {
        break;
      }
      if (!abandoned.remove(tid)) {
        throw garbage("answer to transaction " + tid + ", expected " + transaction);
      }
      // The late answer to a request that timed out: read past it.
      readFully(buffer, MBAP, length - 1, deadline, MBAP);
    }
    readFully(buffer, MBAP, length - 1, deadline, MBAP);
    int answeredFc = buffer[MBAP] & 0xFF;
    if (answeredFc == (fc | 0x80)) {
      if (length != 3) {
        throw garbage("exception response of length " + length);
      }
      throw new ModbusExceptionResponse(buffer[MBAP + 1] & 0xFF);
    }
    if (answeredFc != fc) {
      throw garbage("answer with function " + answeredFc + " to function " + fc);
    }
    boolean bits = fc <= 2;
    int expectedBytes = bits ? (count + 7) / 8 : count * 2;
    int byteCount = length >= 3 ? buffer[MBAP + 1] & 0xFF : -1;
    if (byteCount != expectedBytes || length != 3 + expectedBytes) {
      throw garbage(
          "short or long answer: "
              + byteCount
              + " data bytes in a frame of length "
              + length
              + ", expected "
              + expectedBytes);
    }
    int data = MBAP + 2;
    int[] values = new int[count];
    for (int i = 0; i < count; i++) {
      values[i] = bits ? (buffer[data + i / 8] >>> (i % 8)) & 1 : u16(buffer, data + 2 * i);
    }
    return values;
  }

  /**
   * Lets the answer come before looking for it. A read that finds nothing parks its thread through
   * the JDK's poller, which wakes a carrier for each answer as it arrives: at a tick of a thousand
   * PDUs that is a thousand wake-ups, and on a virtual machine a wake-up costs more CPU than the
   * read. So a request waits until the first instant on a grid of the monotonic clock (a period of
   * 5 ms) at least 4 ms after it was sent: the requests of one tick wait until the same instant,
   * their timers expire together, and each then finds its answer there and takes it without
   * parking. A later request of a poll, sent just after such an instant, waits one period. An
   * answer that is not there by then (a slow device, a far network) is read when it comes, as
   * without the wait, so a slow device is not answered later for it. A request told not to {@code
   * gather} reads at once, after a yield that lets the other polls of the tick send theirs first;
   * so does one whose deadline is less than ten waits away, so that waiting never takes more than a
   * tenth of the time the request has left.
   */
  private void awaitAnswer(long deadline, boolean gather) throws InterruptedException {
    long now = System.nanoTime();
    long wake = Math.ceilDiv(now + gatherLeast, gatherPeriod) * gatherPeriod;
    if (!gather || deadline - now < 10 * (wake - now)) {
      Thread.yield();
      return;
    }
    try {
      long wait = wake - now;
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    } catch (InterruptedException e) {
      // The poll is given up: an answer that comes later belongs to no request.
      abandon(transaction);
      throw e;
    }
    gathered++;
  }

  /** Answers awaited at the shared instant so far. */
  long gathered() {
    return gathered;
  }

  private void abandon(int tid) {
    abandoned.addLast(tid);
    if (abandoned.size() > MAX_ABANDONED) {
      abandoned.removeFirst();
    }
  }

  private void readFully(byte[] b, int off, int len, long deadline, int frameOffset)
      throws IOException {
    int done = 0;
    while (done < len) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        if (in.available() < len - done) {
          throw timeout(frameOffset + done);
        }
        // The deadline passed between two reads of a frame that is already here, as when the
        // thread was descheduled after the header: take it rather than drop the connection.
        left = 1_000_000;
      }
      socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
      int n;
      try {
        n = in.read(b, off + done, len - done);
      } catch (SocketTimeoutException e) {
        throw timeout(frameOffset + done);
      }
      if (n < 0) {
        throw done + frameOffset == 0
            ? new EOFException("connection closed by " + host + ":" + port)
            : garbage(
                "short frame: connection closed after "
                    + (frameOffset + done)
                    + " bytes "
                    + hex(b, 0, frameOffset + done));
      }
      done += n;
    }
  }

  private IOException timeout(int received) {
    if (received > 0) {
      inStep = false;
    }
    return new SocketTimeoutException(
        "no answer from "
            + host
            + ":"
            + port
            + " in time"
            + (received > 0 ? " (" + received + " bytes of a frame received)" : ""));
  }

  private ModbusFrameException garbage(String what) {
    return new ModbusFrameException("garbage from " + host + ":" + port + ": " + what);
  }

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
  }

  private static String hex(byte[] b, int off, int len) {
    var sb = new StringBuilder();
    for (int i = off; i < off + Math.min(len, 16); i++) {
      sb.append(String.format("%02x", b[i] & 0xFF));
    }
    return sb.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
