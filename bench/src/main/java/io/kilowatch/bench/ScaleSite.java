package io.kilowatch.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A site of any size served over loopback for kilowatch to monitor through its real collectors: GPU
 * nodes as dcgm-exporter HTTP endpoints, PDUs as Modbus TCP servers, with a schedule of faults. It
 * counts every good answer it gives, so a soak can tell exactly what should have been stored.
 */
public final class ScaleSite implements AutoCloseable {
  /** How long a slow device takes to answer: longer than the configured timeout. */
  static final Duration SLOW_DELAY = Duration.ofSeconds(3);

  static final int GPUS_PER_NODE = 8;

  private final Spec spec;
  private final GpuNodeServer gpus;
  private final PduModbusServer pdus;
  private final ScheduledExecutorService faultClock =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("scale-site-faults").daemon().unstarted(r));

  /**
   * What to simulate.
   *
   * @param interval how often kilowatch is told to poll each device
   * @param timeout kilowatch's per-request timeout (below {@link #SLOW_DELAY})
   */
  public record Spec(int gpus, int pdus, Duration interval, Duration timeout, List<Fault> faults) {
    public Spec {
      if (gpus < 1 || pdus < 1) {
        throw new IllegalArgumentException("need at least one GPU and one PDU");
      }
      faults = List.copyOf(faults);
    }
  }

  private ScaleSite(Spec spec, GpuNodeServer gpus, PduModbusServer pdus) {
    this.spec = spec;
    this.gpus = gpus;
    this.pdus = pdus;
  }

  public static ScaleSite start(Spec spec) throws IOException {
    GpuNodeServer gpus = new GpuNodeServer(spec.gpus(), GPUS_PER_NODE);
    PduModbusServer pdus;
    try {
      pdus = new PduModbusServer(spec.pdus(), 42);
    } catch (IOException e) {
      gpus.close();
      throw e;
    }
    var site = new ScaleSite(spec, gpus, pdus);
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
          case OPCUA_RESTART -> null;
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

  /** Every device stops answering: the end of a soak, so the last answers can be counted. */
  public void silenceAll() {
    for (int n = 0; n < gpus.nodes(); n++) {
      gpus.faults().stop(n);
    }
    for (int p = 0; p < spec.pdus(); p++) {
      pdus.faults().stop(p);
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

  /** One device the simulator served and how many good answers it gave. */
  public record Answered(
      String deviceId, String source, boolean faulted, long answers, int series) {}

  /** What each device answered so far; faulted is set for any device a fault ever hit. */
  public List<Answered> answered() {
    List<Answered> out = new ArrayList<>(gpus.nodes() + spec.pdus());
    for (int n = 0; n < gpus.nodes(); n++) {
      out.add(
          new Answered(
              nodeId(n),
              "dcgm",
              faultedBeforeEnd(gpus.faults(), n),
              gpus.answered(n),
              gpus.gpusOn(n)));
    }
    for (int p = 0; p < spec.pdus(); p++) {
      out.add(
          new Answered(
              pduId(p), "modbus", faultedBeforeEnd(pdus.faults(), p), pdus.answered(p), 1));
    }
    return out;
  }

  private static boolean faultedBeforeEnd(Faults faults, int device) {
    return faults.everFaulted(device);
  }

  /** The kilowatch site config for this site, storing under {@code dataDir}. */
  public String siteYaml(Path dataDir) {
    return SiteYamlWriter.render(this, gpus, pdus, dataDir);
  }

  @Override
  public void close() {
    faultClock.shutdownNow();
    gpus.close();
    try {
      pdus.close();
    } catch (IOException e) {
      // Best effort: the ports close with the process anyway.
    }
  }
}
