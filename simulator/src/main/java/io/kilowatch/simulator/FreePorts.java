package io.kilowatch.simulator;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashSet;
import java.util.Set;

/**
 * Finds loopback ports for servers that need a port number before they bind (j2mod keys its slaves
 * by port, Milo writes the port into its endpoint URLs).
 */
final class FreePorts {
  private static final Set<Integer> handedOut = new HashSet<>();

  private FreePorts() {}

  /** A port free right now and not handed out before in this JVM. */
  static synchronized int reserve() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = probe.getLocalPort();
        // A slave still binding in the background would not show up as taken yet.
        if (handedOut.add(port)) {
          return port;
        }
      }
    }
    throw new IOException("no free loopback port found");
  }

  /** Waits (at most 3 s) until something accepts connections on the port. */
  static void awaitListening(int port) throws IOException {
    long deadline = System.nanoTime() + 3_000_000_000L;
    IOException last = null;
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException e) {
        last = e;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for port " + port, e);
      }
    }
    throw new IOException("nothing listening on port " + port + " after 3 s", last);
  }
}
