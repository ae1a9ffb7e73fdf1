package io.kilowatch.simulator;

import io.kilowatch.testkit.http.DcgmExporterFake;
import io.kilowatch.testkit.http.DcgmExporterFake.Reply;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in demo site: a small GPU hall whose devices are real servers on 127.0.0.1 — a Modbus
 * TCP slave per feed-A/B PDU and meter, an SNMP agent per feed-C PDU, one OPC UA server for the
 * CDUs, one HTTP server standing in for every node's dcgm-exporter — all fed by one {@link
 * SiteModel} that a tick thread advances with the wall clock.
 *
 * <p>The SNMP agents answer one community, drawn at random at each start: it never sits in a file
 * or the repository, and kilowatch reads it from the environment variable {@link
 * #SNMP_COMMUNITY_VARIABLE} that {@link #environment()} names.
 */
public final class DemoSite implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DemoSite.class);
  private static final Duration TICK = Duration.ofSeconds(1);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  /** The environment variable the demo's site config reads the SNMP community from. */
  public static final String SNMP_COMMUNITY_VARIABLE = "KILOWATCH_DEMO_SNMP_COMMUNITY";

  private final SiteModel model;
  private final ModbusDevices modbus;
  private final SnmpPdus snmp;
  private final String snmpCommunity;
  private final OpcUaFakeServer opcUa;
  private final DcgmExporterFake dcgm;
  private final String siteYaml;
  private final Thread ticker;
  private final Object clock = new Object();
  private long lastNanos;
  private boolean running;
  private volatile boolean closed;

  private DemoSite(
      SiteModel model,
      ModbusDevices modbus,
      SnmpPdus snmp,
      String snmpCommunity,
      OpcUaFakeServer opcUa,
      DcgmExporterFake dcgm,
      String siteYaml) {
    this.model = model;
    this.modbus = modbus;
    this.snmp = snmp;
    this.snmpCommunity = snmpCommunity;
    this.opcUa = opcUa;
    this.dcgm = dcgm;
    this.siteYaml = siteYaml;
    this.ticker = Thread.ofVirtual().name("demo-physics").unstarted(this::tickLoop);
  }

  /** Binds every server on 127.0.0.1 (free ports) and starts the physics. */
  public static DemoSite start(DemoOptions options) throws IOException {
    Objects.requireNonNull(options, "options");
    SiteModel model = new SiteModel(options);
    SiteLayout layout = model.layout();
    SiteSnapshot first = model.snapshot();
    // Milo takes seconds to start cold: start the servers all at once.
    List<Future<? extends AutoCloseable>> starting = new ArrayList<>();
    try (ExecutorService starter = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<OpcUaFakeServer> opcUa =
          starter.submit(() -> CduVariables.serve(layout.cduIds(), first));
      starting.add(opcUa);
      List<ModbusDevices.Spec> specs = new ArrayList<>();
      for (String pdu : layout.pduIds()) {
        specs.add(
            new ModbusDevices.Spec(
                pdu, ModbusDevices.PDU_REGISTERS, s -> ModbusDevices.pduWords(s.pdu(pdu))));
      }
      for (String meter : List.of(SiteLayout.MAIN_METER, SiteLayout.COOLING_PLANT)) {
        specs.add(
            new ModbusDevices.Spec(
                meter,
                ModbusDevices.METER_REGISTERS,
                s -> ModbusDevices.meterWords(s.meter(meter))));
      }
      // The site does not exist yet when the servers start; they read through this holder.
      AtomicReference<DemoSite> self = new AtomicReference<>();
      Supplier<SiteSnapshot> reading =
          () -> self.get() == null ? model.reading() : self.get().catchUp();
      Future<ModbusDevices> modbus = starter.submit(() -> ModbusDevices.start(specs, reading));
      starting.add(modbus);
      String community = randomCommunity();
      Future<SnmpPdus> snmp =
          starter.submit(() -> SnmpPdus.start(layout.snmpPduIds(), reading, community));
      starting.add(snmp);
      Set<String> nodeIds = Set.copyOf(layout.nodeIds());
      Future<DcgmExporterFake> dcgm =
          starter.submit(
              () ->
                  DcgmExporterFake.start(
                      node ->
                          nodeIds.contains(node)
                              ? Reply.metrics(DcgmExposition.render(reading.get().node(node)))
                              : new Reply.NotFound()));
      starting.add(dcgm);

      ModbusDevices devices = await(modbus);
      Map<String, Integer> ports = devices.ports();
      SnmpPdus snmpPdus = await(snmp);
      OpcUaFakeServer opcUaServer = await(opcUa);
      DcgmExporterFake dcgmServer = await(dcgm);
      String yaml =
          SiteYaml.render(
              layout,
              new SiteYaml.Ports(
                  ports, snmpPdus.ports(), opcUaServer.endpoint(), dcgmServer.port()),
              options.pollInterval());
      DemoSite site =
          new DemoSite(model, devices, snmpPdus, community, opcUaServer, dcgmServer, yaml);
      synchronized (site.clock) {
        site.lastNanos = System.nanoTime();
        site.running = true;
      }
      self.set(site);
      site.ticker.start();
      log.info(
          "demo site up: {} Modbus devices, {} SNMP agents, OPC UA at {}, dcgm at"
              + " http://127.0.0.1:{}/nodes/",
          devices.size(),
          snmpPdus.size(),
          opcUaServer.endpoint(),
          dcgmServer.port());
      return site;
    } catch (IOException | RuntimeException e) {
      closeStarted(starting);
      throw e;
    }
  }

  private static <T> T await(Future<T> future) throws IOException {
    try {
      return future.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the demo site", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("demo site failed to start", e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("demo site did not start within " + START_TIMEOUT, e);
    }
  }

  /** After a failed start: closes whatever did come up (the executor has finished by now). */
  private static void closeStarted(List<Future<? extends AutoCloseable>> starting) {
    List<AutoCloseable> up = new ArrayList<>();
    for (Future<? extends AutoCloseable> f : starting) {
      if (f.state() == Future.State.SUCCESS) {
        up.add(f.resultNow());
      }
    }
    closeAll(up);
  }

  /**
   * A complete kilowatch site config pointing at the live ports, profiles inline; load it with
   * {@link #environment()} added to the process environment.
   */
  public String siteYaml() {
    return siteYaml;
  }

  /**
   * What the site config reads from the environment: the SNMP community under {@link
   * #SNMP_COMMUNITY_VARIABLE}. Secrets come from the environment (the config loader refuses them
   * written in a file), and this one exists only while the demo runs.
   */
  public Map<String, String> environment() {
    return Map.of(SNMP_COMMUNITY_VARIABLE, snmpCommunity);
  }

  /** 128 random bits, hex: nothing to guess and nothing committed. */
  private static String randomCommunity() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** The UDP port of SNMP PDU {@code pduId}. */
  int snmpPort(String pduId) {
    Integer port = snmp.ports().get(pduId);
    if (port == null) {
      throw new IllegalArgumentException("no SNMP PDU " + pduId);
    }
    return port;
  }

  /** The physics behind the servers: true values for tests and for the demo's own checks. */
  public SiteModel model() {
    return model;
  }

  /**
   * Brings the physics up to the wall clock and returns what the devices show at this instant. The
   * Modbus devices and the dcgm stand-in call it on every read, so an energy register read
   * mid-second holds the energy up to that read, as a real meter's does.
   */
  private SiteSnapshot catchUp() {
    synchronized (clock) {
      if (running) {
        // Whole milliseconds only, the rest kept: reads every few milliseconds must not lose time.
        long ms = (System.nanoTime() - lastNanos) / 1_000_000;
        model.advance(Duration.ofMillis(ms));
        lastNanos += ms * 1_000_000;
      }
      return model.reading();
    }
  }

  private void tickLoop() {
    while (!closed) {
      try {
        Thread.sleep(TICK);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        // OPC UA values are pushed, not read through: the tick keeps them (and idle time) moving.
        CduVariables.publish(opcUa, catchUp());
      } catch (RuntimeException e) {
        // One bad tick must not stop the demo; the next tick tries again.
        log.warn("demo physics tick failed", e);
      }
    }
  }

  /** Stops the physics and every server; returns within a few seconds. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ticker.interrupt();
    try {
      if (!ticker.join(STOP_TIMEOUT)) {
        log.warn("demo physics thread did not stop within {}", STOP_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<AutoCloseable> all = new ArrayList<>();
    all.add(modbus);
    all.add(snmp);
    all.add(opcUa);
    all.add(dcgm);
    closeAll(all);
  }

  private static void closeAll(List<? extends AutoCloseable> resources) {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("closing {} failed", resource, e);
      }
    }
  }
}
