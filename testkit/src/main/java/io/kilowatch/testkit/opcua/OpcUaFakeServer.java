package io.kilowatch.testkit.opcua;

import static org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS;
import static org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME;
import static org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig.USER_TOKEN_POLICY_X509;
import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfigLimits;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.CompositeValidator;
import org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.X509IdentityValidator;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultApplicationGroup;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateStore;
import org.eclipse.milo.opcua.stack.core.security.MemoryTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.RsaSha256CertificateFactory;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.transport.TransportProfile;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.UserTokenType;
import org.eclipse.milo.opcua.stack.core.types.structured.UserTokenPolicy;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;

/**
 * An OPC UA server (Eclipse Milo) in the test JVM: anonymous, user {@code operator} / {@code
 * secret}, or an X.509 user certificate the test names; security None, plus every secure policy and
 * mode when asked. Variables are given by string id; an id {@code a/b} is variable {@code b} in
 * folder {@code a} under Objects, so browse paths work. It can be restarted on the same port,
 * optionally with an extra namespace registered first so that the demo namespace's index moves.
 */
public final class OpcUaFakeServer implements AutoCloseable {
  public static final String DEMO_URI = "urn:kilowatch:demo";
  public static final String SERVER_URI = "urn:kilowatch:test-server";

  // The stock user-name policy encrypts the password with the server certificate; on the None
  // endpoint of a server without security the password travels as is.
  private static final UserTokenPolicy PLAIN_USERNAME =
      new UserTokenPolicy(
          "username-plain", UserTokenType.UserName, null, null, SecurityPolicy.None.getUri());

  /** What the server offers. */
  public record Setup(
      Map<String, DataValue> variables,
      Map<String, DataValue> otherVariables,
      boolean secure,
      Predicate<X509Certificate> userCertificates,
      int maxNodesPerRead) {
    public static Setup plain(Map<String, DataValue> variables) {
      return new Setup(variables, Map.of(), false, c -> false, 0);
    }
  }

  private final Setup setup;
  private int port;
  private final Map<String, DataValue> current = new ConcurrentHashMap<>();
  private volatile Running running;

  private record Running(
      OpcUaServer server,
      List<VariablesNamespace> namespaces,
      VariablesNamespace demo,
      X509Certificate certificate) {}

  public OpcUaFakeServer(Map<String, DataValue> variables) throws Exception {
    this(Setup.plain(variables));
  }

