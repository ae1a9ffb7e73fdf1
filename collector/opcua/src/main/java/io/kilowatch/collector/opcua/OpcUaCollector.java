package io.kilowatch.collector.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.PointErrorLog;
import io.kilowatch.collector.Readings;
import io.kilowatch.config.Device;
import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.OpcUaPoint;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Vocabulary;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.SessionActivityListener;
import org.eclipse.milo.opcua.sdk.client.UaSession;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaMonitoredItem;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaSubscription;
import org.eclipse.milo.opcua.stack.core.NamespaceTable;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.DataChangeTrigger;
import org.eclipse.milo.opcua.stack.core.types.enumerated.DeadbandType;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.DataChangeFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an OPC UA server over one session, by subscription (default) or by batched Read.
 *
 * <p><b>Push through the poll model.</b> With subscriptions the server pushes changes at any time;
 * they are queued as they arrive and {@link #poll()} hands over everything received since the
 * previous poll, each value stamped with its own timestamp. The scheduler thus keeps one model for
 * every protocol: its poll interval becomes how often queued values are flushed to the store, a
 * failed poll (no session, cannot reconnect) still makes the device DOWN with backoff, and a device
 * whose values do not change stays UP, each poll handing their last values over again while the
 * subscription's keep-alives show it alive (OPC UA sends a value only when it changes).
 *
 * <p><b>Reconnects.</b> A session that goes inactive (server restart, network loss, missed
 * keep-alives) or a subscription the server stops serving marks the session lost; the next poll
 * drops it and opens a fresh one, re-reading the namespace table, resolving {@code nsu=} ids and
 * browse paths again (a restarted server may number its namespaces differently) and re-creating
 * every monitored item.
 *
 * <p><b>Quality.</b> Each value's StatusCode becomes its quality: Good, Uncertain, or Bad (stored
 * as BAD, never as a good number). A node that is missing, whose namespace URI the server does not
 * know, or that the server refuses to monitor is a BAD point; the others still flow.
 *
 * <p><b>Units and states.</b> On every connect the standard properties of each node are read
 * ({@code EngineeringUnits}, {@code EURange}, {@code TrueState}/{@code FalseState}, {@code
 * EnumStrings}/{@code EnumValues}). The configuration wins: a point without a unit takes the
 * server's, and without state names the server's, reported to the {@link PointUnitListener}; a
 * configured unit the server contradicts is kept and warned about. Values are never converted, only
 * scaled as configured ({@code stored = server value × scale + offset}; booleans stay 0/1).
 */
public final class OpcUaCollector implements DeviceCollector {
  private static final Logger log = LoggerFactory.getLogger(OpcUaCollector.class);
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(10);

  /** How long a first connection may take before it counts as a failure (at least). */
  static final Duration FIRST_CONNECT_GRACE = Duration.ofSeconds(30);

  /** Values held between polls before the oldest are dropped (a stalled sink must not OOM us). */
  static final int MAX_QUEUED = 100_000;

  private final Device device;
  private final Source.OpcUa source;
  private final OpcUaOptions options;
  private final SiteConfig site;
  private final Clock clock;
  private final List<PointRef> points = new ArrayList<>();
  private final long timeoutMs;

  /**
   * Bound on each step of opening a session. Longer than a poll: opening goes on in the background
   * across polls (see {@link #openSession()}), and a cold JVM or a busy server may need seconds.
   */
  private final long setupTimeoutMs;

  private final double samplingMs;
  private final PointErrorLog errorLog;
  private final ClientConnector connector;
  private final AtomicLong notifications = new AtomicLong();
  private final AtomicLong keepAlives = new AtomicLong();
  private final AtomicLong inboxDropped = new AtomicLong();
  private final int maxQueued;
  private final PointUnitListener unitListener;

  /** The last decision reported per point, so a reconnect reports only what changed. */
  private final Map<String, UnitRules.Decision> reported = new ConcurrentHashMap<>();

  private volatile Map<String, ServerDeclaration> declarations = Map.of();
  private volatile Map<String, String> unitWarnings = Map.of();
  private volatile Session session;
  private volatile boolean closed;

  /** A session being opened in the background; survives a poll that gave up waiting for it. */
  private volatile java.util.concurrent.CompletableFuture<Session> connecting;

  /** What the session being opened is doing, for "still connecting" messages. */
  private volatile String stage = "";

