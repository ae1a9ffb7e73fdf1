package io.kilowatch.simulator;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.transport.TransportProfile;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;

/**
 * One OPC UA server for all CDUs at {@code opc.tcp://127.0.0.1:<port>/kilowatch}, security None,
 * anonymous. Real CDU controllers each have their own server; one is enough to exercise the
 * protocol and keeps the demo light.
 */
final class CduOpcUaServer implements AutoCloseable {
  static final String PATH = "/kilowatch";
  private static final String HOST = "127.0.0.1";
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
      OpcUaServer server = new OpcUaServer(config(port), p -> transport());
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

  private static OpcTcpServerTransport transport() {
    return new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build());
  }

  private static OpcUaServerConfig config(int port) {
    EndpointConfig endpoint =
        EndpointConfig.newBuilder()
            .setTransportProfile(TransportProfile.TCP_UASC_UABINARY)
            .setBindAddress(HOST)
            .setBindPort(port)
            .setHostname(HOST)
            .setPath(PATH)
            .setSecurityPolicy(SecurityPolicy.None)
            .setSecurityMode(MessageSecurityMode.None)
            .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS)
            .build();
    return OpcUaServerConfig.builder()
        .setApplicationName(LocalizedText.english("kilowatch demo CDUs"))
        .setApplicationUri("urn:kilowatch:demo:cdu-server")
        .setProductUri("urn:kilowatch:demo")
        .setEndpoints(Set.of(endpoint))
        // Security None still needs a certificate manager; it simply holds no certificates.
        .setCertificateManager(new DefaultCertificateManager(new MemoryCertificateQuarantine()))
        .setIdentityValidator(AnonymousIdentityValidator.INSTANCE)
        .build();
  }

  String endpointUrl() {
    return "opc.tcp://" + HOST + ":" + port + PATH;
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
