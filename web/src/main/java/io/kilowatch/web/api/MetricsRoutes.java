package io.kilowatch.web.api;

import static io.kilowatch.web.api.PrometheusText.Type.COUNTER;
import static io.kilowatch.web.api.PrometheusText.Type.GAUGE;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.analytics.KpiSeries;
import io.kilowatch.analytics.SiteOverview;
import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Units;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.BatchingWriter;
import io.kilowatch.web.api.PrometheusText.Labels;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.measure.UnitConverter;

/**
 * kilowatch's own health and the latest site KPIs in the Prometheus text format, for teams that
 * already scrape everything with Prometheus.
 */
public final class MetricsRoutes {
  /**
   * A counter kept elsewhere in the server, e.g. the ingest's unmatched lines.
   *
   * @param name a metric name ending in {@code _total}
   */
  public record Counter(String name, String help, LongSupplier value) {
    public Counter {
      PrometheusText.checkName(name, PrometheusText.Type.COUNTER);
      if (help == null || help.isBlank()) {
        throw new IllegalArgumentException("counter " + name + " needs a help text");
      }
    }
  }

  /** The families this class writes itself; a {@link Counter} may not take one of their names. */
  static final Set<String> OWN_FAMILIES =
      Set.of(
          "kilowatch_device_up",
          "kilowatch_device_consecutive_failures",
          "kilowatch_device_round_trip_seconds",
          "kilowatch_device_last_success_age_seconds",
          "kilowatch_device_dropped_values_total",
          "kilowatch_store_queue_depth",
          "kilowatch_samples_written_total",
          "kilowatch_samples_dropped_total",
          "kilowatch_alert_notifications_total",
          "kilowatch_alerts_firing",
          "kilowatch_alert_deliveries_total",
          "kilowatch_alert_notifications_pending",
          "kilowatch_alert_receiver_breaker",
          "kilowatch_site_power_watts",
          "kilowatch_site_pue",
          "kilowatch_jvm_heap_used_bytes",
          "process_cpu_seconds_total");

  private static final Units.Parsed WATT = Units.parse("W");

  /** JMX reports CPU time in nanoseconds and {@link Duration} counts them; exposed in seconds. */
  private static final UnitConverter NANOS_TO_SECONDS = PointUnit.of("ns").to(Units.parse("s"));

  private final Supplier<List<DeviceStatus>> statuses;
  private final SiteOverview overview;
  private final BatchingWriter writer;
  private final Supplier<io.kilowatch.alerts.AlertMetrics> alertDeliveries;
  private final List<Counter> counters;

  public MetricsRoutes(
      Supplier<List<DeviceStatus>> statuses, SiteOverview overview, BatchingWriter writer) {
    this(statuses, overview, writer, null);
  }

  /** With the alert outbox's counters, when alerting is configured. */
  public MetricsRoutes(
      Supplier<List<DeviceStatus>> statuses,
      SiteOverview overview,
      BatchingWriter writer,
      Supplier<io.kilowatch.alerts.AlertMetrics> alertDeliveries) {
    this(statuses, overview, writer, alertDeliveries, List.of());
  }

  /** With further counters of the server (ingest), each written as one {@code counter} family. */
  public MetricsRoutes(
      Supplier<List<DeviceStatus>> statuses,
      SiteOverview overview,
      BatchingWriter writer,
      Supplier<io.kilowatch.alerts.AlertMetrics> alertDeliveries,
      List<Counter> counters) {
    this.statuses = statuses;
    this.overview = overview;
    this.writer = writer;
    this.alertDeliveries = alertDeliveries;
    this.counters = List.copyOf(counters);
    var names = new HashSet<String>();
    for (Counter c : this.counters) {
      // Caught here, at start-up, rather than by the first scrape.
      if (OWN_FAMILIES.contains(c.name()) || !names.add(c.name())) {
        throw new IllegalArgumentException("metric family " + c.name() + " is already exposed");
      }
    }
  }

  public void register(RoutesConfig routes) {
    routes.get("/metrics", this::metrics);
  }

  private void metrics(Context ctx) {
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(exposition(Instant.now()));
  }

