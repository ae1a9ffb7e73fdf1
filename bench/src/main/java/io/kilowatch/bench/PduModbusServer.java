package io.kilowatch.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Every PDU of the scale site, and the facility meter, as a Modbus TCP server on its own loopback
 * port, all served by one NIO selector thread (1,536 j2mod slaves would cost two platform threads
 * each). Function 3 reads an 8-register map, so one request per poll: power W (float32, 0), current
 * A (float32, 2), energy Wh (uint64, 4). Values are computed from the clock at answer time, so
 * power and energy stay coherent without a ticker. The facility meter (the last port) reads the
 * PDUs' sum plus a quarter for cooling and losses, so the site's PUE is 1.25 by construction.
 */
final class PduModbusServer implements AutoCloseable {
  static final int REGISTERS = 8;

  private final Selector selector = Selector.open();
  private final int[] ports;
  private final double[] basePowerW;
  private final Faults faults;
  private final AnswerLog answered;
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService delayer =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("pdu-slow-answers").daemon().unstarted(r));
  private final Thread thread;
  private volatile boolean running = true;

  private record Conn(int device, ByteBuffer in) {}

  PduModbusServer(int devices, long seed) throws IOException {
    ports = new int[devices + 1];
    basePowerW = new double[devices];
    faults = new Faults(devices);
    answered = new AnswerLog(devices + 1);
    var random = new java.util.Random(seed);
    for (int d = 0; d < devices; d++) {
      basePowerW[d] = 8_000 + random.nextDouble() * 6_000;
    }
    for (int d = 0; d <= devices; d++) {
      var ch = ServerSocketChannel.open();
      ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_ACCEPT, d);
      ports[d] = ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }
    thread = Thread.ofPlatform().name("pdu-modbus-server").daemon().start(this::loop);
  }

  int meterPort() {
    return ports[basePowerW.length];
  }

  int port(int device) {
    return ports[device];
  }

  Faults faults() {
    return faults;
  }

  /** Requests this device answered with a good reply. */
  AnswerLog answers() {
    return answered;
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

  private void loop() {
    try {
      while (running) {
        selector.select(500);
        var it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          try {
            if (key.isAcceptable()) {
              SocketChannel c = ((ServerSocketChannel) key.channel()).accept();
              if (c != null) {
                c.configureBlocking(false);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.register(
                    selector,
                    SelectionKey.OP_READ,
                    new Conn((Integer) key.attachment(), ByteBuffer.allocate(260)));
              }
            } else if (key.isReadable()) {
              read(key);
            }
          } catch (IOException e) {
            key.cancel();
            key.channel().close();
          }
        }
      }
    } catch (IOException | java.nio.channels.ClosedSelectorException e) {
      // closed
    }
  }

  private void read(SelectionKey key) throws IOException {
    var ch = (SocketChannel) key.channel();
    var conn = (Conn) key.attachment();
    ByteBuffer in = conn.in();
    if (ch.read(in) < 0) {
      key.cancel();
      ch.close();
      return;
    }
    while (in.position() >= 7) {
      int len = ((in.get(4) & 0xFF) << 8) | (in.get(5) & 0xFF);
      if (in.position() < 6 + len) {
        return;
      }
      answer(ch, conn.device(), in);
      in.flip();
      in.position(6 + len);
      in.compact();
    }
  }

  private void answer(SocketChannel ch, int device, ByteBuffer in) throws IOException {
    FaultMode mode = device < faults.size() ? faults.mode(device) : FaultMode.OK;
    if (mode == FaultMode.SILENT) {
      return;
    }
    ByteBuffer out = ByteBuffer.allocate(260);
    if (mode == FaultMode.GARBAGE) {
      // Right transaction id, nonsense body: a length that does not match what follows.
      out.put(in.get(0)).put(in.get(1)).putShort((short) 0).putShort((short) 9);
      out.put(in.get(6)).put((byte) 0x03).put((byte) 0x7F).putShort((short) 0xBEEF);
      out.flip();
      write(ch, out);
      return;
    }
    int fc = in.get(7) & 0xFF;
    int start = ((in.get(8) & 0xFF) << 8) | (in.get(9) & 0xFF);
    int count = ((in.get(10) & 0xFF) << 8) | (in.get(11) & 0xFF);
    out.put(in.get(0)).put(in.get(1)).putShort((short) 0);
    boolean good = false;
    if (fc != 3 && fc != 4) {
      out.putShort((short) 3).put(in.get(6)).put((byte) (fc | 0x80)).put((byte) 1);
    } else if (count < 1 || start + count > REGISTERS) {
      out.putShort((short) 3).put(in.get(6)).put((byte) (fc | 0x80)).put((byte) 2);
    } else {
      int[] regs = registers(device);
      out.putShort((short) (3 + 2 * count)).put(in.get(6)).put((byte) fc).put((byte) (2 * count));
      for (int i = 0; i < count; i++) {
        out.putShort((short) regs[start + i]);
      }
      good = true;
    }
    out.flip();
    if (mode == FaultMode.SLOW) {
      delayer.schedule(
          () -> {
            try {
              write(ch, out);
            } catch (IOException closed) {
              // The client gave up and closed: that is what a timeout looks like from here.
            }
          },
          ScaleSite.SLOW_DELAY.toMillis(),
          TimeUnit.MILLISECONDS);
      return;
    }
    if (good) {
      answered.answered(device);
    }
    write(ch, out);
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

  private static void write(SocketChannel ch, ByteBuffer out) throws IOException {
    synchronized (ch) {
      while (out.hasRemaining()) {
        // Replies are tiny and the client waits for each: the socket buffer always has room.
        ch.write(out);
      }
    }
  }

  @Override
  public void close() throws IOException {
    running = false;
    selector.wakeup();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    delayer.shutdownNow();
    for (var key : selector.keys()) {
      key.channel().close();
    }
    selector.close();
  }
}
