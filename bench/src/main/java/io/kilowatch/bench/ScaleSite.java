package io.kilowatch.bench;

import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.site.SiteBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A site of any size served over loopback for kilowatch to monitor through its real collectors: GPU
 * nodes as dcgm-exporter HTTP endpoints, PDUs as Modbus TCP servers, CDUs on an OPC UA server, with
 * a schedule of faults. It counts every good answer it gives, so a soak can tell exactly what
 * should have been stored.
 */
public final class ScaleSite implements AutoCloseable {
  /** How long a slow device takes to answer: longer than any timeout a spec may set. */
  static final Duration SLOW_DELAY = Duration.ofSeconds(7);

  static final int GPUS_PER_NODE = 8;

  private static final Logger log = LoggerFactory.getLogger(ScaleSite.class);

  private final Spec spec;
  private final GpuNodeServer gpus;
  private final PduSide pdus;
  private final OpcUaFakeServer cdus;
  private final AnswerLog cduAnswers;
  private final List<Restart> restarts = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService faultClock =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("scale-site-faults").daemon().unstarted(r));

  /**
   * What to simulate.
   *
   * @param cdus CDUs served over OPC UA (0 for none), each cooling an even share of the racks
   * @param interval how often kilowatch is told to poll each device
   * @param timeout kilowatch's per-request timeout (below {@link #SLOW_DELAY})
   * @param opcuaRestartPause how long the OPC UA server stays down in an {@code OPCUA_RESTART}
   */
  public record Spec(
      int gpus,
      int pdus,
      int cdus,
      Duration interval,
      Duration timeout,
      List<Fault> faults,
      Duration opcuaRestartPause) {
    public Spec {
      if (gpus < 1 || pdus < 1) {
        throw new IllegalArgumentException("need at least one GPU and one PDU");
      }
      if (cdus < 0) {
        throw new IllegalArgumentException("cdus must be >= 0");
      }
      if (timeout.compareTo(SLOW_DELAY) >= 0) {
        // A slow device must be one kilowatch gives up on (timeout vs interval is the config's
        // own check).
        throw new IllegalArgumentException("timeout " + timeout + " must be below " + SLOW_DELAY);
      }
      faults = List.copyOf(faults);
    }

    /** A site without CDUs. */
    public Spec(int gpus, int pdus, Duration interval, Duration timeout, List<Fault> faults) {
      this(gpus, pdus, 0, interval, timeout, faults, DEFAULT_RESTART_PAUSE);
    }

    int racks() {
      return Math.max(1, (pdus + 1) / 2);
    }
  }

  /** How long the OPC UA server stays down in a restart unless told otherwise. */
  public static final Duration DEFAULT_RESTART_PAUSE = Duration.ofSeconds(20);

  private ScaleSite(
      Spec spec, GpuNodeServer gpus, PduSide pdus, OpcUaFakeServer cdus, AnswerLog cduAnswers) {
    this.spec = spec;
    this.gpus = gpus;
    this.pdus = pdus;
    this.cdus = cdus;
    this.cduAnswers = cduAnswers;
  }

  public static ScaleSite start(Spec spec) throws IOException {
    return start(spec, false);
  }

  /**
   * The same, with the PDUs served by a process of their own when {@code pdusApart} (a site whose
   * connections would not fit one process's descriptor limit; faults cannot be scheduled then).
   */
  public static ScaleSite start(Spec spec, boolean pdusApart) throws IOException {
    if (pdusApart && !spec.faults().isEmpty()) {
      throw new IllegalArgumentException("faults need the PDUs served in this process");
    }
    GpuNodeServer gpus = new GpuNodeServer(spec.gpus(), GPUS_PER_NODE);
    PduSide pdus;
    try {
      pdus = pdusApart ? PduProcess.start(spec.pdus(), 42) : new PduModbusServer(spec.pdus(), 42);
    } catch (IOException e) {
      gpus.close();
      throw e;
    }
    OpcUaFakeServer cdus = null;
    AnswerLog cduAnswers = new AnswerLog(spec.cdus());
    if (spec.cdus() > 0) {
      try {
        cdus = CduVariables.serve(new CduPhysics(gpus, spec.cdus(), spec.racks()), cduAnswers);
      } catch (IOException e) {
        gpus.close();
        pdus.close();
        throw e;
      }
    }
    var site = new ScaleSite(spec, gpus, pdus, cdus, cduAnswers);
    for (Fault fault : spec.faults()) {
      site.faultClock.schedule(
          () -> site.apply(fault), fault.after().toMillis(), TimeUnit.MILLISECONDS);
    }
    return site;
  }

  private void apply(Fault fault) {
    Faults target =
        switch (fault.target()) {
          case GPU_NODE -> gpus.faults();
          case PDU -> pdus.faults();
          case OPCUA_RESTART -> {
            // On its own thread: the pause must not hold back the faults scheduled during it.
            Thread.ofVirtual().name("opcua-restart").start(this::restartOpcUa);
            yield null;
          }
        };
    if (target == null) {
      return;
    }
    // Faults hit devices from the end of the list backwards, skipping ones already faulted, so
    // several faults of one type hit distinct devices.
    int hit = 0;
    for (int d = target.size() - 1; d >= 0 && hit < fault.count(); d--) {
      if (!target.everFaulted(d)) {
        target.set(d, fault.mode());
        hit++;
      }
    }
  }

  private void restartOpcUa() {
    if (cdus == null) {
      return;
    }
    Instant stopped = Instant.now();
    try {
      cdus.stop();
      log.info(
          "OPC UA server on port {} stopped; starting again in {}",
          cdus.port(),
          spec.opcuaRestartPause());
      Thread.sleep(spec.opcuaRestartPause().toMillis());
      cdus.start();
      log.info("OPC UA server on port {} started again", cdus.port());
      restarts.add(new Restart(stopped, Instant.now()));
    } catch (IOException e) {
      log.error("OPC UA server did not come back after its restart", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One OPC UA server restart: when it stopped and when it was serving again. */
  public record Restart(Instant stopped, Instant serving) {}

  /** OPC UA server restarts so far. */
  public List<Restart> opcUaRestarts() {
    return List.copyOf(restarts);
  }

  /** Every device stops answering: the end of a soak, so the last answers can be counted. */
  public void silenceAll() {
    for (int n = 0; n < gpus.nodes(); n++) {
      gpus.faults().stop(n);
    }
    for (int p = 0; p < spec.pdus(); p++) {
      pdus.stop(p);
    }
    if (cdus != null) {
      cdus.stop();
    }
  }

  /**
   * Devices no fault hit answer again and the CDUs' server is back, after {@link #silenceAll}: the
   * baselines read the site once the soak's counting is done.
   */
  void resumeForBaselines() throws IOException, InterruptedException {
    for (int p = 0; p < spec.pdus(); p++) {
      pdus.resume(p);
    }
    if (cdus != null) {
      cdus.start();
    }
  }

  public Spec spec() {
    return spec;
  }

  public int nodes() {
    return gpus.nodes();
  }

  public static String nodeId(int node) {
    return "n" + node;
  }

  public static String pduId(int pdu) {
    return "pdu-" + pdu;
  }

  public static String cduId(int cdu) {
    return CduVariables.cduId(cdu);
  }

  /** The CDUs' OPC UA server, or null when the site has none. */
  OpcUaFakeServer cduServer() {
    return cdus;
  }

  /**
   * One device the simulator served and how many good answers it gave.
   *
   * @param answers good answers over the whole run
   * @param measuredAnswers good answers since {@link #measureFrom}
   * @param firstMeasuredMs when the first of those was written (epoch ms), 0 if none
   */
  public record Answered(
      String deviceId,
      String source,
      boolean faulted,
      long answers,
      int series,
      long measuredAnswers,
      long firstMeasuredMs) {}

  /** Answers from {@code epochMs} on are the measured part of the run (after a warm-up). */
  public void measureFrom(long epochMs) {
    gpus.answers().measureFrom(epochMs);
    pdus.measureFrom(epochMs);
    if (cdus != null) {
      cduAnswers.measureFrom(epochMs);
    }
  }

  /** Zeroes every measured count and measures again from {@code epochMs} (still to come). */
  public void restartMeasuring(long epochMs) {
    restartMeasuring(epochMs, Long.MAX_VALUE);
  }

  /**
   * The same, counting answers more than {@code lateGapMs} after a device's previous one as late.
   */
  public void restartMeasuring(long epochMs, long lateGapMs) {
    gpus.answers().restartMeasuring(epochMs, lateGapMs);
    pdus.restartMeasuring(epochMs, lateGapMs);
    cduAnswers.restartMeasuring(epochMs, lateGapMs);
  }

  /** Measured answers per device id that came late ({@link #restartMeasuring(long, long)}). */
  public java.util.Map<String, Long> lateAnswers() {
    java.util.Map<String, Long> out = new java.util.HashMap<>();
    for (int n = 0; n < gpus.nodes(); n++) {
      out.put(nodeId(n), gpus.answers().late(n));
    }
    AnswerLog pduAnswers = pdus.answers();
    for (int p = 0; p < spec.pdus(); p++) {
      out.put(pduId(p), pduAnswers.late(p));
    }
    for (int c = 0; c < spec.cdus(); c++) {
      out.put(cduId(c), cduAnswers.late(c));
    }
    return out;
  }

  /** What each device answered so far; faulted is set for any device a fault ever hit. */
  public List<Answered> answered() {
    List<Answered> out = new ArrayList<>(gpus.nodes() + spec.pdus() + spec.cdus());
    for (int n = 0; n < gpus.nodes(); n++) {
      out.add(
          answered(nodeId(n), "dcgm", faultedBeforeEnd(gpus.faults(), n), gpus.answers(), n)
              .apply(gpus.gpusOn(n)));
    }
    AnswerLog pduAnswers = pdus.answers();
    for (int p = 0; p < spec.pdus(); p++) {
      out.add(answered(pduId(p), "modbus", pdus.everFaulted(p), pduAnswers, p).apply(1));
    }
    // A restart is not a device fault: reads are counted only when served, so every CDU must
    // have stored exactly what it answered, restart or not.
    for (int c = 0; c < spec.cdus(); c++) {
      out.add(answered(cduId(c), "opcua", false, cduAnswers, c).apply(1));
    }
    return out;
  }

  private static java.util.function.IntFunction<Answered> answered(
      String id, String source, boolean faulted, AnswerLog log, int d) {
    return series ->
        new Answered(
            id, source, faulted, log.total(d), series, log.measured(d), log.firstMeasuredMs(d));
  }

  private static boolean faultedBeforeEnd(Faults faults, int device) {
    return faults.everFaulted(device);
  }

  /** The kilowatch site config for this site, storing under {@code dataDir}. */
  public String siteYaml(Path dataDir) {
    return siteConfig(dataDir).toYaml();
  }

  /** The same config, still open to additions (the soak's alerting and store). */
  public SiteBuilder siteConfig(Path dataDir) {
    return siteConfig(dataDir, SiteYamlWriter.ALL_SOURCES);
  }

  /**
   * The config of this site's devices of the given source types only ("dcgm", "modbus", "opcua").
   */
  public SiteBuilder siteConfig(Path dataDir, java.util.Set<String> sources) {
    return SiteYamlWriter.site(this, gpus, pdus, cdus, dataDir, sources);
  }

  /** CPU seconds of the PDUs' own process, when they are served apart (0 otherwise). */
  public double apartCpuSeconds() {
    return pdus.apartCpuSeconds();
  }

  /** Each GPU node's dcgm-exporter URL, in node order. */
  public List<String> nodeUrls() {
    List<String> out = new ArrayList<>(gpus.nodes());
    for (int n = 0; n < gpus.nodes(); n++) {
      out.add(gpus.url(n));
    }
    return out;
  }

  /** Each PDU's Modbus TCP port on 127.0.0.1, in PDU order. */
  public List<Integer> pduPorts() {
    List<Integer> out = new ArrayList<>(spec.pdus());
    for (int p = 0; p < spec.pdus(); p++) {
      out.add(pdus.port(p));
    }
    return out;
  }

  /** Stops (true) or resumes (false) every device of one source type, without counting a fault. */
  public void silence(String source, boolean silent) throws IOException, InterruptedException {
    switch (source) {
      case "dcgm" -> {
        for (int n = 0; n < gpus.nodes(); n++) {
          if (silent) {
            gpus.faults().stop(n);
          } else {
            gpus.faults().resume(n);
          }
        }
      }
      case "modbus" -> {
        for (int p = 0; p < spec.pdus(); p++) {
          if (silent) {
            pdus.stop(p);
          } else {
            pdus.resume(p);
          }
        }
      }
      case "opcua" -> {
        if (cdus != null && silent) {
          cdus.stop();
        } else if (cdus != null) {
          cdus.start();
        }
      }
      default -> throw new IllegalArgumentException("no source type " + source);
    }
  }

  @Override
  public void close() {
    faultClock.shutdownNow();
    gpus.close();
    if (cdus != null) {
      cdus.close();
    }
    try {
      pdus.close();
    } catch (IOException e) {
      // Best effort: the ports close with the process anyway.
    }
  }
}
