package io.kilowatch.testkit.modbus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated Modbus TCP devices, each on its own loopback port, all served by one NIO selector
 * thread with real Modbus TCP frames; a {@link ModbusScript} decides every answer (registers, an
 * exception, garbage, silence, a late reply). One thread for any number of devices: the scale bench
 * runs 1,536 of them, where j2mod slaves would cost two platform threads each.
 */
public final class ModbusTcpFake implements AutoCloseable {
  private final Selector selector = Selector.open();
  private final int[] ports;
  private final ModbusScript script;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong connections = new AtomicLong();
  private final ScheduledExecutorService late =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("modbus-fake-late").daemon().unstarted(r));
  private final Thread thread;
  private volatile boolean running = true;

  /** One connection: the device it reached and its partial request. */
  private record Conn(int device, ByteBuffer in) {}

  private ModbusTcpFake(int devices, ModbusScript script) throws IOException {
    this.script = script;
    ports = new int[devices];
    for (int d = 0; d < devices; d++) {
      var ch = ServerSocketChannel.open();
      ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_ACCEPT, d);
      ports[d] = ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }
    thread = Thread.ofPlatform().name("modbus-fake").daemon().start(this::loop);
  }

  /** {@code devices} devices, each on a port of its own, answered by {@code script}. */
  public static ModbusTcpFake start(int devices, ModbusScript script) throws IOException {
    return new ModbusTcpFake(devices, script);
  }

  /** One device answered by {@code script}. */
  public static ModbusTcpFake start(ModbusScript script) throws IOException {
    return new ModbusTcpFake(1, script);
  }

  /** The first device's port. */
  public int port() {
    return ports[0];
  }

  public int port(int device) {
    return ports[device];
  }

  public List<Integer> ports() {
    var list = new ArrayList<Integer>(ports.length);
    for (int p : ports) {
      list.add(p);
    }
    return list;
  }

  public int devices() {
    return ports.length;
  }

  /** Requests received so far, all devices together. */
  public long requests() {
    return requests.get();
  }

  /** Connections accepted so far, all devices together. */
  public long connections() {
    return connections.get();
  }

  /** The selector thread, for measuring the fake's own CPU apart from the client's. */
  public long threadId() {
    return thread.threadId();
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
              accept(key);
            } else if (key.isReadable()) {
              read(key);
            }
          } catch (IOException e) {
            key.cancel();
            key.channel().close();
          }
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      // closed
    }
  }

  private void accept(SelectionKey key) throws IOException {
    SocketChannel c = ((ServerSocketChannel) key.channel()).accept();
    if (c != null) {
      connections.incrementAndGet();
      c.configureBlocking(false);
      c.setOption(StandardSocketOptions.TCP_NODELAY, true);
      c.register(
          selector,
          SelectionKey.OP_READ,
          new Conn((Integer) key.attachment(), ByteBuffer.allocate(260)));
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
    var r =
        new ModbusRequest(
            device,
            (int) requests.incrementAndGet(),
            ((in.get(0) & 0xFF) << 8) | (in.get(1) & 0xFF),
            in.get(6) & 0xFF,
            in.get(7) & 0xFF,
            ((in.get(8) & 0xFF) << 8) | (in.get(9) & 0xFF),
            ((in.get(10) & 0xFF) << 8) | (in.get(11) & 0xFF));
    ModbusAnswer answer = script.answer(r);
    ByteBuffer out = ByteBuffer.wrap(ModbusFrames.encode(r, answer));
    if (answer instanceof ModbusAnswer.Late l) {
      late.schedule(
          () -> {
            try {
              write(ch, out);
            } catch (IOException closed) {
              // The client gave up and closed: that is what a timeout looks like from here.
            }
          },
          l.delay().toNanos(),
          TimeUnit.NANOSECONDS);
      return;
    }
    write(ch, out);
  }

  private static void write(SocketChannel ch, ByteBuffer out) throws IOException {
    synchronized (ch) {
      while (out.hasRemaining()) {
        // Answers are tiny and the client waits for each: the socket buffer always has room.
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
    late.shutdownNow();
    for (var key : selector.keys()) {
      key.channel().close();
    }
    selector.close();
  }
}
