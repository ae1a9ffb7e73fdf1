package io.kilowatch.collector.opcua;

import static org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.CompositeValidator;
import org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.transport.TransportProfile;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.UserTokenType;
import org.eclipse.milo.opcua.stack.core.types.structured.UserTokenPolicy;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;

/**
 * An OPC UA server in the test JVM, security None, anonymous or user {@code operator} / {@code
 * secret}, with a namespace of variables given by the test.
 */
final class DemoServer implements AutoCloseable {
  static final String DEMO_URI = "urn:kilowatch:demo";

  // The stock user-name policy encrypts the password with the server certificate; this server has
  // none (security None throughout), so the password travels as is.
  private static final UserTokenPolicy PLAIN_USERNAME =
      new UserTokenPolicy(
          "username-plain", UserTokenType.UserName, null, null, SecurityPolicy.None.getUri());

  private final OpcUaServer server;
  private final VariablesNamespace other;
  private final VariablesNamespace demo;
  private final int port;

  /**
   * @param variables string id in the demo namespace → initial value (with its status)
   */
  DemoServer(Map<String, DataValue> variables) throws Exception {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    EndpointConfig endpoint =
        EndpointConfig.newBuilder()
            .setTransportProfile(TransportProfile.TCP_UASC_UABINARY)
            .setBindAddress("127.0.0.1")
            .setBindPort(port)
            // Advertise a name the client cannot resolve: it must keep the address it was given.
            .setHostname("opc-server.invalid")
            .setPath("/kilowatch")
            .setSecurityPolicy(SecurityPolicy.None)
            .setSecurityMode(MessageSecurityMode.None)
            .addTokenPolicies(USER_TOKEN_POLICY_ANONYMOUS, PLAIN_USERNAME)
            .build();
    OpcUaServerConfig config =
        OpcUaServerConfig.builder()
            .setApplicationUri("urn:kilowatch:test-server")
            .setApplicationName(LocalizedText.english("kilowatch test server"))
            .setProductUri("urn:kilowatch:test-server")
            .setEndpoints(Set.of(endpoint))
            .setCertificateManager(new DefaultCertificateManager(new MemoryCertificateQuarantine()))
            .setIdentityValidator(
                new CompositeValidator(
                    AnonymousIdentityValidator.INSTANCE,
                    new UsernameIdentityValidator(
                        c ->
                            "operator".equals(c.getUsername())
                                && "secret".equals(c.getPassword()))))
            .build();
    server =
        new OpcUaServer(
            config,
            profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
    // A namespace registered first, so the demo namespace's index is not the obvious 2.
    other = new VariablesNamespace(server, "urn:kilowatch:other", Map.of());
    demo = new VariablesNamespace(server, DEMO_URI, variables);
    other.startup();
    demo.startup();
    server.startup().get(10, TimeUnit.SECONDS);
  }

  String endpoint() {
    return "opc.tcp://127.0.0.1:" + port + "/kilowatch";
  }

  int demoNamespaceIndex() {
    return demo.getNamespaceIndex().intValue();
  }

  @Override
  public void close() throws Exception {
    demo.shutdown();
    other.shutdown();
    server.shutdown().get(10, TimeUnit.SECONDS);
  }

  static final class VariablesNamespace extends ManagedNamespaceWithLifecycle {
    private final SubscriptionModel subscriptions;

    VariablesNamespace(OpcUaServer server, String uri, Map<String, DataValue> variables) {
      super(server, uri);
      subscriptions = new SubscriptionModel(server, this);
      getLifecycleManager().addLifecycle(subscriptions);
      getLifecycleManager()
          .addStartupTask(
              () ->
                  variables.forEach(
                      (id, value) -> {
                        NodeId nodeId = newNodeId(id);
                        var node =
                            new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
                                .setNodeId(nodeId)
                                .setAccessLevel(AccessLevel.READ_ONLY)
                                .setUserAccessLevel(AccessLevel.READ_ONLY)
                                .setBrowseName(newQualifiedName(id))
                                .setDisplayName(LocalizedText.english(id))
                                .setDataType(NodeIds.BaseDataType)
                                .setTypeDefinition(NodeIds.BaseDataVariableType)
                                .build();
                        node.setValue(value);
                        getNodeManager().addNode(node);
                      }));
    }

    @Override
    public void onDataItemsCreated(List<DataItem> items) {
      subscriptions.onDataItemsCreated(items);
    }

    @Override
    public void onDataItemsModified(List<DataItem> items) {
      subscriptions.onDataItemsModified(items);
    }

    @Override
    public void onDataItemsDeleted(List<DataItem> items) {
      subscriptions.onDataItemsDeleted(items);
    }

    @Override
    public void onMonitoringModeChanged(List<MonitoredItem> items) {
      subscriptions.onMonitoringModeChanged(items);
    }
  }
}
