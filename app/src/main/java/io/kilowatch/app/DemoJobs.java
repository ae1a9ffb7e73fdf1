package io.kilowatch.app;

import io.kilowatch.jobs.FileJobLedger;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobLedger;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.simulator.SimulatedJob;
import io.kilowatch.simulator.SiteModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the demo's simulated jobs into a {@link JobLedger}, as a scheduler poller records
 * Slurm's: a job once when it is first seen running and again when it has ended, each as a {@link
 * JobRecord} of origin {@link JobOrigin#SIMULATED}. The simulator may not see the jobs contract, so
 * its jobs become records here.
 */
public final class DemoJobs implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DemoJobs.class);

  /** The partition every demo job runs in. */
  static final String PARTITION = "gpu";

  private final SiteModel model;
  private final JobLedger ledger;
  private final Duration every;

  /** Per job id the model still reports: whether its record already has its end. */
  private final Map<String, Boolean> recorded = new HashMap<>();

  private final Thread poller;
  private final boolean ownsLedger;
  private volatile boolean closed;

  private DemoJobs(SiteModel model, JobLedger ledger, Duration every, boolean ownsLedger) {
    this.model = Objects.requireNonNull(model, "model");
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.every = every;
    this.ownsLedger = ownsLedger;
    this.poller = Thread.ofVirtual().name("demo-jobs").unstarted(this::loop);
  }

  /**
   * Opens the ledger file in {@code dir} ({@link FileJobLedger}), records what the model reports
   * now, then again every {@code every} on a virtual thread until closed, which closes the ledger
   * too. The model keeps an ended job for an hour: any period under that loses none.
   */
  public static DemoJobs start(SiteModel model, Path dir, Duration every) throws IOException {
    var ledger = FileJobLedger.open(dir);
    try {
      var jobs = new DemoJobs(model, ledger, every, true);
      jobs.pollOnce();
      jobs.poller.start();
      return jobs;
    } catch (IOException | RuntimeException e) {
      ledger.close();
      throw e;
    }
  }

  /**
   * Records what the model reports now, then again every {@code every}, into a ledger someone else
   * owns (the running kilowatch's own, so reports and /api/jobs read the same file).
   */
  public static DemoJobs into(SiteModel model, JobLedger ledger, Duration every)
      throws IOException {
    var jobs = new DemoJobs(model, ledger, every, false);
    jobs.pollOnce();
    jobs.poller.start();
    return jobs;
  }

  /** A poller into {@code ledger} that records only when {@link #pollOnce} is called (tests). */
  static DemoJobs manual(SiteModel model, JobLedger ledger) {
    return new DemoJobs(model, ledger, null, false);
  }

  /** The ledger the jobs are recorded in: what {@code /api/jobs} reads. */
  public JobLedger ledger() {
    return ledger;
  }

  /**
   * Records the jobs not recorded yet and those that ended since they were; returns how many
   * records were written.
   */
  synchronized int pollOnce() throws IOException {
    List<SimulatedJob> now = model.jobs();
    var batch = new ArrayList<JobRecord>();
    var seen = new HashMap<String, Boolean>();
    for (SimulatedJob j : now) {
      Boolean ended = recorded.get(j.id());
      if (ended == null || (!ended && !j.running())) {
        batch.add(record(j));
      }
      seen.put(j.id(), !j.running());
    }
    if (!batch.isEmpty()) {
      ledger.record(batch);
    }
    // Jobs the model forgot are done with: the map stays the size of what it reports.
    recorded.clear();
    recorded.putAll(seen);
    return batch.size();
  }

  /** The record a scheduler poller would write for {@code j}: one hold per GPU, for its run. */
  static JobRecord record(SimulatedJob j) {
    var holds = new ArrayList<GpuHold>(j.gpus().size());
    for (int g : j.gpus()) {
      holds.add(new GpuHold(j.node(), Integer.toString(g), j.start(), j.end()));
    }
    return new JobRecord(
        "sim/" + j.cluster() + "/" + j.id(),
        JobOrigin.SIMULATED,
        j.cluster(),
        j.name(),
        j.user(),
        j.account(),
        PARTITION,
        j.start(),
        j.end(),
        holds);
  }

  private void loop() {
    while (!closed) {
      try {
        Thread.sleep(every);
      } catch (InterruptedException e) {
        return;
      }
      try {
        pollOnce();
      } catch (IOException | RuntimeException e) {
        // A failed write is tried again with the next poll: nothing is marked recorded.
        log.warn("recording the demo's jobs failed", e);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    poller.interrupt();
    try {
      if (poller.isAlive()) {
        poller.join(Duration.ofSeconds(5));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsLedger) {
      try {
        ledger.close();
      } catch (IOException e) {
        log.warn("closing the demo's job ledger failed", e);
      }
    }
  }
}
