package io.kilowatch.bench;

import io.kilowatch.testkit.opcua.LoopbackOpcUaServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every CDU of the scale site on one Eclipse Milo server at {@code
 * opc.tcp://127.0.0.1:<port>/kilowatch}, security None, anonymous. One server on one port: a
 * session per CDU is what a real site costs kilowatch (it opens one per device either way), and one
 * server keeps the simulator's share of the two cores small. The counters live here, outside the
 * Milo server, so they survive {@link #restart}: an answer counts once it was served, whichever
 * server instance served it.
 */
final class CduServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CduServer.class);
  private static final long TIMEOUT_S = 10;

  private final CduPhysics physics;
  private final AnswerLog answered;
  private final int port;
  private OpcUaServer server;
  private CduNodes namespace;
  private boolean closed;

  CduServer(CduPhysics physics) throws IOException {
    this.physics = physics;
    this.answered = new AnswerLog(physics.cdus());
    int bound = -1;
    IOException last = null;
    for (int attempt = 0; attempt < 3 && bound < 0; attempt++) {
      int candidate = freePort();
      try {
        startOn(candidate);
        bound = candidate;
      } catch (IOException e) {
        // Most likely the port was taken between probe and bind: try another.
        last = e;
      }
    }
    if (bound < 0) {
      throw last;
    }
    this.port = bound;
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  private synchronized void startOn(int port) throws IOException {
    var s = LoopbackOpcUaServer.create(port, "kilowatch bench CDUs", "bench");
    var ns = new CduNodes(s, physics, answered);
    try {
      ns.startup();
      s.startup().get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown(s, ns);
      throw new IOException("interrupted starting the OPC UA server", e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      shutdown(s, ns);
      throw new IOException("OPC UA server on port " + port + " did not start", e);
    }
    server = s;
    namespace = ns;
  }

  String endpointUrl() {
    return LoopbackOpcUaServer.endpointUrl(port);
  }

  int port() {
    return port;
  }

  int cdus() {
    return physics.cdus();
  }

  /** The index of the CDUs' namespace on the running server. */
  synchronized int namespaceIndex() {
    return namespace.getNamespaceIndex().intValue();
  }

  /** Reads of this CDU that the server answered with good values. */
  AnswerLog answers() {
    return answered;
  }

  /**
   * Stops the server (every session drops), waits {@code pause}, and starts a new one on the same
   * port, as a CDU controller's firmware update or power cycle would.
   */
  void restart(Duration pause) throws IOException, InterruptedException {
    stop();
    log.info("OPC UA server on port {} stopped; starting again in {}", port, pause);
    Thread.sleep(pause.toMillis());
    IOException last = null;
    // The port may linger for a moment after the old server's channels close.
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        synchronized (this) {
          if (closed) {
            return; // the site closed during the pause: stay down
          }
          startOn(port);
        }
        log.info("OPC UA server on port {} started again", port);
        return;
      } catch (IOException e) {
        last = e;
        Thread.sleep(250);
      }
    }
    throw last;
  }

  /** Stops serving (every session drops) until {@link #restart}. */
  synchronized void stop() {
    shutdown(server, namespace);
    server = null;
    namespace = null;
  }

  /** Stops serving for good: a restart under way stays down. */
  @Override
  public synchronized void close() {
    closed = true;
    stop();
  }

  private static void shutdown(OpcUaServer server, CduNodes namespace) {
    if (server == null) {
      return;
    }
    try {
      namespace.shutdown();
    } catch (RuntimeException e) {
      // Best effort: the server below is what holds the port.
    }
    try {
      server.shutdown().get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Nothing more to do: shutdown is best effort within its time limit.
    }
  }
}
