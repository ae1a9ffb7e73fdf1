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
    Baselines.Report baselines,
    AlertTally alerts,
    CarbonProbe.Summary carbon,
    StoreOutage store,
    List<Outages.Happened> outages,
    java.time.Instant started) {

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
        b,
        alerts,
        carbon,
        store,
        outages,
        started);
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
        "soak: %d GPUs (%d nodes), %d PDUs, %d CDUs, every %ds, %ds run (wall %ds), %s store%n",
        options.gpus(),
        (options.gpus() + 7) / 8,
        options.pdus(),
        options.cdus(),
        options.interval().toSeconds(),
        options.length().toSeconds(),
        wall.toSeconds(),
        options.store());
    f(
        b,
        "poll cycles on time (devices up all run): %d / %d = %.3f%%%s%n",
        cycles.onTime(),
        cycles.attempts(),
        onTimePct(),
        cycles.duringOpcUaRestart() == 0
            ? ""
            : " ("
                + cycles.duringOpcUaRestart()
                + " CDU polls during the OPC UA restart set apart)");
    if (!options.warmup().isZero()) {
      f(
          b,
          "warm-up (first %ds, not measured): %d polls, %d failed%n",
          options.warmup().toSeconds(),
          cycles.warmupAttempts(),
          cycles.warmupFailed());
    }
    if (cycles.lateStarts() > 0 || cycles.overInterval() > 0) {
      f(
          b,
          "  good polls not on time: %d started over %ds late, %d took longer than the interval;"
              + " late starts by minute of the run: %s%n",
          cycles.lateStarts(),
          SoakRun.START_SLACK.toSeconds(),
          cycles.overInterval(),
          cycles.lateStartsByMinute());
    }
    if (!cycles.failedByMinute().isEmpty()) {
      f(
          b,
          "  failed polls of devices up all run, by minute of the run: %s%n",
          cycles.failedByMinute());
    }
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
    renderOutages(b);
    if (baselines != null) {
      b.append(baselines.render());
    }
    return b.toString();
  }

  private void renderOutages(StringBuilder b) {
    for (Outages.Happened h : outages) {
      f(
          b,
          "outage %-22s %s%n",
          h.window().what(),
          h.down() == null
              ? "did not happen" + (h.error() == null ? "" : ": " + h.error())
              : String.format(
                  Locale.ROOT,
                  "down at %ds for %ds%s",
                  Duration.between(started, h.down()).toSeconds(),
                  h.up() == null ? -1 : Duration.between(h.down(), h.up()).toSeconds(),
                  h.error() == null ? "" : " (" + h.error() + ")"));
    }
    f(
        b,
        "alert deliveries: queued %d, received %d distinct (+%d duplicate deliveries), lost %d,"
            + " given up %d, still queued %d; %d retries, %d refused while the receiver was down,"
            + " %d bad signatures%n",
        alerts.queued(),
        alerts.received(),
        alerts.duplicates(),
        alerts.lost(),
        alerts.givenUp(),
        alerts.stillQueued(),
        alerts.retries(),
        alerts.refusedWhileDown(),
        alerts.badSignatures());
    f(
        b,
        "  faulted devices alerted on: %d / %d%s%n",
        alerts.faultedAlerted(),
        alerts.faultedDevices(),
        alerts.notAlerted().isEmpty() ? "" : " missing e.g. " + alerts.notAlerted());
    f(
        b,
        "carbon intensity API: %d answers to kilowatch, %d refused in its outage; /api/carbon"
            + " answered %d / %d probes, showed the source error in %d of %d probes during the"
            + " outage%s; intensity coverage min %.3f; error cleared after: %s%n",
        carbon.fetched(),
        carbon.refused(),
        carbon.answered(),
        carbon.probes(),
        carbon.errorShownDuringOutage(),
        carbon.probesDuringOutage(),
        carbon.refused() == 0
            ? " (no fetch fell inside the outage: kilowatch re-asks every 5 min)"
            : " (" + carbon.errorSeen() + ")",
        carbon.minCoverage(),
        carbon.clearedAfter() ? "yes" : "no");
    if (store != null) {
      f(
          b,
          "store outage: influxd away %ds; disk buffer took %d samples, replayed %d, dropped %d,"
              + " rejected %d, batches left %d%n",
          store.down().toSeconds(),
          store.bufferedSamples(),
          store.replayedSamples(),
          store.droppedSamples(),
          store.rejectedSamples(),
          store.leftBatches());
    }
  }

  private static void f(StringBuilder b, String format, Object... args) {
    b.append(String.format(Locale.ROOT, format, args));
  }
}