  /** Whether a poll has had a session yet: until then an opening in progress is not a failure. */
  private volatile boolean everConnected;

  /** Whether opening a session has failed (or outlasted the grace) before any succeeded. */
  private volatile boolean failedBefore;

  /** When the first connection began ({@link System#nanoTime()}); 0 before the first poll. */
  private volatile long firstConnectStart;

  /** How long the first connection may take before polls count it as a failure. */
  private final long firstConnectGraceMs;

  /** The last failure to open a session that was logged at WARN; null after a success. */
  private String loggedFailure;

  /** How long the scheduler lets one poll run (its rule: the device timeout, else the interval). */
  private final long pollBudgetMs;

  /** The poll interval: keep-alives are asked for at least this often (capped at 10 s). */
  private final long intervalMs;

  /** A profile point and how it names its node. */
  private record PointRef(OpcUaPoint point, NodeIdTemplate nodeId, BrowsePath path) {
    String ref() {
      return nodeId != null ? nodeId.text() : path.text();
    }
  }

  /**
   * A value as it arrived, or a point that could not be set up ({@code why} not null). A {@code
   * repeated} value is the point's last one handed over again under a live subscription, stamped
   * with the poll's time rather than its own.
   */
  private record Arrival(
      PointRef ref, DataValue value, Instant received, String why, boolean repeated) {
    Arrival(PointRef ref, DataValue value, Instant received, String why) {
      this(ref, value, received, why, false);
    }

    Arrival again(Instant now) {
      return new Arrival(ref, value, now, why, true);
    }
  }

  public OpcUaCollector(
      Device device, Source.OpcUa source, Profile.OpcUa profile, SiteConfig site, Clock clock) {
    this(device, source, profile, site, clock, MAX_QUEUED, PointUnitListener.NONE);
  }

  /**
   * @param units told the units and state names points take from the server, and units the server
   *     contradicts (shaped so that {@code SeriesUnits::learn} is one)
   */
  public OpcUaCollector(
      Device device,
      Source.OpcUa source,
      Profile.OpcUa profile,
      SiteConfig site,
      Clock clock,
      PointUnitListener units) {
    this(device, source, profile, site, clock, MAX_QUEUED, units);
  }

  /**
   * @param maxQueued values held between polls before the oldest are dropped and counted in {@link
   *     #droppedValues()}
   */
  public OpcUaCollector(
      Device device,
      Source.OpcUa source,
      Profile.OpcUa profile,
      SiteConfig site,
      Clock clock,
      int maxQueued) {
    this(device, source, profile, site, clock, maxQueued, PointUnitListener.NONE);
  }

