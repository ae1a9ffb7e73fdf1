package io.kilowatch.collector.modbus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many simulated Modbus TCP devices in one thread: one listening port per device, all served by a
 * single NIO selector with real Modbus TCP frames (functions 3 and 4 from one register array per
 * device). For the bench, where 2,000 j2mod slaves would cost two platform threads each.
 */
final class NioModbusServer implements AutoCloseable {
  private final Selector selector = Selector.open();
  private final List<ServerSocketChannel> listeners = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final int[][] registers;
  final AtomicLong requests = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;

  /** A device's state on one connection: its register map and a partial frame. */
  private record Conn(int device, ByteBuffer in, ByteBuffer out) {}

  NioModbusServer(int devices, int[] map) throws IOException {
    registers = new int[devices][];
    for (int d = 0; d < devices; d++) {
      registers[d] = map.clone();
      var ch = ServerSocketChannel.open();
      ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_ACCEPT, d);
      listeners.add(ch);
      ports.add(((InetSocketAddress) ch.getLocalAddress()).getPort());
    }
    thread = Thread.ofPlatform().name("nio-modbus-server").daemon().start(this::loop);
  }

  List<Integer> ports() {
    return ports;
  }

  long threadId() {
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
              SocketChannel c = ((ServerSocketChannel) key.channel()).accept();
              if (c != null) {
                c.configureBlocking(false);
                c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                c.register(
                    selector,
                    SelectionKey.OP_READ,
                    new Conn(
                        (Integer) key.attachment(),
                        ByteBuffer.allocate(260),
                        ByteBuffer.allocate(260)));
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
    } catch (IOException e) {
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
      answer(ch, conn, in, len);
      int frame = 6 + len;
      in.flip();
      in.position(frame);
      in.compact();
    }
  }

  private void answer(SocketChannel ch, Conn conn, ByteBuffer in, int len) throws IOException {
    requests.incrementAndGet();
    int fc = in.get(7) & 0xFF;
    int start = ((in.get(8) & 0xFF) << 8) | (in.get(9) & 0xFF);
    int count = ((in.get(10) & 0xFF) << 8) | (in.get(11) & 0xFF);
    int[] regs = registers[conn.device()];
    ByteBuffer out = conn.out().clear();
    out.put(in.get(0)).put(in.get(1)).putShort((short) 0);
    if ((fc != 3 && fc != 4) || count < 1 || count > 125) {
      out.putShort((short) 3).put(in.get(6)).put((byte) (fc | 0x80)).put((byte) 1);
    } else if (start + count > regs.length) {
      out.putShort((short) 3).put(in.get(6)).put((byte) (fc | 0x80)).put((byte) 2);
    } else {
      out.putShort((short) (3 + 2 * count)).put(in.get(6)).put((byte) fc).put((byte) (2 * count));
      for (int i = 0; i < count; i++) {
        out.putShort((short) regs[start + i]);
      }
    }
    out.flip();
    while (out.hasRemaining()) {
      // Answers are tiny and the client waits for each: the socket buffer always has room.
      ch.write(out);
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
    for (var key : selector.keys()) {
      key.channel().close();
    }
    selector.close();
  }
}