  private String exposition(Instant now) {
    var out = new PrometheusText();
    var all = statuses.get();

    out.family("kilowatch_device_up", GAUGE, "1 when the device's last poll succeeded, else 0");
    for (var s : all) {
      out.sample(device(s), s.state() == DeviceStatus.State.UP ? 1 : 0);
    }
    out.family("kilowatch_device_consecutive_failures", GAUGE, "polls failed in a row");
    for (var s : all) {
      out.sample(device(s), s.consecutiveFailures());
    }
    out.family(
        "kilowatch_device_round_trip_seconds", GAUGE, "duration of the last poll in seconds");
    for (var s : all) {
      if (s.lastRoundTrip() != null) {
        out.sample(device(s), seconds(s.lastRoundTrip()));
      }
    }
    out.family(
        "kilowatch_device_last_success_age_seconds", GAUGE, "seconds since the last good poll");
    for (var s : all) {
      if (s.lastSuccess() != null) {
        out.sample(device(s), seconds(Duration.between(s.lastSuccess(), now)));
      }
    }
    out.family(
        "kilowatch_device_dropped_values_total",
        COUNTER,
        "values received but dropped past the collector's queue cap between polls");
    for (var s : all) {
      out.sample(device(s), s.droppedValues());
    }
    if (writer != null) {
      out.family("kilowatch_store_queue_depth", GAUGE, "samples waiting to be written")
          .sample(writer.depth());
      out.family("kilowatch_samples_written_total", COUNTER, "samples written to the store")
          .sample(writer.written());
      out.family("kilowatch_samples_dropped_total", COUNTER, "samples lost before the store")
          .sample(writer.dropped());
    }

    for (Counter c : counters) {
      out.family(c.name(), COUNTER, c.help()).sample(c.value().getAsLong());
    }

    if (alertDeliveries != null) {
      var m = alertDeliveries.get();
      var c = m.outbox();
      out.family(
              "kilowatch_alert_notifications_total",
              COUNTER,
              "alert notifications by outcome: queued, delivered, retried attempts, given up")
          .sample(Labels.of("outcome", "queued"), c.queued())
          .sample(Labels.of("outcome", "delivered"), c.delivered())
          .sample(Labels.of("outcome", "retried"), c.retried())
          .sample(Labels.of("outcome", "given_up"), c.givenUp())
          .sample(Labels.of("outcome", "superseded"), c.superseded());
      alerts(out, m);
    }

    var o = overview.compute(now.minus(Duration.ofMinutes(15)), now, Duration.ofMinutes(1));
    out.family(
        "kilowatch_site_power_watts",
        GAUGE,
        "site power in watts: mean over the newest 1-minute step with data in the last 15 min"
            + " (the current minute up to now)");
    power(out, "facility", o.facilityPower());
    power(out, "it", o.itPower());
    power(out, "cooling", o.coolingPower());
    out.family(
        "kilowatch_site_pue",
        GAUGE,
        "interim PUE over the last 15 min: facility energy / IT energy, dimensionless, >= 1");
    if (o.windowPue() != null) {
      out.sample(Labels.of("category", String.valueOf(o.pueCategory())), o.windowPue());
    }

    var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    out.family("kilowatch_jvm_heap_used_bytes", GAUGE, "heap in use in bytes")
        .sample(mem.getUsed());
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      out.family("process_cpu_seconds_total", COUNTER, "CPU time of the kilowatch process");
      long cpuNanos = os.getProcessCpuTime();
      // -1 means the platform cannot tell; an unknown counter is left out, not written as -1e-9.
      if (cpuNanos >= 0) {
        out.sample(NANOS_TO_SECONDS.convert(cpuNanos));
      }
    }
    return out.toString();
  }

  private static void alerts(PrometheusText out, io.kilowatch.alerts.AlertMetrics m) {
    out.family("kilowatch_alerts_firing", GAUGE, "alert instances firing now, by rule");
    for (var f : m.firing()) {
      out.sample(Labels.of("rule", f.rule(), "severity", f.severity()), f.count());
    }
    out.family(
        "kilowatch_alert_deliveries_total",
        COUNTER,
        "delivery attempts by receiver and result: ok (2xx) or failed");
    for (var r : m.receivers()) {
      out.sample(Labels.of("receiver", r.name(), "result", "ok"), r.delivered());
      out.sample(Labels.of("receiver", r.name(), "result", "failed"), r.failed());
    }
    out.family(
        "kilowatch_alert_notifications_pending",
        GAUGE,
        "notifications waiting in the outbox, by receiver");
    for (var r : m.receivers()) {
      out.sample(Labels.of("receiver", r.name()), r.pending());
    }
    out.family(
        "kilowatch_alert_receiver_breaker",
        GAUGE,
        "1 for the state each receiver's circuit breaker is in (closed, open, half_open), else 0");
    for (var r : m.receivers()) {
      for (String state : List.of("closed", "open", "half_open")) {
        out.sample(
            Labels.of("receiver", r.name(), "state", state), state.equals(r.breaker()) ? 1 : 0);
      }
    }
  }

  private static void power(PrometheusText out, String kind, KpiSeries s) {
    var latest = s.latest();
    if (latest != null) {
      // The series says its own unit (kW today), so a change there cannot skew the watts.
      double watts = PointUnit.of(s.unit()).to(WATT).convert(latest.value().doubleValue());
      out.sample(Labels.of("kind", kind), watts);
    }
  }

  private static Labels device(DeviceStatus s) {
    return Labels.of(
        "device", s.deviceId(), "kind", s.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
  }

  private static double seconds(Duration d) {
    return NANOS_TO_SECONDS.convert(d.toNanos());
  }
}
