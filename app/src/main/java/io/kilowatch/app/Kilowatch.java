package io.kilowatch.app;

import io.kilowatch.alerts.AlertEngine;
import io.kilowatch.alerts.DeliveryOptions;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.KpiJob;
import io.kilowatch.collector.PollScheduler;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.BatchingWriter;
import io.kilowatch.store.Store;
import io.kilowatch.time.Sleeper;
import io.kilowatch.web.WebServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running kilowatch: store, collectors and web server, started and stopped together. */
public final class Kilowatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Kilowatch.class);

  /** Samples the store writer queues; ingest refuses a larger batch with 413, not 503. */
  static final int WRITER_CAPACITY = 500_000;

  /** The store writer's backlog beyond which ingest answers 503 at once. */
  static final Duration INGEST_BACKLOG = Duration.ofSeconds(4);

  private final Store store;
  private final BatchingWriter writer;
  private final PollScheduler scheduler;
  private final WebServer web;
  private final AlertEngine alerts;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread shutdownHook;
  private volatile KpiJob kpi;
  private volatile io.kilowatch.jobs.FileJobLedger jobs;
  private volatile io.kilowatch.collector.JobPoller jobPoller;

  private Kilowatch(
      Store store,
      BatchingWriter writer,
      PollScheduler scheduler,
      WebServer web,
      AlertEngine alerts) {
    this.alerts = alerts;
    this.store = store;
    this.writer = writer;
    this.scheduler = scheduler;
    this.web = web;
    this.shutdownHook = new Thread(this::close, "kilowatch-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Opens the store, starts polling every device and serves the API.
   *
   * @param port overrides the configured port when not null (0 picks a free one)
   */
  public static Kilowatch start(SiteConfig site, Integer port) {
    return start(site, port, Acknowledge.ON_COMMIT);
  }

  /** When ingest answers 2xx. */
  enum Acknowledge {
    /** Once the store has committed the batch (group commit): what kilowatch does. */
    ON_COMMIT,
    /**
     * Once the batch is queued in memory, which a kill loses: the behaviour before, kept only so
     * that {@code IngestBench} measures what waiting for the commit costs, in the same run.
     */
    ON_QUEUE
  }

  static Kilowatch start(SiteConfig site, Integer port, Acknowledge acknowledge) {
    Store store = Stores.open(site.store());
    var writer = new BatchingWriter(store, WRITER_CAPACITY, 20_000, Duration.ofSeconds(1));
    PollScheduler scheduler = null;
    AlertEngine alerts = null;
    io.kilowatch.jobs.FileJobLedger jobs;
    try {
      jobs = io.kilowatch.jobs.FileJobLedger.open(site.store().dataDir().resolve("jobs"));
    } catch (java.io.IOException e) {
      writer.close();
      store.close();
      throw new java.io.UncheckedIOException("cannot open the job ledger", e);
    }
    // One catalog of series units: OPC UA collectors add what their servers declare, and the
    // analytics, alerts and API read it.
    var units = new io.kilowatch.store.SeriesUnits(site);
    // Pods from dcgm-exporter's labels, where the site asks for Kubernetes jobs.
    var pods =
        site.jobs().sources().stream()
                .anyMatch(s -> s instanceof io.kilowatch.config.JobsConfig.Kubernetes)
            ? new io.kilowatch.collector.dcgm.PodJobs(jobs)
            : null;
    try {
      scheduler =
          new PollScheduler(
              site,
              writer::accept,
              Clock.systemUTC(),
              Sleeper.SYSTEM,
              d -> Collectors.create(d, site, Clock.systemUTC(), units, pods));
      alerts =
          AlertEngine.open(
              site,
              store,
              site.store().dataDir().resolve("alerts"),
              Clock.systemUTC(),
              Sleeper.SYSTEM,
              DeliveryOptions.DEFAULT,
              units);
      io.kilowatch.alerts.RuleChecks.warnings(site).forEach(log::warn);
      scheduler.addListener(alerts.deviceListener());
      scheduler.start();
      alerts.start();
      // One Analytics per process: the API, the KPI job and reports share its carbon-intensity
      // cache, so a paid intensity API is asked once per refresh, not once per user of it.
      var analytics = new Analytics(site, store, Clock.systemUTC(), units);
      var web =
          new WebServer(
              site,
              store,
              analytics,
              scheduler::statuses,
              writer,
              new io.kilowatch.web.ingest.IngestSink() {
                @Override
                public java.util.Optional<java.util.concurrent.CompletableFuture<Void>> offer(
                    List<io.kilowatch.store.Sample> samples) {
                  // Refuse rather than block: a refused write is retried by the client (writes of
                  // the same point replace).
                  // And refuse at once what would wait behind more than half of ingest's 8 s
                  // wait: a request that times out leaves its samples queued, so late refusals
                  // keep the backlog they come from.
                  if (acknowledge == Acknowledge.ON_COMMIT
                      && writer.backlog().compareTo(INGEST_BACKLOG) > 0) {
                    return java.util.Optional.empty();
                  }
                  var stored = writer.submit(samples);
                  return acknowledge == Acknowledge.ON_COMMIT
                      ? stored
                      : stored.map(f -> CompletableFuture.completedFuture(null));
                }

                @Override
                public int capacity() {
                  return WRITER_CAPACITY;
                }
              },
              alerts);
      // /api/jobs reads the ledger where jobs are recorded (or were, before a source was removed);
      // without either it says that no job source is configured.
      if (!site.jobs().sources().isEmpty() || jobs.size() > 0) {
        web.jobs(jobs);
      }
      web.start(site.web().bind(), port != null ? port : site.web().port());
      log.info("monitoring {} devices of {}", site.allDevices().count(), site.site().name());
      if (site.collector().shard().count() > 1) {
        log.info(
            "shard {}: polling {} of them", site.collector().shard(), scheduler.statuses().size());
      }
      var app = new Kilowatch(store, writer, scheduler, web, alerts);
      app.jobs = jobs;
      app.startJobs(site);
      // KPIs are derived from the whole site: the instance that sees all of it computes them
      // (a single instance, or the dashboard instance of a sharded layout), not every collector.
      if (site.collector().shard().count() <= 1) {
        app.kpi = new KpiJob(analytics, store, Clock.systemUTC());
        app.kpi.start();
      }
      return app;
    } catch (RuntimeException e) {
      if (alerts != null) {
        alerts.close();
      }
      if (scheduler != null) {
        scheduler.close();
      }
      try {
        jobs.close();
      } catch (java.io.IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      writer.close();
      store.close();
      throw e;
    }
  }

  /**
   * Polls the site's job sources into the ledger ({@code <dataDir>/jobs}), on the instance that
   * computes KPIs (one poller per site, not one per shard).
   */
  private void startJobs(SiteConfig site) {
    var sources = JobSources.create(site);
    if (!sources.isEmpty() && site.collector().shard().count() <= 1) {
      jobPoller =
          new io.kilowatch.collector.JobPoller(
              sources, jobs, site.collector().maxBackoff(), Clock.systemUTC());
      jobPoller.start();
    }
  }

  /** Every job kilowatch has recorded (for the web side's job attribution). */
  public io.kilowatch.jobs.JobLedger jobs() {
    return jobs;
  }

  /** Each job source's state; empty where none is configured or polled here. */
  public List<io.kilowatch.collector.JobPoller.SourceStatus> jobSources() {
    return jobPoller == null ? List.of() : jobPoller.status();
  }

  /**
   * Serves the jobs of {@code ledger} at {@code /api/jobs} even where no job source is configured
   * (the demo's simulated scheduler); until called, those endpoints answer that none is.
   */
  public Kilowatch serveJobs(io.kilowatch.jobs.JobLedger ledger) {
    web.jobs(ledger);
    return this;
  }

  public String url() {
    return web.url();
  }

  public int port() {
    return web.port();
  }

  public Store store() {
    return store;
  }

  public AlertEngine alerts() {
    return alerts;
  }

  /** Every polled device's latest status; for the soak bench's on-time and cycle-time figures. */
  public List<io.kilowatch.device.DeviceStatus> statuses() {
    return scheduler.statuses();
  }

  /** The write queue between collectors and store; its written and dropped counters. */
  public BatchingWriter writer() {
    return writer;
  }

  public List<String> routes() {
    return web.routes();
  }

  /** Blocks until the process is asked to stop (Ctrl+C, SIGTERM) or {@link #close()} is called. */
  public void awaitShutdown() throws InterruptedException {
    stopped.await();
  }

  @Override
  public synchronized void close() {
    if (stopped.getCount() == 0) {
      return;
    }
    try {
      if (Thread.currentThread() != shutdownHook) {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      }
    } catch (IllegalStateException shuttingDown) {
      // The JVM is already exiting; the hook is what called us.
    }
    if (kpi != null) {
      kpi.close();
    }
    if (jobPoller != null) {
      jobPoller.close();
    }
    web.stop();
    alerts.close();
    scheduler.close();
    if (jobs != null) {
      try {
        jobs.close();
      } catch (java.io.IOException e) {
        log.warn("closing the job ledger: {}", e.toString());
      }
    }
    writer.close();
    store.close();
    stopped.countDown();
  }
}
