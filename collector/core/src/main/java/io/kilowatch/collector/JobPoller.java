package io.kilowatch.collector;

import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobLedger;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.time.Sleeper;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls each {@link JobSource} on its own named virtual thread and records what is new or changed
 * into the {@link JobLedger}, so a slow scheduler never holds up another source, and nothing waits
 * on the web API's reads of the ledger beyond one append. A source that fails is DOWN and retried
 * with exponential backoff (its interval doubled per failure, capped at {@code maxBackoff}); only
 * the changes between up and down are logged.
 *
 * <p>Schedulers forget a job's devices when it ends (slurmctld answers an empty {@code gres_detail}
 * for a completed job), so a job that comes back ended without GPUs keeps the GPUs it was last
 * recorded with, each held until the job's end.
 */
public final class JobPoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobPoller.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  /** What the poller knows of one source, for status pages and tests. */
  public record SourceStatus(
      String source, boolean up, int failures, Instant lastSuccess, String lastError) {}

  private final List<JobSource> sources;
  private final JobLedger ledger;
  private final Duration maxBackoff;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Map<String, SourceStatus> statuses = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  public JobPoller(List<JobSource> sources, JobLedger ledger, Duration maxBackoff, Clock clock) {
    this(sources, ledger, maxBackoff, clock, Sleeper.SYSTEM);
  }

  public JobPoller(
      List<JobSource> sources,
      JobLedger ledger,
      Duration maxBackoff,
      Clock clock,
      Sleeper sleeper) {
    this.sources = List.copyOf(sources);
    this.ledger = ledger;
    this.maxBackoff = maxBackoff;
    this.clock = clock;
    this.sleeper = sleeper;
    for (JobSource s : this.sources) {
      statuses.put(s.name(), new SourceStatus(s.name(), false, 0, null, "not polled yet"));
    }
  }

  /** Starts one virtual thread per source. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    int i = 0;
    for (JobSource source : sources) {
      threads.add(Thread.ofVirtual().name("jobs-" + i++).start(() -> loop(source)));
    }
  }

  /** Each source's state, in the order the sources were given. */
  public List<SourceStatus> status() {
    return sources.stream().map(s -> statuses.get(s.name())).toList();
  }

  private void loop(JobSource source) {
    // The last version of each job recorded from this source, while the source still reports it;
    // what it no longer reports is dropped, so this stays the size of the scheduler's own view.
    Map<String, JobRecord> recorded = new HashMap<>();
    int failures = 0;
    while (running) {
      Duration wait;
      try {
        List<JobRecord> now = source.poll();
        fromLedger(recorded, now);
        List<JobRecord> changed = changes(recorded, now);
        if (!changed.isEmpty()) {
          ledger.record(changed);
        }
        recorded.keySet().retainAll(now.stream().map(JobRecord::id).toList());
        if (failures > 0 || !statuses.get(source.name()).up()) {
          log.info("job source {} is up", source.name());
        }
        failures = 0;
        statuses.put(
            source.name(), new SourceStatus(source.name(), true, 0, clock.instant(), null));
        wait = source.interval();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (IOException | RuntimeException e) {
        failures++;
        SourceStatus before = statuses.get(source.name());
        if (before.up() || failures == 1) {
          log.warn("job source {} is down: {}", source.name(), e.toString());
        }
        statuses.put(
            source.name(),
            new SourceStatus(source.name(), false, failures, before.lastSuccess(), e.toString()));
        wait = Backoff.delay(source.interval(), failures, maxBackoff, ThreadLocalRandom.current());
      }
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * After a restart the poller has not seen the running version of a job that now comes back ended
   * and without GPUs; the ledger has it.
   */
  private void fromLedger(Map<String, JobRecord> recorded, List<JobRecord> now) {
    for (JobRecord job : now) {
      if (job.gpus().isEmpty() && !job.running() && !recorded.containsKey(job.id())) {
        for (JobRecord kept : ledger.overlapping(job.start(), job.start().plusNanos(1))) {
          if (kept.id().equals(job.id())) {
            recorded.put(job.id(), kept);
          }
        }
      }
    }
  }

  /**
   * The jobs of {@code now} that differ from what {@code recorded} holds, completed with the GPUs
   * an ended job was last recorded with; {@code recorded} is updated with them.
   */
  static List<JobRecord> changes(Map<String, JobRecord> recorded, List<JobRecord> now) {
    Map<String, JobRecord> out = new LinkedHashMap<>();
    for (JobRecord job : now) {
      JobRecord before = recorded.get(job.id());
      JobRecord merged = keepGpus(before, job);
      if (!merged.equals(before)) {
        out.put(merged.id(), merged);
        recorded.put(merged.id(), merged);
      }
    }
    return List.copyOf(out.values());
  }

  static JobRecord keepGpus(JobRecord before, JobRecord job) {
    if (!job.gpus().isEmpty() || before == null || before.gpus().isEmpty()) {
      return job;
    }
    List<GpuHold> held = new ArrayList<>();
    for (GpuHold h : before.gpus()) {
      Instant to = h.to() != null ? h.to() : job.end();
      held.add(new GpuHold(h.device(), h.gpu(), h.from(), to));
    }
    return new JobRecord(
        job.id(),
        job.origin(),
        job.cluster(),
        job.name(),
        job.user(),
        job.account(),
        job.partition(),
        job.start(),
        job.end(),
        held);
  }

  @Override
  public void close() {
    List<Thread> stopping;
    synchronized (this) {
      running = false;
      stopping = List.copyOf(threads);
      threads.clear();
    }
    for (Thread t : stopping) {
      t.interrupt();
    }
    for (Thread t : stopping) {
      try {
        t.join(CLOSE_WAIT);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
