package io.kilowatch.testkit.opcua;

import static org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS;
import static org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME;
import static org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig.USER_TOKEN_POLICY_X509;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.CompositeValidator;
import org.eclipse.milo.opcua.sdk.server.identity.IdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.X509IdentityValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.transport.TransportProfile;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.UserTokenType;
import org.eclipse.milo.opcua.stack.core.types.structured.UserTokenPolicy;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;

/**
 * An OPC UA server (Eclipse Milo) on loopback at {@code opc.tcp://127.0.0.1:<port>/kilowatch}, for
 * tests, the demo and the bench alike: stored or computed variables ({@link FakeVariable}) in one
 * namespace, a count of good reads per variable, and stop, start and restart on the same port, as a
 * CDU controller's firmware update or power cycle would. Security None and anonymous unless the
 * {@link OpcUaFakeSetup} asks for more. A real site's CDU controllers bring their own servers.
 */
public final class OpcUaFakeServer implements AutoCloseable {
  public static final String HOST = "127.0.0.1";
  public static final String PATH = "/kilowatch";
  public static final String DEMO_URI = "urn:kilowatch:demo";
  public static final String SERVER_URI = "urn:kilowatch:test-server";

  /** A host name for {@link OpcUaFakeSetup#advertisedHost} that no client can resolve. */
  public static final String UNRESOLVABLE_HOST = "opc-server.invalid";

  private static final long TIMEOUT_S = 10;

  // The stock user-name policy encrypts the password with the server certificate; on the None
  // endpoint of a server without security the password travels as is.
  private static final UserTokenPolicy PLAIN_USERNAME =
      new UserTokenPolicy(
          "username-plain", UserTokenType.UserName, null, null, SecurityPolicy.None.getUri());

  private final OpcUaFakeSetup setup;
  private final ServerCertificate certificate;
  private final int port;
  private final Map<String, DataValue> current = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> goodReads = new ConcurrentHashMap<>();
  private Running running;
  private boolean closed;

  private record Running(OpcUaServer server, List<FakeNamespace> namespaces, FakeNamespace main) {}

  /** Starts a plain server (security None, anonymous) with stored variables by id. */
  public OpcUaFakeServer(Map<String, DataValue> variables) throws IOException {
    this(OpcUaFakeSetup.of(variables));
  }

  /** Starts the server the setup describes on a free loopback port. */
  public OpcUaFakeServer(OpcUaFakeSetup setup) throws IOException {
    this.setup = setup;
    this.certificate = setup.secure() ? ServerCertificate.create() : null;
    for (FakeVariable v : setup.variables()) {
      if (!v.isComputed()) {
        current.put(v.id(), v.initial());
      }
    }
    IOException last = null;
    int bound = -1;
    // A free port can be taken by another process between probing and binding: try another.
    for (int attempt = 0; attempt < 3 && bound < 0; attempt++) {
      int candidate = freePort();
      try {
        running = startOn(candidate, false);
        bound = candidate;
      } catch (IOException e) {
        last = e;
      }
    }
    if (bound < 0) {
      throw last;
    }
    this.port = bound;
  }

