package io.kilowatch.simulator;

import io.kilowatch.testkit.opcua.LoopbackOpcUaServer;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;

/**
 * One OPC UA server for all CDUs at {@code opc.tcp://127.0.0.1:<port>/kilowatch}, security None,
 * anonymous. Real CDU controllers each have their own server; one is enough to exercise the
 * protocol and keeps the demo light.
 */
final class CduOpcUaServer implements AutoCloseable {
  private static final long TIMEOUT_S = 10;

  private final OpcUaServer server;
  private final CduNamespace namespace;
  private final int port;

  private CduOpcUaServer(OpcUaServer server, CduNamespace namespace, int port) {
    this.server = server;
    this.namespace = namespace;
    this.port = port;
  }

  static CduOpcUaServer start(List<String> cduIds, SiteSnapshot first) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = FreePorts.reserve();
      OpcUaServer server = LoopbackOpcUaServer.create(port, "kilowatch demo CDUs", "demo");
      CduNamespace namespace = new CduNamespace(server, cduIds, first);
      try {
        namespace.startup();
        server.startup().get(TIMEOUT_S, TimeUnit.SECONDS);
        return new CduOpcUaServer(server, namespace, port);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        shutdown(server, namespace);
        throw new IOException("interrupted starting the OPC UA server", e);
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        // Most likely the port was taken between probe and bind: try another.
        last = new IOException("OPC UA server on port " + port + " did not start", e);
        shutdown(server, namespace);
      }
    }
    throw last;
  }

  String endpointUrl() {
    return LoopbackOpcUaServer.endpointUrl(port);
  }

  int port() {
    return port;
  }

  void publish(SiteSnapshot snapshot) {
    namespace.publish(snapshot);
  }

  @Override
  public void close() {
    shutdown(server, namespace);
  }

  private static void shutdown(OpcUaServer server, CduNamespace namespace) {
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
