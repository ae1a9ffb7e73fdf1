package io.kilowatch.testkit.opcua;

import java.util.Set;
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
 * The Eclipse Milo server that simulated CDUs live on, for the demo and the scale bench alike: one
 * endpoint at {@code opc.tcp://127.0.0.1:<port>/kilowatch}, security None, anonymous. Simulators
 * only: a real site's CDU controllers bring their own servers and security policies.
 */
public final class LoopbackOpcUaServer {
  public static final String HOST = "127.0.0.1";
  public static final String PATH = "/kilowatch";

  private LoopbackOpcUaServer() {}

  /**
   * A server not yet started.
   *
   * @param name shown as the application name, e.g. "kilowatch demo CDUs"
   * @param uriPart the product URI's last part, e.g. "demo" for {@code urn:kilowatch:demo}
   */
  public static OpcUaServer create(int port, String name, String uriPart) {
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
    OpcUaServerConfig config =
        OpcUaServerConfig.builder()
            .setApplicationName(LocalizedText.english(name))
            .setApplicationUri("urn:kilowatch:" + uriPart + ":cdu-server")
            .setProductUri("urn:kilowatch:" + uriPart)
            .setEndpoints(Set.of(endpoint))
            // Security None still needs a certificate manager; it simply holds no certificates.
            .setCertificateManager(new DefaultCertificateManager(new MemoryCertificateQuarantine()))
            .setIdentityValidator(AnonymousIdentityValidator.INSTANCE)
            .build();
    return new OpcUaServer(
        config,
        profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
  }

  public static String endpointUrl(int port) {
    return "opc.tcp://" + HOST + ":" + port + PATH;
  }
}
