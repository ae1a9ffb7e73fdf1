package io.kilowatch.web.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.analytics.report.ReportBuilder;
import io.kilowatch.analytics.report.ReportFormat;
import io.kilowatch.analytics.report.ReportWriter;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Semaphore;

/**
 * {@code GET /api/reports?from&to&format[&cluster]}: an energy report of the running instance's
 * store, as a download. One report at a time: a long range reads a lot, and a second request gets
 * 429 rather than slowing the collectors down.
 */
public final class ReportRoutes {
  private final SiteConfig site;
  private final Store store;
  private final Semaphore one = new Semaphore(1);

  public ReportRoutes(SiteConfig site, Store store) {
    this.site = site;
    this.store = store;
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/reports", this::report);
  }

  private void report(Context ctx) throws IOException {
    var p = new Params(ctx, Instant.now());
    Instant from = time(p, "from");
    Instant to = time(p, "to");
    if (!from.isBefore(to)) {
      throw new BadRequest("from", "from (" + from + ") must be before to (" + to + ")");
    }
    ReportFormat format;
    try {
      String f = p.optional("format");
      format = ReportFormat.parse(f == null ? "json" : f);
    } catch (IllegalArgumentException e) {
      throw new BadRequest("format", e.getMessage());
    }
    String cluster = p.optional("cluster");
    if (cluster != null && site.clusters().stream().noneMatch(c -> c.id().equals(cluster))) {
      throw new BadRequest("cluster", "unknown cluster '" + cluster + "'");
    }
    if (!one.tryAcquire()) {
      ctx.status(429).json(java.util.Map.of("error", "a report is being made; try again soon"));
      return;
    }
    try {
      String version = ReportRoutes.class.getPackage().getImplementationVersion();
      var builder =
          ReportBuilder.forSite(site, store, version == null ? "development build" : version);
      var report = builder.build(from, to, cluster, ReportBuilder.Progress.NONE);
      var bytes = new ByteArrayOutputStream();
      ReportWriter.write(report, format, bytes);
      String name =
          "kilowatch-report-"
              + site.site().name()
              + "-"
              + from.toString().substring(0, 10)
              + "-"
              + to.toString().substring(0, 10)
              + "."
              + format.extension();
      ctx.contentType(format.contentType())
          .header("Content-Disposition", "attachment; filename=\"" + name + "\"")
          .header("X-Report-Input-Sha256", report.provenance().inputSha256())
          .result(bytes.toByteArray());
    } finally {
      one.release();
    }
  }

  /** A date (midnight in the site's zone) or anything {@code /api/query} takes. */
  private Instant time(Params p, String name) {
    String v = p.required(name);
    if (v.length() == 10 && v.charAt(4) == '-') {
      try {
        return LocalDate.parse(v).atStartOfDay(site.site().timezone()).toInstant();
      } catch (DateTimeParseException e) {
        throw new BadRequest(name, "'" + v + "' is not a date (YYYY-MM-DD)");
      }
    }
    return p.time(name, null);
  }
}