  /**
   * @param maxQueued values held between polls before the oldest are dropped and counted in {@link
   *     #droppedValues()}
   * @param units told the units and state names points take from the server, and units the server
   *     contradicts
   */
  public OpcUaCollector(
      Device device,
      Source.OpcUa source,
      Profile.OpcUa profile,
      SiteConfig site,
      Clock clock,
      int maxQueued,
      PointUnitListener units) {
    if (maxQueued < 1) {
      throw new IllegalArgumentException("maxQueued must be >= 1");
    }
    this.maxQueued = maxQueued;
    this.unitListener = Objects.requireNonNull(units, "units");
    this.device = Objects.requireNonNull(device, "device");
    this.source = Objects.requireNonNull(source, "source");
    this.options = source.options();
    this.site = site;
    this.clock = Objects.requireNonNull(clock, "clock");
    URI endpoint = source.endpoint();
    if (endpoint == null || !"opc.tcp".equalsIgnoreCase(endpoint.getScheme())) {
      throw new IllegalArgumentException(
          "device " + device.id() + ": endpoint must be opc.tcp://host:port/path, not " + endpoint);
    }
    for (OpcUaPoint p : profile.points()) {
      try {
        if (p.nodeId() != null) {
          points.add(new PointRef(p, NodeIdTemplate.of(p.nodeId(), device.id()), null));
        } else {
          points.add(new PointRef(p, null, BrowsePath.of(p.browsePath(), device.id())));
        }
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
    this.setupTimeoutMs = Math.max(timeoutMs, SETUP_TIMEOUT.toMillis());
    this.firstConnectGraceMs = Math.max(FIRST_CONNECT_GRACE.toMillis(), 3 * setupTimeoutMs);
    Duration interval =
        device.interval() != null && device.interval().isPositive()
            ? device.interval()
            : DEFAULT_INTERVAL;
    this.samplingMs =
        (options.samplingInterval() != null ? options.samplingInterval() : interval).toMillis();
    this.intervalMs = interval.toMillis();
    this.pollBudgetMs =
        device.timeout() != null && device.timeout().isPositive()
            ? device.timeout().toMillis()
            : interval.toMillis();
    this.errorLog = new PointErrorLog(device.id());
    Path configDir =
        site != null && site.source() != null ? site.source().toAbsolutePath().getParent() : null;
    this.connector =
        new ClientConnector(
            source, pkiDir(site, configDir), configDir, setupTimeoutMs, timeoutMs, intervalMs);
  }

  /** {@code pkiDir} from the source, else {@code <dataDir>/opcua/pki}. */
  private Path pkiDir(SiteConfig site, Path configDir) {
    Path configured = options.pkiDir();
    if (configured != null) {
      return configured.isAbsolute() || configDir == null
          ? configured
          : configDir.resolve(configured);
    }
    Path data =
        site != null && site.store() != null && site.store().dataDir() != null
            ? site.store().dataDir()
            : Path.of("data");
    return data.resolve("opcua").resolve("pki");
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public Map<String, String> pointErrors() {
    return errorLog.current();
  }

  /**
   * Values pushed by subscription that were dropped because more than the inbox cap arrived between
   * two polls (the oldest go first), since this collector was made.
   */
  @Override
  public long droppedValues() {
    return inboxDropped.get();
  }

  /**
   * What the server declared for each point at the last connect (unit, EURange, state names), by
   * point name; points not found on the server are absent.
   */
  public Map<String, ServerDeclaration> serverDeclarations() {
    return declarations;
  }

  /**
   * Unit problems found at the last connect, by point name: a configured unit the server
   * contradicts, or a server unit that could not be taken. Empty when there are none.
   */
  public Map<String, String> unitWarnings() {
    return unitWarnings;
  }

  /**
   * True from the first poll until the first session is open, as long as opening it has neither
   * failed nor taken longer than {@link #FIRST_CONNECT_GRACE} (or three setup steps, if longer).
   * Polls meanwhile return no values rather than fail: the device is starting, not down.
   */
  @Override
  public boolean connecting() {
    var f = connecting;
    return !everConnected
        && !failedBefore
        && f != null
        && !f.isCompletedExceptionally()
        && System.nanoTime() - firstConnectStart < firstConnectGraceMs * 1_000_000;
  }

  /** Keep-alives received from subscriptions since this collector was made (for tests). */
  long keepAliveCount() {
    return keepAlives.get();
  }

  /** Values received by subscription since this collector was made (for benches). */
  public long notificationCount() {
    return notifications.get();
  }

  @Override
  public synchronized List<Sample> poll() throws Exception {
    if (closed) {
      throw new IllegalStateException("collector of " + device.id() + " is closed");
    }
    Session s = session;
    if (s != null && s.lost != null) {
      log.info("device {}: {}; opening a new session", device.id(), s.lost);
      List<Arrival> late = s.drain();
      disconnect();
      if (!late.isEmpty()) {
        // Hand over what arrived before the loss; the next poll reconnects.
        return assemble(late, s.errors);
      }
      s = null;
    }
    if (s == null) {
      s = openSession();
      if (s == null) {
        return List.of();
      }
    }
    return options.mode() == OpcUaOptions.Mode.POLL ? read(s) : assemble(pushed(s), s.errors);
  }

  /**
   * What arrived since the last poll, plus, while the subscription is alive, every other point's
   * last value again. OPC UA reports only changes, so a leak sensor that stays 0 for a week would
   * otherwise be stored once and then look stale (and an {@code absent} rule on it would fire)
   * although the server keeps confirming, by keep-alives, that nothing changed.
   */
  private List<Arrival> pushed(Session s) {
    List<Arrival> arrived = s.drain();
    Instant now = clock.instant();
    if (!s.alive(now)) {
      return arrived;
    }
    var fresh = new java.util.HashSet<PointRef>();
    arrived.forEach(a -> fresh.add(a.ref()));
    var out = new ArrayList<>(arrived);
    s.latest.forEach(
        (ref, last) -> {
          if (!fresh.contains(ref)) {
            out.add(last.again(now));
          }
        });
    return out;
  }

  // ---- one session ------------------------------------------------------------------------

  /** A connected client, the nodes resolved on it, and (when subscribing) its subscription. */
  private final class Session implements SessionActivityListener {
    final OpcUaClient client;
    final Map<PointRef, NodeId> resolved = new LinkedHashMap<>();
    final Map<PointRef, String> unresolved = new LinkedHashMap<>();
    final ConcurrentLinkedQueue<Arrival> inbox = new ConcurrentLinkedQueue<>();
    final AtomicInteger queued = new AtomicInteger();
    final Map<String, String> errors = new ConcurrentHashMap<>();

    /** The last value or setup failure of each point, to hand over again while nothing changes. */
    final Map<PointRef, Arrival> latest = new ConcurrentHashMap<>();

    int maxNodesPerRead;
    OpcUaSubscription subscription;
    volatile String lost;

    /** When the subscription last showed it was alive: a publish, a keep-alive, or its creation. */
    volatile Instant lastHeard;

    /**
     * The longest wait for a publish or keep-alive the server granted; the subscription counts as
     * dead after twice that (Milo's watchdog fires after 1.5 times).
     */
    volatile long keepAliveMs;

    Session(OpcUaClient client) {
      this.client = client;
    }

    @Override
    public void onSessionInactive(UaSession s) {
      lost = "session to " + source.endpoint() + " lost";
    }

    boolean alive(Instant now) {
      Instant heard = lastHeard;
      return lost == null
          && heard != null
          && Duration.between(heard, now).toMillis() <= 2 * keepAliveMs;
    }

    void arrive(Arrival a) {
      latest.put(a.ref(), a);
      if (queued.incrementAndGet() > maxQueued && inbox.poll() != null) {
        queued.decrementAndGet();
        inboxDropped.incrementAndGet();
      }
      inbox.add(a);
    }

    List<Arrival> drain() {
      var out = new ArrayList<Arrival>();
      Arrival a;
      while ((a = inbox.poll()) != null) {
        queued.decrementAndGet();
        out.add(a);
      }
      return out;
    }
  }

  /**
   * The session being opened, waiting at most three quarters of the time the scheduler gives a
   * poll. Opening a session (discovery, handshake, namespace table, browsing, creating fifty
   * monitored items) can take longer than one poll may, above all when many devices start at once
   * on a busy machine or the JVM is cold (8 s measured for the first session of a test JVM on a
   * loaded two-core machine): it then goes on in the background and a later poll picks the session
   * up, instead of the scheduler killing every attempt at the timeout.
   *
   * <p>Meanwhile a poll fails with "still connecting", except during the first connection of this
   * collector (see {@link #connecting()}): that is how every start begins, not a failure of the
   * device, so the poll returns null (no values) rather than make the device DOWN at every start.
   */
  private Session openSession() throws Exception {
    if (connecting == null) {
      if (firstConnectStart == 0) {
        firstConnectStart = System.nanoTime();
      }
      var f = new java.util.concurrent.CompletableFuture<Session>();
      connecting = f;
      Thread.ofVirtual()
          .name("opcua-connect-" + device.id())
          .start(
              () -> {
                try {
                  f.complete(connect());
                } catch (Throwable t) {
                  f.completeExceptionally(t);
                }
              });
    }
    try {
      Session s = connecting.get(Math.max(1, pollBudgetMs * 3 / 4), TimeUnit.MILLISECONDS);
      connecting = null;
      session = s;
      everConnected = true;
      if (loggedFailure != null) {
        log.info("device {}: session open on {}", device.id(), source.endpoint());
        loggedFailure = null;
      }
      if (closed) {
        disconnect();
        throw new IllegalStateException("collector of " + device.id() + " is closed");
      }
      return s;
    } catch (TimeoutException e) {
      if (connecting()) {
        return null;
      }
      if (!everConnected && !failedBefore) {
        failedBefore = true;
        log.warn(
            "device {}: still connecting to {} ({}) after {} s",
            device.id(),
            source.endpoint(),
            stage,
            firstConnectGraceMs / 1000);
      }
      throw new IOException("still connecting to " + source.endpoint() + " (" + stage + ")");
    } catch (ExecutionException e) {
      connecting = null;
      failedBefore = true;
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      logFailure(cause);
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }

  /**
   * One WARN line per kind of failure (its message) and device, until a session opens; every
   * attempt, with its stack trace, at debug. A wrong password retried every backoff step would
   * otherwise fill the log with the same refusal.
   */
  private void logFailure(Throwable cause) {
    if (closed) {
      // Closing aborts a connect in progress: that is not the device's failure.
      return;
    }
    String why = cause.getMessage() != null ? cause.getMessage() : OpcUaErrors.describe(cause);
    if (!why.equals(loggedFailure)) {
      loggedFailure = why;
      log.warn("device {}: {}", device.id(), why);
    }
    log.debug("device {}: opening a session failed", device.id(), cause);
  }

  private Session connect() throws Exception {
    if (closed) {
      throw new IllegalStateException("collector of " + device.id() + " is closed");
    }
    stage = "opening a session";
    OpcUaClient client = connector.connect();
    Session s = new Session(client);
    try {
      stage = "reading the namespace table";
      NamespaceTable table =
          await(client.readNamespaceTableAsync(), "reading the namespace table", setupTimeoutMs);
      BrowsePathResolver browser = new BrowsePathResolver(client, table, setupTimeoutMs);
      for (PointRef ref : points) {
        if (ref.nodeId() != null) {
          ref.nodeId()
              .resolve(table)
              .ifPresentOrElse(
                  id -> s.resolved.put(ref, id),
                  () ->
                      s.unresolved.put(
                          ref,
                          "Bad_NodeIdUnknown: namespace "
                              + ref.nodeId().namespaceUri()
                              + " of "
                              + ref.ref()
                              + " is not in the server's namespace table"));
        } else {
          switch (browser.resolve(ref.path())) {
            case BrowsePathResolver.Result.Found f -> s.resolved.put(ref, f.nodeId());
            case BrowsePathResolver.Result.NotFound n -> s.unresolved.put(ref, n.why());
          }
        }
      }
      stage = "reading operation limits";
      int[] limits =
          limits(
              client,
              NodeIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead,
              NodeIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerBrowse,
              NodeIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall);
      s.maxNodesPerRead = limits[0];
      stage = "reading units and states";
      // Before the first value is handed over, so its series already has the server's unit.
      readDeclarations(s, table, limits[1]);
      if (options.mode() != OpcUaOptions.Mode.POLL) {
        subscribe(s, limits[2]);
      }
      client.addSessionActivityListener(s);
    } catch (Exception e) {
      client.disconnectAsync();
      throw e;
    }
    if (closed) {
      client.disconnectAsync();
      throw new IllegalStateException("collector of " + device.id() + " is closed");
    }
    return s;
  }

  /** Operation limits of the server; 0 for each it sets none or does not say. */
  private int[] limits(OpcUaClient client, NodeId... nodes) throws InterruptedException {
    int[] out = new int[nodes.length];
    try {
      List<DataValue> values = readLimits(client, List.of(nodes));
      for (int i = 0; i < out.length && i < values.size(); i++) {
        out[i] = limitOf(values.get(i));
      }
    } catch (IOException e) {
      // A server whose own read limit is below the count refuses the batch: ask one at a time.
      for (int i = 0; i < out.length; i++) {
        try {
          out[i] = limitOf(readLimits(client, List.of(nodes[i])).getFirst());
        } catch (IOException | java.util.NoSuchElementException single) {
          out[i] = 0;
        }
      }
    }
    return out;
  }

  private List<DataValue> readLimits(OpcUaClient client, List<NodeId> nodes)
      throws IOException, InterruptedException {
    return await(
        client.readValuesAsync(0.0, TimestampsToReturn.Neither, nodes), "limits", setupTimeoutMs);
  }

  private static int limitOf(DataValue v) {
    Object o = v.getValue() != null ? v.getValue().getValue() : null;
    return v.getStatusCode() != null && v.getStatusCode().isGood() && o instanceof Number n
        ? (int) Math.max(0, Math.min(Integer.MAX_VALUE, n.longValue()))
        : 0;
  }

  // ---- units and states declared by the server ----------------------------------------------

  /**
   * Reads what the server declares for every resolved point and reports, per point, what changed
   * since the last connect: a unit or states taken, a mismatch, a unit that cannot be taken.
   */
  private void readDeclarations(Session s, NamespaceTable table, int maxNodesPerBrowse)
      throws InterruptedException {
    if (s.resolved.isEmpty()) {
      return;
    }
    Map<NodeId, ServerDeclaration> found;
    try {
      found =
          new NodeProperties(s.client, table, setupTimeoutMs, maxNodesPerBrowse, s.maxNodesPerRead)
              .read(List.copyOf(s.resolved.values()));
    } catch (IOException e) {
      // Units are metadata: without them the values still flow, in the configured units.
      log.warn(
          "device {}: could not read units and states from {}: {}",
          device.id(),
          source.endpoint(),
          e.getMessage());
      return;
    }
    var byPoint = new LinkedHashMap<String, ServerDeclaration>();
    var warnings = new LinkedHashMap<String, String>();
    s.resolved.forEach(
        (ref, nodeId) -> {
          OpcUaPoint point = ref.point();
          ServerDeclaration declared = found.getOrDefault(nodeId, ServerDeclaration.NONE);
          byPoint.put(point.name(), declared);
          if (declared.range() != null) {
            log.debug(
                "device {} point {}: EURange {} to {}",
                device.id(),
                point.name(),
                declared.range().low(),
                declared.range().high());
          }
          UnitRules.Decision decision = UnitRules.decide(point, device.id(), declared);
          if (decision.warning() != null) {
            warnings.put(point.name(), decision.warning());
          }
          if (!decision.equals(reported.put(point.name(), decision))) {
            report(point, decision);
          }
        });
    declarations = Map.copyOf(byPoint);
    unitWarnings = Map.copyOf(warnings);
  }

  private void report(OpcUaPoint point, UnitRules.Decision decision) {
    decision.notes().forEach(n -> log.info("{}", n));
    decision.warnings().forEach(w -> log.warn("{}", w));
    var mismatch = decision.mismatch();
    if (mismatch != null) {
      log.warn("{}", mismatch.message());
      tell(
          () ->
              unitListener.mismatch(
                  device.id(),
                  point.name(),
                  mismatch.configured(),
                  mismatch.server(),
                  mismatch.message()));
    }
    var unit = decision.declared();
    if (unit != null) {
      log.info(
          "device {} point {}: takes {} from the server",
          device.id(),
          point.name(),
          unit.states().isEmpty()
              ? "unit " + unit.shown()
              : "unit " + unit.shown() + " and states " + unit.states());
      String measurement = Vocabulary.measurementOf(point, device);
      tell(() -> unitListener.declared(device.id(), measurement, point.field(), unit));
    }
  }

  private void tell(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("device {}: the unit listener failed: {}", device.id(), e.toString());
    }
  }

  private void subscribe(Session s, int maxMonitoredItemsPerCall) throws Exception {
    var subscription = new OpcUaSubscription(s.client, samplingMs);
    subscription.setSubscriptionListener(
        new OpcUaSubscription.SubscriptionListener() {
          @Override
          public void onDataReceived(
              OpcUaSubscription sub, List<OpcUaMonitoredItem> items, List<DataValue> values) {
            Instant now = clock.instant();
            s.lastHeard = now;
            for (int i = 0; i < items.size() && i < values.size(); i++) {
              Object ref = items.get(i).getUserObject().orElse(null);
              if (ref instanceof PointRef p) {
                notifications.incrementAndGet();
                s.arrive(new Arrival(p, values.get(i), now, null));
              }
            }
          }

          @Override
          public void onKeepAliveReceived(OpcUaSubscription sub) {
            keepAlives.incrementAndGet();
            s.lastHeard = clock.instant();
          }

          @Override
          public void onStatusChanged(OpcUaSubscription sub, StatusCode status) {
            if (status.isBad()) {
              s.lost = "subscription ended by the server (" + OpcUaErrors.statusName(status) + ")";
            }
          }

          @Override
          public void onWatchdogTimerElapsed(OpcUaSubscription sub) {
            s.lost = "no publish response or keep-alive from " + source.endpoint() + " in time";
          }

          @Override
          public void onTransferFailed(OpcUaSubscription sub, StatusCode status) {
            s.lost = "subscription could not be moved to the new session";
          }

          @Override
          public void onNotificationDataLost(OpcUaSubscription sub) {
            log.warn("device {}: the server dropped notifications (queue overflow)", device.id());
          }
        });
    if (maxMonitoredItemsPerCall > 0) {
      subscription.setMaxMonitoredItemsPerCall(uint(maxMonitoredItemsPerCall));
    }
    // A keep-alive at least every poll interval (Milo asks for one per 10 s): each poll then knows
    // the subscription is alive, so unchanged values are current, and a dead one is seen sooner.
    long keepAliveCount =
        Math.max(1, (long) Math.ceil(Math.min(intervalMs, 10_000) / Math.max(1.0, samplingMs)));
    subscription.setMaxKeepAliveCount(uint(keepAliveCount));
    // The server ends a subscription not published for this many intervals: 3 × keep-alive at
    // least.
    subscription.setLifetimeCount(uint(keepAliveCount * 5));
    stage = "creating the subscription";
    await(
        subscription.createAsync().toCompletableFuture(),
        "creating the subscription",
        setupTimeoutMs);
    s.subscription = subscription;
    // As Milo's publish watchdog counts it: a keep-alive is due one publishing interval after
    // the count of empty ones has passed.
    s.keepAliveMs =
        (long)
            (subscription.getRevisedPublishingInterval().orElse(samplingMs)
                * (subscription
                        .getRevisedMaxKeepAliveCount()
                        .map(c -> c.longValue())
                        .orElse(keepAliveCount)
                    + 1));
    s.lastHeard = clock.instant();
    var items = new ArrayList<OpcUaMonitoredItem>();
    s.resolved.forEach(
        (ref, nodeId) -> {
          OpcUaMonitoredItem item = OpcUaMonitoredItem.newDataItem(nodeId);
          item.setSamplingInterval(samplingMs);
          item.setQueueSize(uint(options.queueSize()));
          item.setDiscardOldest(true);
          if (ref.point().deadband() != null) {
            var d = ref.point().deadband();
            boolean percent = d.type() == Profile.DeadbandType.PERCENT;
            DeadbandType type = percent ? DeadbandType.Percent : DeadbandType.Absolute;
            // An absolute deadband is in the stored unit; the server compares values before scale.
            double value = percent ? d.value() : d.value() / Math.abs(ref.point().scale());
            item.setFilter(
                new DataChangeFilter(DataChangeTrigger.StatusValue, uint(type.getValue()), value));
          }
          item.setUserObject(ref);
          items.add(item);
        });
    stage = "creating " + items.size() + " monitored items";
    subscription.addMonitoredItems(items);
    // Blocking, but each request is bounded by the client's request timeout.
    subscription.createMonitoredItems();
    stage = "subscribed";
    Instant now = clock.instant();
    for (OpcUaMonitoredItem item : items) {
      PointRef ref = (PointRef) item.getUserObject().orElseThrow();
      StatusCode result = item.getCreateResult().orElse(null);
      if (result == null || result.isBad()) {
        String why =
            (result == null ? "no answer" : OpcUaErrors.statusName(result))
                + " when subscribing to "
                + ref.ref();
        s.arrive(new Arrival(ref, null, now, why));
      }
    }
    s.unresolved.forEach((ref, why) -> s.arrive(new Arrival(ref, null, now, why)));
  }

  // ---- polling mode -----------------------------------------------------------------------

  private List<Sample> read(Session s) throws Exception {
    Instant now = clock.instant();
    var arrivals = new ArrayList<Arrival>();
    s.unresolved.forEach((ref, why) -> arrivals.add(new Arrival(ref, null, now, why)));
    var refs = new ArrayList<>(s.resolved.keySet());
    if (refs.isEmpty()) {
      // No point to read: the server's state, so that the poll still finds a dead server and
      // renews the session, which is what lets its keep-alive be rare (see ClientConnector).
      try {
        await(
            s.client.readValuesAsync(
                0.0, TimestampsToReturn.Neither, List.of(NodeIds.Server_ServerStatus_State)),
            "read",
            timeoutMs);
      } catch (IOException e) {
        disconnect();
        throw new IOException(
            "read from " + source.endpoint() + " failed: " + e.getMessage(), e.getCause());
      }
    }
    int batch = s.maxNodesPerRead > 0 ? s.maxNodesPerRead : refs.size();
    for (int from = 0; from < refs.size(); from += batch) {
      List<PointRef> chunk = refs.subList(from, Math.min(refs.size(), from + batch));
      List<NodeId> ids = chunk.stream().map(s.resolved::get).toList();
      List<DataValue> values;
      try {
        values =
            await(s.client.readValuesAsync(0.0, TimestampsToReturn.Both, ids), "read", timeoutMs);
      } catch (IOException e) {
        disconnect();
        throw new IOException(
            "read from " + source.endpoint() + " failed: " + e.getMessage(), e.getCause());
      }
      if (values.size() != ids.size()) {
        disconnect();
        throw new IOException(
            "server answered " + values.size() + " values for " + ids.size() + " nodes");
      }
      for (int i = 0; i < values.size(); i++) {
        arrivals.add(new Arrival(chunk.get(i), values.get(i), now, null));
      }
    }
    // A poll's errors are exactly this poll's bad points.
    s.errors.clear();
    return assemble(arrivals, s.errors);
  }

  // ---- values to samples ------------------------------------------------------------------

  /**
   * Samples from arrived values, grouped by their timestamps. {@code errors} is the standing map of
   * bad points: a bad value sets its point's reason, a good one clears it.
   */
  private List<Sample> assemble(List<Arrival> arrivals, Map<String, String> errors) {
    var byTime = new TreeMap<Instant, Readings>();
    for (Arrival a : arrivals) {
      OpcUaPoint point = a.ref().point();
      Instant time =
          a.value() == null || a.repeated() ? a.received() : timeOf(a.value(), a.received());
      Readings r = byTime.computeIfAbsent(time, t -> new Readings(site, device, t));
      String why = a.why() != null ? a.why() : record(a, r);
      if (why != null) {
        r.bad(point, why);
        errors.put(point.name(), why);
      } else {
        errors.remove(point.name());
      }
    }
    errorLog.update(Map.copyOf(errors));
    var out = new ArrayList<Sample>();
    byTime.values().forEach(r -> out.addAll(r.samples()));
    return out;
  }

  /** Adds a good or uncertain value; returns why the value is bad instead, or null. */
  private static String record(Arrival a, Readings readings) {
    DataValue dv = a.value();
    String ref = a.ref().ref();
    StatusCode status = dv.getStatusCode() != null ? dv.getStatusCode() : StatusCode.GOOD;
    if (status.isBad()) {
      return OpcUaErrors.statusName(status) + " for " + ref;
    }
    Object v = dv.getValue() != null ? dv.getValue().getValue() : null;
    OpcUaPoint point = a.ref().point();
    double number;
    if (v instanceof Number n) {
      number = n.doubleValue() * point.scale() + point.offset();
    } else if (v instanceof Boolean b) {
      // A state, not a measurement: 0/1 whatever the scale.
      number = b ? 1 : 0;
    } else {
      // The server said the value is fine; kilowatch cannot store it, which the status shows.
      return (v == null ? "no value" : "not a number: " + v.getClass().getSimpleName())
          + " at "
          + ref
          + " (status "
          + OpcUaErrors.statusName(status)
          + ")";
    }
    if (!Double.isFinite(number)) {
      return "server sent "
          + number
          + " for "
          + ref
          + " (status "
          + OpcUaErrors.statusName(status)
          + ")";
    }
    readings.add(point, number, status.isUncertain() ? Quality.UNCERTAIN : Quality.GOOD);
    return null;
  }

  /**
   * The configured timestamp of a value, else when it was received (the poll's time, or the
   * publish's): values without timestamps of one poll then share one sample.
   */
  private Instant timeOf(DataValue dv, Instant received) {
    Instant t =
        usable(
            options.timestamps() == OpcUaOptions.Timestamps.SERVER
                ? dv.getServerTime()
                : dv.getSourceTime());
    return t != null ? t : received;
  }

  /**
   * A timestamp to the millisecond: values a server stamps microseconds apart in one scan then
   * share a sample instead of one sample each.
   */
  private static Instant usable(DateTime t) {
    return t == null || t.isNull() || !t.isValid() || t.getUtcTime() <= 0
        ? null
        : t.getJavaInstant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
  }

  private static <T> T await(
      java.util.concurrent.CompletableFuture<T> f, String what, long timeoutMs)
      throws IOException, InterruptedException {
    try {
      return f.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      f.cancel(true);
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IOException(what + " failed: " + OpcUaErrors.describe(cause), cause);
    }
  }

  private void disconnect() {
    Session s = session;
    session = null;
    if (s != null) {
      s.client.removeSessionActivityListener(s);
      try {
        s.client.disconnectAsync().get(Math.min(timeoutMs, 2000), TimeUnit.MILLISECONDS);
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
    var pending = connecting;
    if (pending != null) {
      // A session that opens after close is dropped at once.
      pending.thenAccept(s -> s.client.disconnectAsync());
    }
    disconnect();
  }
}
