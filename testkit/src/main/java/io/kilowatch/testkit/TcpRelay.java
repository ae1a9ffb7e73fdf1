package io.kilowatch.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Forwards TCP connections to a target and can cut them all at once: a network failure between
 * collector and device, which closing a server does not give (servers keep serving connections they
 * already accepted).
 */
public final class TcpRelay implements AutoCloseable {
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger accepted =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile ServerSocket server;

  public TcpRelay(int targetPort) {
    this.targetPort = targetPort;
  }

  /** Listens on {@code port} (0 for any free one) and returns the port. */
  public int listen(int port) throws IOException {
    var s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    server = s;
    Thread.ofVirtual().name("relay-accept").start(() -> accept(s));
    return s.getLocalPort();
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket client = s.accept();
        accepted.incrementAndGet();
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(target);
        pump(client, target);
        pump(target, client);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread.ofVirtual()
        .name("relay-pump")
        .start(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // cut
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            });
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Closes the listener and every forwarded connection. */
  public void cut() {
    closeQuietly(server);
    sockets.forEach(TcpRelay::closeQuietly);
    sockets.clear();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (Exception e) {
      // already closed
    }
  }

  @Override
  public void close() {
    cut();
  }
}
