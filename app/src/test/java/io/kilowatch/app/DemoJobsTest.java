package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.jobs.FileJobLedger;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobLedger;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.SimulatedJob;
import io.kilowatch.simulator.SiteModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's jobs as a job ledger receives them: what the Jobs page attributes energy to. */
class DemoJobsTest {
  private static final Instant START = Instant.parse("2026-06-01T10:00:00Z");

  /** The file ledger, counting how many times each id was written. */
  static final class Counted implements JobLedger {
    final JobLedger file;
    final Map<String, Integer> writes = new HashMap<>();

    Counted(JobLedger file) {
      this.file = file;
    }

    @Override
    public void record(Collection<JobRecord> jobs) throws IOException {
      file.record(jobs);
      jobs.forEach(j -> writes.merge(j.id(), 1, Integer::sum));
    }

    @Override
    public List<JobRecord> overlapping(Instant from, Instant to) {
      return file.overlapping(from, to);
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  @TempDir Path dir;

  @Test
  void everyJobIsRecordedRunningThenEndedWithItsGpusHeldOverItsRunAndNoGpuTwice() throws Exception {
    var model = new SiteModel(DemoOptions.defaults(), START);
    var ledger = new Counted(FileJobLedger.open(dir));
    var latest = new LinkedHashMap<String, SimulatedJob>();
    var nodes = new HashMap<String, String>();
    for (var rack : model.layout().racks()) {
      rack.nodeIds().forEach(n -> nodes.put(n, rack.clusterId()));
    }
    try (ledger;
        var jobs = DemoJobs.manual(model, ledger)) {
      for (int i = 0; i < 240; i++) {
        model.advance(Duration.ofSeconds(30));
        jobs.pollOnce();
        model.jobs().forEach(j -> latest.put("sim/" + j.cluster() + "/" + j.id(), j));
      }
    }
    // The ledger, read back from its file, ends as the scheduler's last word on every job: same
    // jobs, same ends.
    List<JobRecord> kept;
    try (var reopened = FileJobLedger.open(dir)) {
      kept = reopened.overlapping(START.minus(Duration.ofDays(1)), START.plus(Duration.ofDays(1)));
    }
    assertThat(kept).extracting(JobRecord::id).containsExactlyInAnyOrderElementsOf(latest.keySet());
    var byGpu = new HashMap<String, List<JobRecord>>();
    for (JobRecord r : kept) {
      SimulatedJob sim = latest.get(r.id());
      assertThat(r.origin()).isEqualTo(JobOrigin.SIMULATED);
      assertThat(r.end()).as(r.id()).isEqualTo(sim.end());
      assertThat(r.start()).as(r.id()).isEqualTo(sim.start());
      assertThat(r.user()).isNotEmpty();
      assertThat(r.account()).isNotEmpty();
      // Written once when first seen, once more when it ended: never again.
      assertThat(ledger.writes.get(r.id())).as(r.id()).isBetween(1, 2);
      assertThat(r.gpus()).hasSizeBetween(1, 8);
      for (GpuHold h : r.gpus()) {
        assertThat(nodes).as(r.id()).containsEntry(h.device(), r.cluster());
        assertThat(h.gpu()).matches("[0-7]");
        assertThat(h.from()).as(r.id()).isAfterOrEqualTo(r.start());
        if (r.end() == null) {
          assertThat(h.to()).as(r.id()).isNull();
        } else {
          assertThat(h.to()).as(r.id()).isNotNull().isBeforeOrEqualTo(r.end());
        }
        byGpu.computeIfAbsent(h.device() + "/" + h.gpu(), k -> new ArrayList<>()).add(r);
      }
    }
    for (var e : byGpu.entrySet()) {
      var list = e.getValue();
      list.sort(Comparator.comparing(JobRecord::start));
      for (int i = 1; i < list.size(); i++) {
        assertThat(list.get(i - 1).end()).as(e.getKey()).isNotNull();
        assertThat(list.get(i).start()).as(e.getKey()).isAfterOrEqualTo(list.get(i - 1).end());
      }
    }
    // Jobs ended within the two hours were seen running first (so written twice) or had already
    // ended at their first poll; both kinds exist, and some still run.
    assertThat(ledger.writes.values()).contains(1, 2);
    assertThat(kept).anyMatch(JobRecord::running);
  }
}
