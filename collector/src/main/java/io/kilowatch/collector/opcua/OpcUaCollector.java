package io.kilowatch.collector.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.PointErrorLog;
import io.kilowatch.collector.Readings;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.OpcUaPoint;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.milo.opcua.sdk.client.DiscoveryClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClientConfig;
import org.eclipse.milo.opcua.sdk.client.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.identity.IdentityProvider;
import org.eclipse.milo.opcua.sdk.client.identity.UsernameProvider;
import org.eclipse.milo.opcua.stack.core.NamespaceTable;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.util.EndpointUtil;
import org.eclipse.milo.opcua.stack.transport.client.tcp.OpcTcpClientTransport;
import org.eclipse.milo.opcua.stack.transport.client.tcp.OpcTcpClientTransportConfig;

/**
 * Polls an OPC UA server with one batched Read per poll over one session, opened lazily and again
 * after a failure. Each value's StatusCode becomes its quality: Good, Uncertain, or Bad (stored as
 * BAD, never as a good number). A node that is missing, or whose namespace URI the server does not
 * know, is a BAD point; the others still flow.
 *
 * <p>Security: policy None, anonymous or user name and password. Other policies are refused at
 * construction with a clear message until certificate handling lands.
 */
public final class OpcUaCollector implements DeviceCollector {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private final Device device;
  private final Source.OpcUa source;
  private final SiteConfig site;
  private final Clock clock;
  private final Map<OpcUaPoint, NodeIdTemplate> nodes = new LinkedHashMap<>();
  private final long timeoutMs;
  private final PointErrorLog errorLog;
  private volatile Connection connection;
  private volatile boolean closed;

  /** A session and the node ids resolved against its server's namespace table. */
  private record Connection(OpcUaClient client, Map<OpcUaPoint, Optional<NodeId>> resolved) {}

