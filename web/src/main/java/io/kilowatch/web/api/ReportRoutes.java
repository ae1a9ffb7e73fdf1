package io.kilowatch.web.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.report.ReportBuilder;
import io.kilowatch.analytics.report.ReportFormat;
import io.kilowatch.analytics.report.ReportWriter;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Energy reports of the running instance's store.
 *
 * <ul>
 *   <li>{@code GET /api/reports?from&to&format[&cluster]}: the report as a download, in one request
 *       (what scripts use);
 *   <li>{@code POST /api/reports/jobs} with the same parameters: starts making it in the background
 *       and answers 202 with the job; {@code GET /api/reports/jobs/{id}} tells its progress (step
 *       {@code done} of {@code total}: each month, then the whole period and the input hash) and
 *       {@code GET /api/reports/jobs/{id}/file} gives the finished file (what the Reports page
 *       uses); {@code DELETE /api/reports/jobs/{id}} (operator) stops a running job or forgets an
 *       ended one.
 * </ul>
 *
 * One report at a time, one-shot and jobs together: a long range reads a lot, and a second request
 * gets 429 (with Retry-After) rather than slowing the collectors down. The report is made on this
 * class's own single thread, never on a request thread, so however long it takes the server's
 * request threads stay free for {@code /api/health} and the pages. A report longer than {@link
 * Budget#MAX_REPORT_RANGE} is refused before it starts; one that runs past its time limit or is
 * cancelled is stopped at its next month, and the slot is given back whenever its work ends,
 * however it ends. (A one-shot client that goes away is not noticed: Jetty learns of a closed
 * connection only when it reads or writes it, so such a report runs on to its end or its limit.)
 * Starting a job only reads data, so it needs what a read needs (a token where {@code
 * web.readAccess: token}), not an operator's.
 */
public final class ReportRoutes implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReportRoutes.class);

  /** How long a finished job's file is kept for its download. */
  static final Duration KEEP = Duration.ofMinutes(15);

  /** What was asked for, parsed and checked. */
  record Request(Instant from, Instant to, ReportFormat format, String cluster) {}

  private final SiteConfig site;
  private final Store store;
  private final Analytics analytics;
  private final ReportBuilder.Progress observer;
  private final Authorizer auth;
  private final Duration timeLimit;
  private final Semaphore one = new Semaphore(1);
  private final Map<String, ReportJob> jobs = new ConcurrentHashMap<>();

  // Platform threads: a report reads the store (native calls pin a virtual thread's carrier). One
  // worker is enough, the slot lets one report run; the timer only stops jobs at their time limit.
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("report-", 0).factory());
  private final ScheduledThreadPoolExecutor timer =
      new ScheduledThreadPoolExecutor(
          1, Thread.ofPlatform().daemon().name("report-timer").factory());

  public ReportRoutes(Analytics analytics, Store store, Authorizer auth) {
    this(analytics, store, ReportBuilder.Progress.NONE, auth, Budget.REPORT_TIME_LIMIT);
  }

  /**
   * @param observer told of each step after a job has published it, on the job's thread (tests use
   *     it to hold a job at a step)
   * @param auth who may cancel a job (the operator role)
   * @param timeLimit how long one report may run before it is stopped and fails
   */
  ReportRoutes(
      Analytics analytics,
      Store store,
      ReportBuilder.Progress observer,
      Authorizer auth,
      Duration timeLimit) {
    this.analytics = analytics;
    this.site = analytics.site();
    this.store = store;
    this.observer = observer;
    this.auth = auth;
    this.timeLimit = timeLimit;
    // A report that ends in time takes its limit's task out of the queue.
    timer.setRemoveOnCancelPolicy(true);
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/reports", this::report);
    routes.post("/api/reports/jobs", this::start);
    routes.get("/api/reports/jobs/{id}", this::status);
    routes.delete("/api/reports/jobs/{id}", this::cancel);
    routes.get("/api/reports/jobs/{id}/file", this::file);
  }

  /** Stops the running report, if any, and the threads; for the server's stop. */
  @Override
  public void close() {
    jobs.values().forEach(j -> j.stop(ReportJob.State.CANCELLED, "the server is stopping"));
    timer.shutdownNow();
    worker.shutdownNow();
  }

  private Request request(Context ctx) {
    if (site.energy() == null) {
      throw new BadRequest(
          "energy",
          "energy reports are not configured: the site has no energy model (energy: section)");
    }
    var p = new Params(ctx, Instant.now());
    Instant from = time(p, "from");
    Instant to = time(p, "to");
    if (!from.isBefore(to)) {
      throw new BadRequest("from", "from (" + from + ") must be before to (" + to + ")");
    }
    Budget.range(from, to, Budget.MAX_REPORT_RANGE, "a report");
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
    return new Request(from, to, format, cluster);
  }

  private static void busy(Context ctx) {
    ctx.header("Retry-After", Long.toString(Budget.REPORT_RETRY_AFTER.toSeconds()))
        .status(429)
        .json(Map.of("error", "a report is being made; try again soon"));
  }

  private void report(Context ctx) {
    Request r = request(ctx);
    if (!one.tryAcquire()) {
      busy(ctx);
      return;
    }
    var job = new ReportJob("one-shot-" + UUID.randomUUID(), r);
    CompletableFuture<Void> work;
    try {
      work = submit(job);
    } catch (RuntimeException | Error e) {
      one.release();
      throw e;
    }
    watchClient(ctx, job, work);
    // Asynchronous: the request thread is free while the report is made.
    ctx.future(() -> work.thenRun(() -> answer(ctx, job)));
  }

  /**
   * Stops the one-shot report once its client has gone: nobody would get the file, and the slot is
   * the next report's. Checked once a second on the timer thread.
   */
  private void watchClient(Context ctx, ReportJob job, CompletableFuture<Void> work) {
    // The watch takes any byte after the request for a close; no next request on this connection.
    ctx.header("Connection", "close");
    ClientWatch.of(ctx)
        .ifPresent(
            watch -> {
              ScheduledFuture<?> check =
                  timer.scheduleWithFixedDelay(
                      () -> {
                        if (watch.gone()
                            && job.stop(ReportJob.State.CANCELLED, "the client went away")) {
                          log.info("report {} stopped: its client went away", job.id());
                        }
                      },
                      CLIENT_CHECK.toMillis(),
                      CLIENT_CHECK.toMillis(),
                      TimeUnit.MILLISECONDS);
              work.whenComplete(
                  (v, e) -> {
                    check.cancel(false);
                    watch.close();
                  });
            });
  }

  private static final Duration CLIENT_CHECK = Duration.ofSeconds(1);

  private static void answer(Context ctx, ReportJob job) {
    var f = job.file();
    if (f == null) {
      ctx.status(job.stopped() != null ? 503 : 500).json(Map.of("error", job.view().get("error")));
      return;
    }
    ctx.contentType(f.contentType())
        .header("Content-Disposition", "attachment; filename=\"" + f.name() + "\"")
        .header("X-Report-Input-Sha256", f.inputSha256())
        .result(f.bytes());
  }

  private void start(Context ctx) {
    Request r = request(ctx);
    if (!one.tryAcquire()) {
      busy(ctx);
      return;
    }
    Instant now = Instant.now();
    jobs.values().removeIf(j -> j.endedBefore(now.minus(KEEP)));
    var job = new ReportJob(UUID.randomUUID().toString(), r);
    jobs.put(job.id(), job);
    try {
      submit(job);
    } catch (RuntimeException | Error e) {
      jobs.remove(job.id());
      one.release();
      throw e;
    }
    ctx.status(202).header("Location", "/api/reports/jobs/" + job.id()).json(job.view());
  }

  /**
   * Makes {@code job}'s report on the worker; the slot, already taken, is given back when the work
   * ends, however it ends.
   */
  private CompletableFuture<Void> submit(ReportJob job) {
    return CompletableFuture.runAsync(() -> run(job), worker);
  }

  private void run(ReportJob job) {
    job.runningOn(Thread.currentThread());
    ScheduledFuture<?> limit = null;
    try {
      // Armed here, not at submission: if arming fails, this finally still gives the slot back
      // once.
      limit =
          timer.schedule(
              () ->
                  job.stop(
                      ReportJob.State.FAILED,
                      "stopped: the report ran longer than its time limit of "
                          + timeLimit.toSeconds()
                          + " s; ask for a shorter range"),
              timeLimit.toMillis(),
              TimeUnit.MILLISECONDS);
      ReportBuilder.Progress progress =
          (d, t, w) -> {
            job.step(d, t, w);
            observer.step(d, t, w);
            job.stopIfTold();
          };
      // A job stopped before its thread got to it does no work at all.
      job.stopIfTold();
      job.finished(make(job.request(), progress), Instant.now());
    } catch (ReportJob.Stopped e) {
      log.info("report job {} stopped: {}", job.id(), e.getMessage());
      job.failed(e.state, e.getMessage(), Instant.now());
    } catch (IOException | RuntimeException | Error e) {
      var stopped = job.stopped();
      if (stopped != null) {
        // The interrupt ended a wait inside a step with some other exception.
        job.failed(stopped.state, stopped.getMessage(), Instant.now());
      } else {
        // Errors too (an OutOfMemoryError): the job must not show "running" for ever.
        log.warn("report job {} failed: {}", job.id(), e.toString());
        job.failed(e.getMessage() == null ? e.toString() : e.getMessage(), Instant.now());
      }
    } finally {
      if (limit != null) {
        limit.cancel(false);
      }
      job.runningOn(null);
      Thread.interrupted();
      one.release();
    }
  }

  private ReportJob job(Context ctx) {
    var job = jobs.get(ctx.pathParam("id"));
    if (job == null) {
      ctx.status(404).json(Map.of("error", "no such report job (finished ones are kept 15 min)"));
    }
    return job;
  }

  private void status(Context ctx) {
    var job = job(ctx);
    if (job != null) {
      ctx.json(job.view());
    }
  }

  private void cancel(Context ctx) {
    if (!Authorizer.operator(auth, ctx)) {
      return;
    }
    var job = job(ctx);
    if (job == null) {
      return;
    }
    if (job.stop(ReportJob.State.CANCELLED, "cancelled by an operator")) {
      // It ends at its next month; its state says so once it has.
      ctx.status(202).json(job.view());
    } else {
      jobs.remove(job.id());
      ctx.status(204);
    }
  }

  private void file(Context ctx) {
    var job = job(ctx);
    if (job == null) {
      return;
    }
    var f = job.file();
    if (f == null) {
      ctx.status(409).json(Map.of("error", "the report is " + job.view().get("state")));
      return;
    }
    ctx.contentType(f.contentType())
        .header("Content-Disposition", "attachment; filename=\"" + f.name() + "\"")
        .header("X-Report-Input-Sha256", f.inputSha256())
        .result(f.bytes());
  }

  /** The report file, the same bytes whichever route asked. */
  private ReportJob.File make(Request r, ReportBuilder.Progress progress) throws IOException {
    String version = io.kilowatch.config.Version.current();
    var builder = ReportBuilder.forSite(analytics, store, version);
    var report = builder.build(r.from(), r.to(), r.cluster(), progress);
    var bytes = new ByteArrayOutputStream();
    ReportWriter.write(report, r.format(), bytes);
    String name =
        "kilowatch-report-"
            + site.site().name()
            + (r.cluster() == null ? "" : "-" + r.cluster())
            + "-"
            + r.from().toString().substring(0, 10)
            + "-"
            + r.to().toString().substring(0, 10)
            + "."
            + r.format().extension();
    return new ReportJob.File(
        bytes.toByteArray(), name, r.format().contentType(), report.provenance().inputSha256());
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
