package io.kilowatch.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/** What a soak measured, and its printed form. */
public record SoakReport(
    SoakOptions options,
    Duration wall,
    SoakRun.CycleSummary cycles,
    List<SoakRun.Loss> losses,
    SoakRun.ApiSummary api,
    long cpuNanos,
    int cpus,
    long peakRssKb,
    long maxHeapBytes,
    long written,
    long dropped,
    OpcUaRestartCheck opcUaRestarts,
    Baselines.Report baselines) {

  /** Without CDUs or baselines. */
  public SoakReport(
      SoakOptions options,
      Duration wall,
      SoakRun.CycleSummary cycles,
      List<SoakRun.Loss> losses,
      SoakRun.ApiSummary api,
      long cpuNanos,
      int cpus,
      long peakRssKb,
      long maxHeapBytes,
      long written,
      long dropped) {
    this(
        options,
        wall,
        cycles,
        losses,
        api,
        cpuNanos,
        cpus,
        peakRssKb,
        maxHeapBytes,
        written,
        dropped,
        null,
        null);
  }

  SoakReport withBaselines(Baselines.Report b) {
    return new SoakReport(
        options,
        wall,
        cycles,
        losses,
        api,
        cpuNanos,
        cpus,
        peakRssKb,
        maxHeapBytes,
        written,
        dropped,
        opcUaRestarts,
        b);
  }

  /** Samples lost for devices that were up, all source types together. */
  public long lost() {
    return losses.stream().mapToLong(SoakRun.Loss::lost).sum();
  }

  public long expected() {
    return losses.stream().mapToLong(SoakRun.Loss::expected).sum();
  }

  public double onTimePct() {
    return cycles.attempts() == 0 ? Double.NaN : 100.0 * cycles.onTime() / cycles.attempts();
  }

  public String render() {
    StringBuilder b = new StringBuilder();
    f(
        b,
        "soak: %d GPUs (%d nodes), %d PDUs, %d CDUs, every %ds, %ds run (wall %ds)%n",
        options.gpus(),
        (options.gpus() + 7) / 8,
        options.pdus(),
        options.cdus(),
        options.interval().toSeconds(),
        options.length().toSeconds(),
        wall.toSeconds());
    f(
        b,
        "poll cycles on time (devices up all run): %d / %d = %.3f%%%n",
        cycles.onTime(),
        cycles.attempts(),
        onTimePct());
    new TreeMap<>(cycles.roundTripMs())
        .forEach(
            (k, v) ->
                f(
                    b,
                    "cycle time %-6s p50 %.1f ms  p99 %.1f ms  (%d attempts, faulted devices included)%n",
                    k,
                    v[0],
                    v[1],
                    (long) v[2]));
    for (SoakRun.Loss l : losses) {
      f(
          b,
          "samples %-6s expected %d  stored %d  lost %d  (%d devices up, %d faulted excluded)%s%n",
          l.source(),
          l.expected(),
          l.stored(),
          l.lost(),
          l.upDevices(),
          l.faultedDevices(),
          l.lostDevices().isEmpty() ? "" : " e.g. " + l.lostDevices());
      if (l.failedPolls() > 0) {
        f(
            b,
            "  %s polls of up devices that kilowatch timed out (answer late or lost): %d%n",
            l.source(),
            l.failedPolls());
      }
    }
    f(
        b,
        "newest sample age on /api/latest: p50 %.0f ms  p99 %.0f ms  (%d probes)%n",
        api.ageP50Ms(),
        api.ageP99Ms(),
        api.ageProbes());
    f(
        b,
        "dashboard API under load: p50 %.1f ms  p99 %.1f ms  (%d requests, %d errors)%n",
        api.p50Ms(),
        api.p99Ms(),
        api.requests(),
        api.errors());
    if (opcUaRestarts != null) {
      b.append(opcUaRestarts.render());
    }
    double cpuS = cpuNanos / 1e9;
    f(
        b,
        "CPU (whole process, simulator included): %.0f s over %d s wall = %.2f cores of %d%n",
        cpuS,
        wall.toSeconds(),
        cpuS / Math.max(1, wall.toMillis() / 1000.0),
        cpus);
    f(
        b,
        "peak RSS %d MiB, -Xmx %d MiB; writer written %d samples, dropped %d%n",
        peakRssKb / 1024,
        maxHeapBytes / (1024 * 1024),
        written,
        dropped);
    if (baselines != null) {
      b.append(baselines.render());
    }
    return b.toString();
  }

  private static void f(StringBuilder b, String format, Object... args) {
    b.append(String.format(Locale.ROOT, format, args));
  }
}