  public OpcUaCollector(
      Device device, Source.OpcUa source, Profile.OpcUa profile, SiteConfig site, Clock clock) {
    this.device = Objects.requireNonNull(device, "device");
    this.source = Objects.requireNonNull(source, "source");
    this.site = site;
    this.clock = Objects.requireNonNull(clock, "clock");
    URI endpoint = source.endpoint();
    if (endpoint == null || !"opc.tcp".equalsIgnoreCase(endpoint.getScheme())) {
      throw new IllegalArgumentException(
          "device " + device.id() + ": endpoint must be opc.tcp://host:port/path, not " + endpoint);
    }
    if (source.securityPolicy() != null && source.securityPolicy() != Source.SecurityPolicy.NONE) {
      throw new IllegalArgumentException(
          "device "
              + device.id()
              + ": securityPolicy "
              + source.securityPolicy().name().toLowerCase(Locale.ROOT).replace('_', '-')
              + " is not yet supported; use securityPolicy: none");
    }
    for (OpcUaPoint p : profile.points()) {
      try {
        nodes.put(p, NodeIdTemplate.of(p.nodeId(), device.id()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "device "
                + device.id()
                + ", profile "
                + profile.id()
                + ", point "
                + p.name()
                + ": "
                + e.getMessage(),
            e);
      }
    }
    Duration t =
        device.timeout() != null && device.timeout().isPositive()
            ? device.timeout()
            : DEFAULT_TIMEOUT;
    this.timeoutMs = t.toMillis();
    this.errorLog = new PointErrorLog(device.id());
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public Map<String, String> pointErrors() {
    return errorLog.current();
  }

  @Override
  public synchronized List<Sample> poll() throws Exception {
    if (closed) {
      throw new IllegalStateException("collector of " + device.id() + " is closed");
    }
    Connection c = connect();
    var readings = new Readings(site, device, clock.instant());
    var toRead = new ArrayList<OpcUaPoint>();
    var ids = new ArrayList<NodeId>();
    c.resolved()
        .forEach(
            (point, id) -> {
              if (id.isPresent()) {
                toRead.add(point);
                ids.add(id.get());
              } else {
                readings.bad(point, "namespace of " + nodes.get(point) + " is not on the server");
              }
            });
    if (!ids.isEmpty()) {
      List<DataValue> values;
      try {
        values =
            c.client()
                .readValuesAsync(0.0, TimestampsToReturn.Neither, ids)
                .get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        disconnect();
        Throwable cause =
            e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        throw new IOException("read from " + source.endpoint() + " failed: " + describe(cause), e);
      }
      if (values.size() != ids.size()) {
        disconnect();
        throw new IOException(
            "server answered " + values.size() + " values for " + ids.size() + " nodes");
      }
      for (int i = 0; i < values.size(); i++) {
        record(toRead.get(i), values.get(i), readings);
      }
    }
    errorLog.update(readings.errors());
    return readings.samples();
  }

  private void record(OpcUaPoint point, DataValue dv, Readings readings) {
    StatusCode status = dv.getStatusCode() != null ? dv.getStatusCode() : StatusCode.GOOD;
    if (status.isBad()) {
      readings.bad(point, statusName(status) + " for " + nodes.get(point));
      return;
    }
    Object v = dv.getValue() != null ? dv.getValue().getValue() : null;
    double number;
    if (v instanceof Number n) {
      number = n.doubleValue();
    } else if (v instanceof Boolean b) {
      number = b ? 1 : 0;
    } else {
      readings.bad(
          point,
          (v == null ? "no value" : "not a number: " + v.getClass().getSimpleName())
              + " at "
              + nodes.get(point));
      return;
    }
    if (!Double.isFinite(number)) {
      readings.bad(point, "server sent " + number + " for " + nodes.get(point));
      return;
    }
    readings.add(point, number, status.isUncertain() ? Quality.UNCERTAIN : Quality.GOOD);
  }

  static String statusName(StatusCode status) {
    return StatusCodes.lookup(status.getValue())
        .map(names -> names[0])
        .orElse(String.format("0x%08X", status.getValue()));
  }

  private Connection connect() throws Exception {
    Connection c = connection;
    if (c != null) {
      return c;
    }
    String url = source.endpoint().toString();
    EndpointDescription endpoint;
    try {
      List<EndpointDescription> endpoints =
          DiscoveryClient.getEndpoints(url, t -> t.setConnectTimeout(uint(timeoutMs)))
              .get(timeoutMs, TimeUnit.MILLISECONDS);
      endpoint =
          endpoints.stream()
              .filter(e -> SecurityPolicy.None.getUri().equals(e.getSecurityPolicyUri()))
              .filter(e -> e.getSecurityMode() == MessageSecurityMode.None)
              .filter(e -> e.getEndpointUrl() != null && e.getEndpointUrl().startsWith("opc.tcp"))
              .findFirst()
              .orElseThrow(
                  () -> new IOException(url + " offers no endpoint with security policy None"));
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IOException("cannot reach " + url + ": " + describe(cause), e);
    }
    // Servers often advertise a host name only they can resolve: keep the one we were given.
    endpoint =
        EndpointUtil.updateUrl(endpoint, source.endpoint().getHost(), portOf(source.endpoint()));
    OpcUaClientConfig config =
        OpcUaClientConfig.builder()
            .setApplicationName(LocalizedText.english("kilowatch collector"))
            .setApplicationUri("urn:kilowatch:collector")
            .setProductUri("urn:kilowatch")
            .setEndpoint(endpoint)
            .setIdentityProvider(identity())
            .setRequestTimeout(uint(timeoutMs))
            .build();
    var transport =
        new OpcTcpClientTransport(
            OpcTcpClientTransportConfig.newBuilder().setConnectTimeout(uint(timeoutMs)).build());
    OpcUaClient client = new OpcUaClient(config, transport);
    try {
      client.connectAsync().get(timeoutMs, TimeUnit.MILLISECONDS);
      NamespaceTable table = client.readNamespaceTableAsync().get(timeoutMs, TimeUnit.MILLISECONDS);
      var resolved = new LinkedHashMap<OpcUaPoint, Optional<NodeId>>();
      nodes.forEach((point, template) -> resolved.put(point, template.resolve(table)));
      c = new Connection(client, resolved);
    } catch (ExecutionException | TimeoutException e) {
      client.disconnectAsync();
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IOException("cannot open a session on " + url + ": " + describe(cause), e);
    }
    connection = c;
    if (closed) {
      disconnect();
      throw new IllegalStateException("collector of " + device.id() + " is closed");
    }
    return c;
  }

  private IdentityProvider identity() {
    if (source.username() == null || source.username().isBlank()) {
      return AnonymousProvider.INSTANCE;
    }
    return new UsernameProvider(
        source.username(), source.password() == null ? "" : source.password());
  }

  private static int portOf(URI uri) {
    return uri.getPort() > 0 ? uri.getPort() : 4840;
  }

  private static String describe(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private void disconnect() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.client().disconnectAsync().get(Math.min(timeoutMs, 2000), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        // the session is abandoned either way
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    disconnect();
  }
}