  public OpcUaFakeServer(Setup setup) throws Exception {
    this.setup = setup;
    current.putAll(setup.variables());
    // A free port can be taken by another process between probing and binding: try another.
    for (int attempt = 1; ; attempt++) {
      try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      try {
        running = start(false);
        return;
      } catch (java.util.concurrent.ExecutionException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  private Running start(boolean extraNamespaceFirst) throws Exception {
    var group =
        DefaultApplicationGroup.createAndInitialize(
            new MemoryTrustListManager(),
            new MemoryCertificateStore(),
            new RsaSha256CertificateFactory() {
              @Override
              protected X509Certificate[] createRsaSha256CertificateChain(KeyPair keyPair)
                  throws Exception {
                return new X509Certificate[] {
                  new SelfSignedCertificateBuilder(keyPair)
                      .setCommonName("kilowatch test server")
                      .setApplicationUri(SERVER_URI)
                      .addDnsName("localhost")
                      .addDnsName("opc-server.invalid")
                      .addIpAddress("127.0.0.1")
                      .build()
                };
              }
            },
            // The server accepts any client certificate: these tests are about the client side.
            new CertificateValidator.InsecureCertificateValidator());
    X509Certificate cert =
        group.getCertificateChain(NodeIds.RsaSha256ApplicationCertificateType).orElseThrow()[0];
    Set<EndpointConfig> endpoints = new LinkedHashSet<>();
    endpoints.add(endpoint(SecurityPolicy.None, MessageSecurityMode.None, cert));
    if (setup.secure()) {
      for (SecurityPolicy p :
          List.of(
              SecurityPolicy.Basic256Sha256,
              SecurityPolicy.Aes128_Sha256_RsaOaep,
              SecurityPolicy.Aes256_Sha256_RsaPss)) {
        endpoints.add(endpoint(p, MessageSecurityMode.Sign, cert));
        endpoints.add(endpoint(p, MessageSecurityMode.SignAndEncrypt, cert));
      }
    }
    var limits =
        new OpcUaServerConfigLimits() {
          @Override
          public UInteger getMaxNodesPerRead() {
            return setup.maxNodesPerRead() > 0
                ? uint(setup.maxNodesPerRead())
                : OpcUaServerConfigLimits.super.getMaxNodesPerRead();
          }

          @Override
          public Double getMinSupportedSampleRate() {
            return 20.0;
          }

          @Override
          public Double getMinPublishingInterval() {
            return 20.0;
          }
        };
    OpcUaServerConfig config =
        OpcUaServerConfig.builder()
            .setApplicationUri(SERVER_URI)
            .setApplicationName(LocalizedText.english("kilowatch test server"))
            .setProductUri(SERVER_URI)
            .setEndpoints(endpoints)
            .setLimits(limits)
            .setCertificateManager(
                new DefaultCertificateManager(new MemoryCertificateQuarantine(), group))
            .setIdentityValidator(
                new CompositeValidator(
                    AnonymousIdentityValidator.INSTANCE,
                    new UsernameIdentityValidator(
                        c ->
                            "operator".equals(c.getUsername()) && "secret".equals(c.getPassword())),
                    new X509IdentityValidator(setup.userCertificates())))
            .build();
    var server =
        new OpcUaServer(
            config,
            profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
    var namespaces = new java.util.ArrayList<VariablesNamespace>();
    if (extraNamespaceFirst) {
      namespaces.add(new VariablesNamespace(server, "urn:kilowatch:extra", Map.of()));
    }
    // A namespace registered before the demo one, so the demo namespace's index is not 2.
    namespaces.add(new VariablesNamespace(server, "urn:kilowatch:other", setup.otherVariables()));
    var demo = new VariablesNamespace(server, DEMO_URI, current);
    namespaces.add(demo);
    namespaces.forEach(VariablesNamespace::startup);
    server.startup().get(10, TimeUnit.SECONDS);
    return new Running(server, namespaces, demo, cert);
  }

  private EndpointConfig endpoint(
      SecurityPolicy policy, MessageSecurityMode mode, X509Certificate cert) {
    var b =
        EndpointConfig.newBuilder()
            .setCertificate(cert)
            .setTransportProfile(TransportProfile.TCP_UASC_UABINARY)
            .setBindAddress("127.0.0.1")
            .setBindPort(port)
            // Advertise a name the client cannot resolve: it must keep the address it was given.
            .setHostname("opc-server.invalid")
            .setPath("/kilowatch")
            .setSecurityPolicy(policy)
            .setSecurityMode(mode);
    if (policy == SecurityPolicy.None) {
      b.addTokenPolicies(
          USER_TOKEN_POLICY_ANONYMOUS,
          setup.secure() ? USER_TOKEN_POLICY_USERNAME : PLAIN_USERNAME);
    } else {
      b.addTokenPolicies(
          USER_TOKEN_POLICY_ANONYMOUS, USER_TOKEN_POLICY_USERNAME, USER_TOKEN_POLICY_X509);
    }
    return b.build();
  }

  public String endpoint() {
    return "opc.tcp://127.0.0.1:" + port + "/kilowatch";
  }

  public int port() {
    return port;
  }

  public int demoNamespaceIndex() {
    return running.demo().getNamespaceIndex().intValue();
  }

  /** The server's application instance certificate. */
  public X509Certificate certificate() {
    return running.certificate();
  }

  /** Changes a variable's value (and keeps it across restarts). */
  public void set(String id, DataValue value) {
    current.put(id, value);
    running.demo().set(id, value);
  }

  /** Stops the server, then starts it again on the same port with the current values. */
  public void restart(boolean extraNamespaceFirst) throws Exception {
    stop();
    running = start(extraNamespaceFirst);
  }

  /** Stops the server; {@link #restart} brings it back. */
  public void stop() throws Exception {
    Running r = running;
    for (VariablesNamespace ns : r.namespaces()) {
      ns.shutdown();
    }
    r.server().shutdown().get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    stop();
  }

  private static final class VariablesNamespace extends ManagedNamespaceWithLifecycle {
    private final SubscriptionModel subscriptions;
    private final Map<String, UaVariableNode> nodes = new ConcurrentHashMap<>();

    VariablesNamespace(OpcUaServer server, String uri, Map<String, DataValue> variables) {
      super(server, uri);
      subscriptions = new SubscriptionModel(server, this);
      getLifecycleManager().addLifecycle(subscriptions);
      Map<String, DataValue> initial = new LinkedHashMap<>(variables);
      getLifecycleManager().addStartupTask(() -> initial.forEach(this::add));
    }

    private void add(String id, DataValue value) {
      int slash = id.lastIndexOf('/');
      String name = slash < 0 ? id : id.substring(slash + 1);
      NodeId parent = slash < 0 ? NodeIds.ObjectsFolder : folder(id.substring(0, slash));
      var node =
          new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
              .setNodeId(newNodeId(id))
              .setAccessLevel(AccessLevel.READ_ONLY)
              .setUserAccessLevel(AccessLevel.READ_ONLY)
              .setBrowseName(newQualifiedName(name))
              .setDisplayName(LocalizedText.english(name))
              .setDataType(dataType(value))
              .setTypeDefinition(NodeIds.BaseDataVariableType)
              .build();
      node.setValue(value);
      getNodeManager().addNode(node);
      node.addReference(
          new Reference(node.getNodeId(), NodeIds.Organizes, parent.expanded(), false));
      nodes.put(id, node);
    }

    /** Numeric types matter: servers accept a deadband only on numeric variables. */
    private static NodeId dataType(DataValue value) {
      Object v = value.getValue() == null ? null : value.getValue().getValue();
      return switch (v) {
        case Double d -> NodeIds.Double;
        case Float f -> NodeIds.Float;
        case Integer i -> NodeIds.Int32;
        case Boolean b -> NodeIds.Boolean;
        case String s -> NodeIds.String;
        case null, default -> NodeIds.BaseDataType;
      };
    }

    /** The folder for a path like {@code a/b}, made on first use under Objects. */
    private NodeId folder(String path) {
      NodeId id = newNodeId(path);
      if (getNodeManager().containsNode(id)) {
        return id;
      }
      int slash = path.lastIndexOf('/');
      String name = slash < 0 ? path : path.substring(slash + 1);
      NodeId parent = slash < 0 ? NodeIds.ObjectsFolder : folder(path.substring(0, slash));
      var folder =
          new UaFolderNode(
              getNodeContext(), id, newQualifiedName(name), LocalizedText.english(name));
      getNodeManager().addNode(folder);
      folder.addReference(new Reference(id, NodeIds.Organizes, parent.expanded(), false));
      return id;
    }

    void set(String id, DataValue value) {
      UaVariableNode node = nodes.get(id);
      if (node != null) {
        node.setValue(value);
      }
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
