package io.kilowatch.collector.modbus;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Modbus TCP server that answers as a script says: the registers, an exception code, garbage,
 * half a frame or nothing at all. For the faults a well-behaved simulator cannot produce.
 */
final class ScriptedServer implements AutoCloseable {
  /** One read request as received. */
  record Request(int n, int transaction, int unit, int function, int start, int count) {}

  /** What to send back. */
  sealed interface Answer {
    /** Register values (or bits) for the request. */
    record Values(int[] values) implements Answer {}

    record Exception(int code) implements Answer {}

    /** These bytes instead of a frame. */
    record Raw(byte[] bytes) implements Answer {}

    /** Nothing, and keep the connection open. */
    record Silence() implements Answer {}
  }

  interface Script {
    Answer answer(Request r) throws InterruptedException;
  }

  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger connections = new AtomicInteger();
  private final ServerSocket server;
  private final Script script;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  ScriptedServer(Script script) throws IOException {
    this.script = script;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("scripted-accept").start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        connections.incrementAndGet();
        sockets.add(s);
        Thread.ofVirtual().name("scripted-conn").start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      var in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (true) {
        int tid = in.readUnsignedShort();
        in.readUnsignedShort();
        int len = in.readUnsignedShort();
        byte[] pdu = new byte[len];
        in.readFully(pdu);
        int unit = pdu[0] & 0xFF;
        int fc = pdu[1] & 0xFF;
        int start = ((pdu[2] & 0xFF) << 8) | (pdu[3] & 0xFF);
        int count = ((pdu[4] & 0xFF) << 8) | (pdu[5] & 0xFF);
        var r = new Request(requests.incrementAndGet(), tid, unit, fc, start, count);
        switch (script.answer(r)) {
          case Answer.Values v -> out.write(frame(r, data(fc, v.values())));
          case Answer.Exception e ->
              out.write(frame(r, new byte[] {(byte) (fc | 0x80), (byte) e.code()}));
          case Answer.Raw raw -> out.write(raw.bytes());
          case Answer.Silence silence -> {
            Thread.sleep(60_000);
          }
        }
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // client gone or server closed
    }
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

  static byte[] frame(Request r, byte[] pdu) {
    byte[] f = new byte[7 + pdu.length];
    f[0] = (byte) (r.transaction() >>> 8);
    f[1] = (byte) r.transaction();
    f[4] = (byte) ((pdu.length + 1) >>> 8);
    f[5] = (byte) (pdu.length + 1);
    f[6] = (byte) r.unit();
    System.arraycopy(pdu, 0, f, 7, pdu.length);
    return f;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
