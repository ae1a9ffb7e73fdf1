package io.kilowatch.bench;

import io.kilowatch.testkit.http.DcgmExporterFake;
import io.kilowatch.testkit.http.DcgmExporterFake.Reply;
import java.io.IOException;
import java.util.Locale;

/**
 * Every GPU node's dcgm-exporter on the test kit's {@link DcgmExporterFake}: {@code
 * /nodes/<index>/metrics} renders that node's GPUs in dcgm-exporter's text format. Power follows a
 * per-GPU load curve and the energy counter is its exact integral, so the site is coherent at any
 * scale without a ticker.
 */
final class GpuNodeServer implements AutoCloseable {
  static {
    // One server stands for thousands of exporters, each of which a scraper keeps a connection
    // to. The JDK server closes idle connections beyond 200 by default (a real exporter, Go's
    // net/http, keeps them), which turned most scrapes into a new TCP connection. Set before the
    // JDK's server configuration is first read.
    if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
      System.setProperty("sun.net.httpserver.maxIdleConnections", "1000000");
    }
  }

  private final DcgmExporterFake server;
  private final int nodes;
  private final int gpusPerNode;
  private final int gpus;
  private final Faults faults;
  private final AnswerLog answered;
  private final long startNanos = System.nanoTime();

  GpuNodeServer(int gpus, int gpusPerNode) throws IOException {
    this.gpus = gpus;
    this.gpusPerNode = gpusPerNode;
    this.nodes = (gpus + gpusPerNode - 1) / gpusPerNode;
    this.faults = new Faults(nodes);
    this.answered = new AnswerLog(nodes);
    server = DcgmExporterFake.start(this::reply, 1024);
  }

  int nodes() {
    return nodes;
  }

  int gpus() {
    return gpus;
  }

  /** Seconds on the clock that {@link #powerW} and {@link #energyJ} run on. */
  double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  int gpusOn(int node) {
    return Math.min(gpusPerNode, gpus - node * gpusPerNode);
  }

  String url(int node) {
    return server.url(Integer.toString(node));
  }

  Faults faults() {
    return faults;
  }

  AnswerLog answers() {
    return answered;
  }

  private Reply reply(String path) {
    int node = nodeOf(path);
    if (node < 0) {
      return new Reply.NotFound();
    }
    return switch (faults.mode(node)) {
      // Held open past any timeout, then dropped without a reply.
      case SILENT -> new Reply.Hang(ScaleSite.SLOW_DELAY.multipliedBy(2));
      case SLOW -> new Reply.Late(ScaleSite.SLOW_DELAY, Reply.metrics(render(node)));
      case GARBAGE -> Reply.metrics("DCGM_FI_DEV_POWER_USAGE{gpu=\"0\" 12 12 }}}\n\u0000\u0001");
      // Counted once the reply is written: a client that gave up makes the write fail.
      case OK -> new Reply.Metrics(render(node), () -> answered.answered(node));
    };
  }

  private int nodeOf(String node) {
    try {
      int n = Integer.parseInt(node);
      return n >= 0 && n < nodes ? n : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** An H100's slowdown threshold (°C); its temperature runs 36–75 °C, so margins run 12–51 K. */
  static final long SLOWDOWN_C = 87;

  private String render(int node) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    int n = gpusOn(node);
    StringBuilder out = new StringBuilder(256 * n);
    out.append("# TYPE DCGM_FI_DEV_POWER_USAGE gauge\n");
    for (int g = 0; g < n; g++) {
      line(out, "DCGM_FI_DEV_POWER_USAGE", node, g, fmt(powerW(node * gpusPerNode + g, seconds)));
    }
    out.append("# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\n");
    for (int g = 0; g < n; g++) {
      long mj = (long) (energyJ(node * gpusPerNode + g, seconds) * 1000);
      line(out, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", node, g, Long.toString(mj));
    }
    out.append("# TYPE DCGM_FI_DEV_GPU_TEMP gauge\n");
    for (int g = 0; g < n; g++) {
      double p = powerW(node * gpusPerNode + g, seconds);
      line(out, "DCGM_FI_DEV_GPU_TEMP", node, g, Long.toString(Math.round(30 + p / 700 * 45)));
    }
    // The GPU's own slowdown threshold, as dcgm-exporter sends it when DCGM_FI_DEV_SLOWDOWN_TEMP is
    // in its counters: without it no margin to slowdown can be computed, and the cluster page's
    // heatmap would have nothing to draw at scale.
    out.append("# TYPE DCGM_FI_DEV_SLOWDOWN_TEMP gauge\n");
    for (int g = 0; g < n; g++) {
      line(out, "DCGM_FI_DEV_SLOWDOWN_TEMP", node, g, Long.toString(SLOWDOWN_C));
    }
    out.append("# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n");
    for (int g = 0; g < n; g++) {
      double p = powerW(node * gpusPerNode + g, seconds);
      line(out, "DCGM_FI_DEV_GPU_UTIL", node, g, Long.toString(Math.round((p - 100) / 6)));
    }
    return out.toString();
  }

  private static void line(StringBuilder out, String name, int node, int gpu, String value) {
    out.append(name)
        .append("{gpu=\"")
        .append(gpu)
        .append("\",UUID=\"GPU-")
        .append(node)
        .append('-')
        .append(gpu)
        .append("\",Hostname=\"n")
        .append(node)
        .append("\"} ")
        .append(value)
        .append('\n');
  }

  /** Between 100 W idle and 700 W flat out, on a slow per-GPU wave. */
  static double powerW(int gpu, double seconds) {
    return 400 + 300 * Math.sin(seconds / 120.0 + gpu * 0.37);
  }

  /** The exact integral of {@link #powerW} since the simulator started, plus a boot offset. */
  static double energyJ(int gpu, double seconds) {
    double phase = gpu * 0.37;
    return 1e9 + 400 * seconds + 300 * 120 * (Math.cos(phase) - Math.cos(seconds / 120.0 + phase));
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  @Override
  public void close() {
    server.close();
  }
}
