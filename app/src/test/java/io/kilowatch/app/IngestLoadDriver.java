package io.kilowatch.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * The load side of {@link IngestBench}, run in its own JVM: simulates {@code nodes} agents, each
 * pushing its GPUs' readings (gzip line protocol, ms precision) once per interval, spread evenly
 * over the interval as real agents started at random times would be.
 *
 * <p>Prints one {@code RESULT} line: points acknowledged, requests, failures, latency percentiles,
 * and this process's CPU time.
 */
public final class IngestLoadDriver {
  static final String[] FIELDS = {
    "power_w",
    "power_limit_w",
    "energy_mj",
    "temp_c",
    "mem_temp_c",
    "slowdown_temp_c",
    "shutdown_temp_c",
    "gpu_max_temp_c",
    "mem_max_temp_c",
    "margin_c",
    "util_pct",
    "mem_util_pct",
    "sm_clock_mhz",
    "mem_clock_mhz",
    "clocks_event_reasons",
    "thermal_violation_ns",
    "power_violation_ns",
    "pcie_rx_mbps",
    "pcie_tx_mbps",
    "fb_used_mib"
  };

  private IngestLoadDriver() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0] + "api/v2/write?precision=ms");
    int gpus = Integer.parseInt(args[1]);
    int fields = Integer.parseInt(args[2]);
    Duration interval = Duration.ofSeconds(Long.parseLong(args[3]));
    Duration duration = Duration.ofSeconds(Long.parseLong(args[4]));
    int perNode = Integer.parseInt(args[5]);
    String token = System.getenv("KILOWATCH_BENCH_TOKEN");
    int nodes = gpus / perNode;
    long periods = duration.toMillis() / interval.toMillis();

    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    long[] latencies = new long[(int) (nodes * periods)];
    // Latencies after the first interval: the first one pays JIT warm-up and series registration.
    long[] steady = new long[(int) (nodes * periods)];
    AtomicInteger steadyDone = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicLong points = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    var statuses = new java.util.concurrent.ConcurrentHashMap<String, Integer>();
    long startMs = (System.currentTimeMillis() / 1000 + 1) * 1000;
    long start = System.nanoTime() + (startMs - System.currentTimeMillis()) * 1_000_000;
    long spacing = interval.toNanos() / nodes;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (long p = 0; p < periods; p++) {
        long ts = startMs + p * interval.toMillis();
        for (int n = 0; n < nodes; n++) {
          long due = start + p * interval.toNanos() + n * spacing;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          int node = n;
          long tick = p;
          pool.submit(
              () -> {
                long t0 = System.nanoTime();
                try {
                  byte[] body = gzip(lines(node, perNode, fields, ts, tick));
                  var r =
                      http.send(
                          HttpRequest.newBuilder(url)
                              .timeout(Duration.ofSeconds(30))
                              .header("Authorization", "Bearer " + token)
                              .header("Content-Encoding", "gzip")
                              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                              .build(),
                          HttpResponse.BodyHandlers.ofString());
                  // 200: stored, with lines that match no configured device (the driver's own).
                  if (r.statusCode() == 204 || r.statusCode() == 200) {
                    points.addAndGet((long) perNode * fields);
                  } else {
                    failures.incrementAndGet();
                    statuses.merge("http " + r.statusCode(), 1, Integer::sum);
                  }
                } catch (IOException | InterruptedException e) {
                  failures.incrementAndGet();
                  statuses.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                }
                long took = System.nanoTime() - t0;
                latencies[done.getAndIncrement()] = took;
                if (tick > 0) {
                  steady[steadyDone.getAndIncrement()] = took;
                }
              });
        }
      }
    }
    double wall = (System.nanoTime() - start) / 1e9;
    long[] sorted = Arrays.copyOf(latencies, done.get());
    Arrays.sort(sorted);
    long cpu =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    System.out.printf(
        "RESULT points=%d requests=%d failures=%d wall_s=%.1f points_per_s=%.0f p50_ms=%.1f"
            + " p99_ms=%.1f max_ms=%.1f driver_cpu_s=%.1f%n",
        points.get(),
        sorted.length,
        failures.get(),
        wall,
        points.get() / wall,
        pct(sorted, 0.50),
        pct(sorted, 0.99),
        sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6,
        cpu / 1e9);
    long[] steadySorted = Arrays.copyOf(steady, steadyDone.get());
    Arrays.sort(steadySorted);
    System.out.printf(
        "STEADY (after the first %d s) requests=%d p50_ms=%.1f p99_ms=%.1f p999_ms=%.1f%n",
        interval.toSeconds(),
        steadySorted.length,
        pct(steadySorted, 0.50),
        pct(steadySorted, 0.99),
        pct(steadySorted, 0.999));
    if (!statuses.isEmpty()) {
      System.out.println("FAILURES " + new java.util.TreeMap<>(statuses));
    }
  }

  private static double pct(long[] sorted, double q) {
    return sorted.length == 0
        ? 0
        : sorted[(int) Math.min(sorted.length - 1, q * sorted.length)] / 1e6;
  }

  /** One node's batch: its GPUs, every field, plausible values that change per tick. */
  static String lines(int node, int perNode, int fields, long ts, long tick) {
    var sb = new StringBuilder(perNode * fields * 24);
    String rack = "r" + (node / 4);
    for (int g = 0; g < perNode; g++) {
      sb.append("gpu,cluster=c")
          .append(node / 1000)
          .append(",device=n")
          .append(node)
          .append(",gpu=")
          .append(g)
          .append(",gpu_uuid=GPU-")
          .append(node)
          .append('-')
          .append(g)
          .append(",rack=")
          .append(rack)
          .append(' ');
      for (int f = 0; f < fields; f++) {
        if (f > 0) {
          sb.append(',');
        }
        sb.append(f < FIELDS.length ? FIELDS[f] : "f" + f)
            .append('=')
            .append(300 + ((node * 31 + g * 7 + f * 3 + tick) % 97) + 0.25 * (f % 4));
      }
      sb.append(' ').append(ts).append('\n');
    }
    return sb.toString();
  }

  static byte[] gzip(String text) throws IOException {
    var out = new ByteArrayOutputStream(text.length() / 3);
    try (var gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
