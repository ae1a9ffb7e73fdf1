package io.kilowatch.web.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.analytics.KpiSeries;
import io.kilowatch.analytics.SiteOverview;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.BatchingWriter;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * kilowatch's own health and the latest site KPIs in the Prometheus text format, for teams that
 * already scrape everything with Prometheus.
 */
public final class MetricsRoutes {
  /** A counter kept elsewhere in the server, e.g. the ingest's unmatched lines. */
  public record Counter(String name, String help, LongSupplier value) {}

  private final Supplier<List<DeviceStatus>> statuses;
  private final SiteOverview overview;
  private final BatchingWriter writer;
  private final Supplier<io.kilowatch.alerts.Outbox.Counts> alertDeliveries;
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
      Supplier<io.kilowatch.alerts.Outbox.Counts> alertDeliveries) {
    this(statuses, overview, writer, alertDeliveries, List.of());
  }

  /** With further counters of the server (ingest), each written as one {@code counter} family. */
  public MetricsRoutes(
      Supplier<List<DeviceStatus>> statuses,
      SiteOverview overview,
      BatchingWriter writer,
      Supplier<io.kilowatch.alerts.Outbox.Counts> alertDeliveries,
      List<Counter> counters) {
    this.statuses = statuses;
    this.overview = overview;
    this.writer = writer;
    this.alertDeliveries = alertDeliveries;
    this.counters = List.copyOf(counters);
  }

  public void register(RoutesConfig routes) {
    routes.get("/metrics", this::metrics);
  }

  private void metrics(Context ctx) {
    var out = new StringBuilder(8192);
    Instant now = Instant.now();
    var all = statuses.get();

    family(out, "kilowatch_device_up", "gauge", "1 when the device's last poll succeeded");
    for (var s : all) {
      sample(out, "kilowatch_device_up", device(s), s.state() == DeviceStatus.State.UP ? 1 : 0);
    }
    family(out, "kilowatch_device_consecutive_failures", "gauge", "polls failed in a row");
    for (var s : all) {
      sample(out, "kilowatch_device_consecutive_failures", device(s), s.consecutiveFailures());
    }
    family(out, "kilowatch_device_round_trip_seconds", "gauge", "duration of the last poll");
    for (var s : all) {
      if (s.lastRoundTrip() != null) {
        sample(out, "kilowatch_device_round_trip_seconds", device(s), seconds(s.lastRoundTrip()));
      }
    }
    family(
        out, "kilowatch_device_last_success_age_seconds", "gauge", "time since the last good poll");
    for (var s : all) {
      if (s.lastSuccess() != null) {
        sample(
            out,
            "kilowatch_device_last_success_age_seconds",
            device(s),
            seconds(Duration.between(s.lastSuccess(), now)));
      }
    }
    family(
        out,
        "kilowatch_device_dropped_values_total",
        "counter",
        "values received but dropped past the collector's queue cap between polls");
    for (var s : all) {
      sample(out, "kilowatch_device_dropped_values_total", device(s), s.droppedValues());
    }
    if (writer != null) {
      family(out, "kilowatch_store_queue_depth", "gauge", "samples waiting to be written");
      sample(out, "kilowatch_store_queue_depth", "", writer.depth());
      family(out, "kilowatch_samples_written_total", "counter", "samples written to the store");
      sample(out, "kilowatch_samples_written_total", "", writer.written());
      family(out, "kilowatch_samples_dropped_total", "counter", "samples lost before the store");
      sample(out, "kilowatch_samples_dropped_total", "", writer.dropped());
    }

    for (Counter c : counters) {
      family(out, c.name(), "counter", c.help());
      sample(out, c.name(), "", c.value().getAsLong());
    }

    if (alertDeliveries != null) {
      var c = alertDeliveries.get();
      family(
          out,
          "kilowatch_alert_notifications_total",
          "counter",
          "alert notifications by outcome: queued, delivered, retried attempts, given up");
      sample(out, "kilowatch_alert_notifications_total", "outcome=\"queued\"", c.queued());
      sample(out, "kilowatch_alert_notifications_total", "outcome=\"delivered\"", c.delivered());
      sample(out, "kilowatch_alert_notifications_total", "outcome=\"retried\"", c.retried());
      sample(out, "kilowatch_alert_notifications_total", "outcome=\"given_up\"", c.givenUp());
    }

    var o = overview.compute(now.minus(Duration.ofMinutes(15)), now, Duration.ofMinutes(1));
    family(out, "kilowatch_site_power_watts", "gauge", "latest complete minute, mean power");
    power(out, "facility", o.facilityPower());
    power(out, "it", o.itPower());
    power(out, "cooling", o.coolingPower());
    family(out, "kilowatch_site_pue", "gauge", "interim PUE (energy ratio) over the last 15 min");
    if (o.windowPue() != null) {
      sample(out, "kilowatch_site_pue", "category=\"" + o.pueCategory() + "\"", o.windowPue());
    }

    var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    family(out, "kilowatch_jvm_heap_used_bytes", "gauge", "heap in use");
    sample(out, "kilowatch_jvm_heap_used_bytes", "", mem.getUsed());
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      family(out, "process_cpu_seconds_total", "counter", "CPU time of the kilowatch process");
      sample(out, "process_cpu_seconds_total", "", os.getProcessCpuTime() / 1e9);
    }
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(out.toString());
  }

  private static void power(StringBuilder out, String kind, KpiSeries s) {
    var latest = s.latest();
    if (latest != null) {
      sample(out, "kilowatch_site_power_watts", "kind=\"" + kind + "\"", latest.value() * 1000);
    }
  }

  private static String device(DeviceStatus s) {
    return "device=\""
        + escape(s.deviceId())
        + "\",kind=\""
        + s.kind().name().toLowerCase(Locale.ROOT).replace('_', '-')
        + "\"";
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  private static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String name, String labels, double value) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{').append(labels).append('}');
    }
    out.append(' ');
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      out.append((long) value);
    } else {
      out.append(value);
    }
    out.append('\n');
  }

  /** Label values escape backslash, quote and newline, as the exposition format requires. */
  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
