package io.kilowatch.simulator;

import io.kilowatch.testkit.http.DcgmExporterFake;
import io.kilowatch.testkit.http.DcgmExporterFake.Reply;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
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
 * TCP slave per PDU and meter, one OPC UA server for the CDUs, one HTTP server standing in for
 * every node's dcgm-exporter — all fed by one {@link SiteModel} that a tick thread advances with
 * the wall clock.
 */
public final class DemoSite implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DemoSite.class);
  private static final Duration TICK = Duration.ofSeconds(1);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final SiteModel model;
  private final ModbusDevices modbus;
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
      OpcUaFakeServer opcUa,
      DcgmExporterFake dcgm,
      String siteYaml) {
    this.model = model;
    this.modbus = modbus;
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
      OpcUaFakeServer opcUaServer = await(opcUa);
      DcgmExporterFake dcgmServer = await(dcgm);
      String yaml =
          SiteYaml.render(
              layout,
              new SiteYaml.Ports(ports, opcUaServer.endpoint(), dcgmServer.port()),
              options.pollInterval());
      DemoSite site = new DemoSite(model, devices, opcUaServer, dcgmServer, yaml);
      synchronized (site.clock) {
        site.lastNanos = System.nanoTime();
        site.running = true;
      }
      self.set(site);
      site.ticker.start();
      log.info(
          "demo site up: {} Modbus devices, OPC UA at {}, dcgm at http://127.0.0.1:{}/nodes/",
          devices.size(),
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

  /** A complete kilowatch site config pointing at the live ports, profiles inline. */
  public String siteYaml() {
    return siteYaml;
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