  private static int freePort() throws IOException {
    try (var probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  private Running startOn(int port, boolean extraNamespaceFirst) throws IOException {
    var server =
        new OpcUaServer(
            config(port),
            profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
    var namespaces = new ArrayList<FakeNamespace>();
    if (extraNamespaceFirst) {
      namespaces.add(namespace(server, "urn:kilowatch:extra", List.of()));
    }
    if (!setup.otherVariables().isEmpty()) {
      namespaces.add(namespace(server, "urn:kilowatch:other", setup.otherVariables()));
    }
    var main =
        new FakeNamespace(server, setup.namespaceUri(), setup.variables(), current, this::count);
    namespaces.add(main);
    var started = new Running(server, namespaces, main);
    try {
      namespaces.forEach(FakeNamespace::startup);
      server.startup().get(TIMEOUT_S, TimeUnit.SECONDS);
      return started;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown(started);
      throw new IOException("interrupted starting the OPC UA server", e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      shutdown(started);
      throw new IOException("OPC UA server on port " + port + " did not start", e);
    }
  }

  private static FakeNamespace namespace(
      OpcUaServer server, String uri, List<FakeVariable> variables) {
    return new FakeNamespace(server, uri, variables, Map.of(), id -> {});
  }

  private void count(String id) {
    goodReads.computeIfAbsent(id, k -> new LongAdder()).increment();
    setup.onGoodRead().accept(id);
  }

  private OpcUaServerConfig config(int port) {
    Set<EndpointConfig> endpoints = new LinkedHashSet<>();
    endpoints.add(endpoint(port, SecurityPolicy.None, MessageSecurityMode.None));
    if (setup.secure()) {
      for (SecurityPolicy p :
          List.of(
              SecurityPolicy.Basic256Sha256,
              SecurityPolicy.Aes128_Sha256_RsaOaep,
              SecurityPolicy.Aes256_Sha256_RsaPss)) {
        endpoints.add(endpoint(port, p, MessageSecurityMode.Sign));
        endpoints.add(endpoint(port, p, MessageSecurityMode.SignAndEncrypt));
      }
    }
    return OpcUaServerConfig.builder()
        .setApplicationUri(SERVER_URI)
        .setApplicationName(LocalizedText.english(setup.applicationName()))
        .setProductUri(SERVER_URI)
        .setEndpoints(endpoints)
        .setLimits(new FakeLimits(setup.maxNodesPerRead(), setup.maxSessionTimeoutMs()))
        // Security None still needs a certificate manager; it then simply holds no certificates.
        .setCertificateManager(
            certificate == null
                ? new DefaultCertificateManager(new MemoryCertificateQuarantine())
                : new DefaultCertificateManager(
                    new MemoryCertificateQuarantine(), certificate.group()))
        .setIdentityValidator(identityValidator())
        .build();
  }

  private IdentityValidator identityValidator() {
    var validators = new ArrayList<IdentityValidator>();
    validators.add(AnonymousIdentityValidator.INSTANCE);
    if (!setup.users().isEmpty()) {
      validators.add(
          new UsernameIdentityValidator(
              c -> c.getPassword().equals(setup.users().get(c.getUsername()))));
    }
    validators.add(new X509IdentityValidator(setup.userCertificates()));
    return new CompositeValidator(validators.toArray(IdentityValidator[]::new));
  }

  private EndpointConfig endpoint(int port, SecurityPolicy policy, MessageSecurityMode mode) {
    var b =
        EndpointConfig.newBuilder()
            .setTransportProfile(TransportProfile.TCP_UASC_UABINARY)
            .setBindAddress(HOST)
            .setBindPort(port)
            .setHostname(setup.advertisedHost())
            .setPath(PATH)
            .setSecurityPolicy(policy)
            .setSecurityMode(mode)
            .addTokenPolicies(USER_TOKEN_POLICY_ANONYMOUS);
    if (certificate != null) {
      b.setCertificate(certificate.certificate());
    }
    boolean users = !setup.users().isEmpty();
    if (policy == SecurityPolicy.None) {
      if (users) {
        b.addTokenPolicies(setup.secure() ? USER_TOKEN_POLICY_USERNAME : PLAIN_USERNAME);
      }
    } else {
      if (users) {
        b.addTokenPolicies(USER_TOKEN_POLICY_USERNAME);
      }
      b.addTokenPolicies(USER_TOKEN_POLICY_X509);
    }
    return b.build();
  }

  public String endpoint() {
    return "opc.tcp://" + HOST + ":" + port + PATH;
  }

  public int port() {
    return port;
  }

  /** The namespace URI the variables live in. */
  public String namespaceUri() {
    return setup.namespaceUri();
  }

  /** The index of the variables' namespace on the running server (it moves across restarts). */
  public synchronized int namespaceIndex() {
    return running.main().getNamespaceIndex().intValue();
  }

  /** The server's application instance certificate; only a secure server has one. */
  public X509Certificate certificate() {
    if (certificate == null) {
      throw new IllegalStateException("a server without security has no certificate");
    }
    return certificate.certificate();
  }

  /** Changes a stored variable's value (and keeps it across restarts). */
  public void set(String id, DataValue value) {
    current.put(id, value);
    Running r;
    synchronized (this) {
      r = running;
    }
    if (r != null) {
      r.main().set(id, value);
    }
  }

  /**
   * Sessions the server holds now, activated or not: one whose login failed counts until the client
   * closes it or it times out, as it does against a real server's session limit.
   */
  public synchronized int sessionCount() {
    return running == null
        ? 0
        : running.server().getSessionManager().getCurrentSessionCount().intValue();
  }

  /**
   * Read requests of every kind (a client's keep-alives too) that the sessions open now have made.
   */
  public synchronized long readRequests() {
    if (running == null) {
      return 0;
    }
    long n = 0;
    for (var session : running.server().getSessionManager().getAllSessions()) {
      n +=
          session
              .getSessionDiagnostics()
              .getReadCount()
              .getServiceCounter()
              .getTotalCount()
              .longValue();
    }
    return n;
  }

  /** Read calls that returned the variable's value good, across restarts. */
  public long goodReads(String id) {
    LongAdder n = goodReads.get(id);
    return n == null ? 0 : n.sum();
  }

  /** Stops serving (every session drops) until {@link #start} or a restart. */
  public synchronized void stop() {
    if (running != null) {
      shutdown(running);
      running = null;
    }
  }

  /**
   * Starts serving again on the same port with the current values; a server {@link #close}d stays
   * down. The port may linger for a moment after the old server's channels close, so this tries for
   * a few seconds.
   */
  public void start() throws IOException, InterruptedException {
    startAgain(false);
  }

  /** Stops, waits {@code pause}, and starts again on the same port. */
  public void restart(Duration pause) throws IOException, InterruptedException {
    stop();
    // A real sleep: the outage itself is what the caller asked for.
    Thread.sleep(pause.toMillis());
    startAgain(false);
  }

  /**
   * Stops and starts again with another namespace registered first, so the index of the variables'
   * namespace moves, as it may on a real server's restart: clients must resolve it by URI again.
   */
  public void restartWithNamespaceIndexMoved() throws IOException, InterruptedException {
    stop();
    startAgain(true);
  }

  private void startAgain(boolean extraNamespaceFirst) throws IOException, InterruptedException {
    IOException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        synchronized (this) {
          if (closed || running != null) {
            return;
          }
          running = startOn(port, extraNamespaceFirst);
        }
        return;
      } catch (IOException e) {
        last = e;
        // A plain retry, not Awaitility: the demo runs this fake too, outside any test.
        Thread.sleep(250);
      }
    }
    throw last;
  }

  /** Stops serving for good: a restart under way stays down. */
  @Override
  public synchronized void close() {
    closed = true;
    stop();
  }

  private static void shutdown(Running r) {
    for (FakeNamespace ns : r.namespaces()) {
      try {
        ns.shutdown();
      } catch (RuntimeException e) {
        // Best effort: the server below is what holds the port.
      }
    }
    try {
      r.server().shutdown().get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Nothing more to do: shutdown is best effort within its time limit.
    }
  }
}
