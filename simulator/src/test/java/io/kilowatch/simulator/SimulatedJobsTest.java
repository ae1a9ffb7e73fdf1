package io.kilowatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The demo's job simulator: jobs a scheduler could have placed, and the load they put there. */
class SimulatedJobsTest {
  private static final Instant START = Instant.parse("2026-06-01T10:00:00Z");

  /** Two simulated hours, polled every 30 s: every job in its latest state, by id. */
  private static Map<String, SimulatedJob> twoHours(SiteModel model) {
    var jobs = new LinkedHashMap<String, SimulatedJob>();
    for (int i = 0; i < 240; i++) {
      model.advance(Duration.ofSeconds(30));
      model.jobs().forEach(j -> jobs.put(j.id(), j));
    }
    return jobs;
  }

  @Test
  void jobsHoldOneToEightGpusOfOneDemoNodeAndNeverShareAGpu() {
    var model = new SiteModel(DemoOptions.defaults(), START);
    var jobs = twoHours(model);
    var clusterOf = new HashMap<String, String>();
    for (var rack : model.layout().racks()) {
      rack.nodeIds().forEach(n -> clusterOf.put(n, rack.clusterId()));
    }
    // 256 GPUs, about three quarters busy, jobs of 3–20 min: hundreds of jobs in two hours.
    assertThat(jobs).hasSizeGreaterThan(200);
    var byGpu = new HashMap<String, List<SimulatedJob>>();
    for (SimulatedJob j : jobs.values()) {
      assertThat(clusterOf).as(j.id()).containsEntry(j.node(), j.cluster());
      assertThat(j.gpus())
          .as(j.id())
          .isNotEmpty()
          .hasSizeLessThanOrEqualTo(8)
          .doesNotHaveDuplicates();
      assertThat(j.gpus()).as(j.id()).allSatisfy(g -> assertThat(g).isBetween(0, 7));
      if (!j.running()) {
        assertThat(j.end()).as(j.id()).isAfter(j.start());
      }
      for (int g : j.gpus()) {
        byGpu.computeIfAbsent(j.node() + "/" + g, k -> new ArrayList<>()).add(j);
      }
    }
    // On each GPU, a job starts no earlier than the one before it ended; only the last may run.
    for (var e : byGpu.entrySet()) {
      var list = e.getValue();
      list.sort(Comparator.comparing(SimulatedJob::start));
      for (int i = 1; i < list.size(); i++) {
        SimulatedJob before = list.get(i - 1);
        assertThat(before.running()).as("%s before %s", before.id(), list.get(i).id()).isFalse();
        assertThat(list.get(i).start()).as(e.getKey()).isAfterOrEqualTo(before.end());
      }
    }
    assertThat(jobs.values().stream().map(SimulatedJob::account).distinct()).hasSizeGreaterThan(2);
    assertThat(jobs.values().stream().map(SimulatedJob::user).distinct()).hasSizeGreaterThan(3);
  }

  @Test
  void aGpuIsBusyOnlyWhileAJobHoldsItAndSomeNodesIdleWhole() {
    var model = new SiteModel(DemoOptions.defaults().withCoolingFaults(false), START);
    boolean nodeIdle = false;
    for (int i = 0; i < 60; i++) {
      SiteSnapshot s = model.advance(Duration.ofSeconds(47));
      Instant now = s.time();
      Set<String> held = new HashSet<>();
      Set<String> settled = new HashSet<>();
      for (SimulatedJob j : model.jobs()) {
        if (j.running()) {
          for (int g : j.gpus()) {
            held.add(j.node() + "/" + g);
            // A job's first seconds ramp from zero: from 5 s in, its GPUs are visibly busy.
            if (j.start().isBefore(now.minusSeconds(5))) {
              settled.add(j.node() + "/" + g);
            }
          }
        }
      }
      for (NodeReading node : s.nodes()) {
        boolean any = false;
        for (GpuReading g : node.gpus()) {
          String key = node.id() + "/" + g.index();
          any |= held.contains(key);
          if (!held.contains(key)) {
            assertThat(g.utilPct()).as("%s at %s", key, now).isZero();
          } else if (settled.contains(key)) {
            assertThat(g.utilPct()).as("%s at %s", key, now).isPositive();
          }
        }
        nodeIdle |= !any;
      }
    }
    assertThat(nodeIdle).as("some node ran no job at some poll").isTrue();
  }

  @Test
  void theSameSeedGivesTheSameJobs() {
    var a = twoHours(new SiteModel(DemoOptions.defaults(), START));
    var b = twoHours(new SiteModel(DemoOptions.defaults(), START));
    assertThat(b).isEqualTo(a);
  }
}
