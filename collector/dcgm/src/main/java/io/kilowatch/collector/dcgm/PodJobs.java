package io.kilowatch.collector.dcgm;

import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobLedger;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes pods as jobs, from the {@code pod}, {@code namespace} and {@code container} labels
 * dcgm-exporter puts on each GPU's series (with its Kubernetes pod mapping on). Successive scrapes
 * of a node give which pod held which GPU when: a pod's job starts at the first scrape that shows
 * it, each of its GPUs is held from the first scrape showing the pair, and the hold (and, once no
 * GPU is left, the job) ends at the first scrape without it. A scrape that fails changes nothing.
 *
 * <p>Job id {@code k8s/<namespace>/<pod>}, account = namespace, name = pod, user = the container
 * (Kubernetes has no submitting user in these labels); partition is left empty (the scrapes carry
 * no owner). Changes are recorded in the ledger at once. After a restart the first scrape of a node
 * takes up the pods the ledger still has running there.
 */
public final class PodJobs {
  private static final Logger log = LoggerFactory.getLogger(PodJobs.class);

  /** The pod on one GPU, as dcgm-exporter labels it. */
  public record GpuPod(String namespace, String pod, String container) {
    String id() {
      return "k8s/" + namespace + "/" + pod;
    }
  }

  private final JobLedger ledger;
  private final Map<String, Node> nodes = new ConcurrentHashMap<>();

  public PodJobs(JobLedger ledger) {
    this.ledger = ledger;
  }

  /** GPU index to the pods on it, from one scrape's series; series without a pod are skipped. */
  public static Map<String, Set<GpuPod>> pods(List<PrometheusTextParser.Series> series) {
    Map<String, Set<GpuPod>> out = new TreeMap<>();
    for (var s : series) {
      String gpu = s.labels().get("gpu");
      String pod = s.labels().get("pod");
      String namespace = s.labels().get("namespace");
      if (gpu == null || pod == null || pod.isEmpty() || namespace == null) {
        continue;
      }
      out.computeIfAbsent(
              gpu, g -> new java.util.TreeSet<>(java.util.Comparator.comparing(GpuPod::id)))
          .add(new GpuPod(namespace, pod, s.labels().getOrDefault("container", "")));
    }
    return out;
  }

  /** One node's pods and their open holds. */
  private static final class Node {
    final Map<String, Pod> pods = new LinkedHashMap<>();
    boolean loaded;
  }

  private static final class Pod {
    final GpuPod who;
    final Instant start;
    final Map<String, Instant> open = new TreeMap<>();
    final List<GpuHold> closed = new ArrayList<>();

    Pod(GpuPod who, Instant start) {
      this.who = who;
      this.start = start;
    }
  }

  /**
   * One successful scrape of {@code device} at {@code at}: records in the ledger what changed.
   *
   * @throws IOException when the ledger cannot record
   */
  public void scraped(String cluster, String device, Instant at, Map<String, Set<GpuPod>> gpus)
      throws IOException {
    Node node = nodes.computeIfAbsent(device, d -> new Node());
    synchronized (node) {
      if (!node.loaded) {
        takeUp(node, device, at);
        node.loaded = true;
      }
      Map<String, Set<String>> seen = new HashMap<>();
      Map<String, GpuPod> who = new HashMap<>();
      gpus.forEach(
          (gpu, pods) ->
              pods.forEach(
                  p -> {
                    seen.computeIfAbsent(p.id(), k -> new java.util.TreeSet<>()).add(gpu);
                    who.putIfAbsent(p.id(), p);
                  }));
      List<JobRecord> changed = new ArrayList<>();
      for (var e : seen.entrySet()) {
        Pod pod = node.pods.computeIfAbsent(e.getKey(), k -> new Pod(who.get(k), at));
        boolean change = pod.open.isEmpty() && pod.closed.isEmpty();
        for (String gpu : e.getValue()) {
          if (!pod.open.containsKey(gpu)) {
            pod.open.put(gpu, at);
            change = true;
          }
        }
        for (var it = pod.open.entrySet().iterator(); it.hasNext(); ) {
          var hold = it.next();
          if (!e.getValue().contains(hold.getKey())) {
            pod.closed.add(new GpuHold(device, hold.getKey(), hold.getValue(), at));
            it.remove();
            change = true;
          }
        }
        if (change) {
          changed.add(record(cluster, device, pod, null));
        }
      }
      for (var it = node.pods.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (seen.containsKey(e.getKey())) {
          continue;
        }
        Pod pod = e.getValue();
        pod.open.forEach((gpu, from) -> pod.closed.add(new GpuHold(device, gpu, from, at)));
        pod.open.clear();
        changed.add(record(cluster, device, pod, at));
        it.remove();
      }
      if (!changed.isEmpty()) {
        ledger.record(changed);
      }
    }
  }

  private static JobRecord record(String cluster, String device, Pod pod, Instant end) {
    List<GpuHold> holds = new ArrayList<>(pod.closed);
    pod.open.forEach((gpu, from) -> holds.add(new GpuHold(device, gpu, from, null)));
    return new JobRecord(
        pod.who.id(),
        JobOrigin.KUBERNETES,
        cluster,
        pod.who.pod(),
        pod.who.container(),
        pod.who.namespace(),
        "",
        pod.start,
        end,
        holds);
  }

  /** The pods the ledger has running on this node: after a restart, they go on or end now. */
  private void takeUp(Node node, String device, Instant at) {
    for (JobRecord j : ledger.overlapping(at, at.plusNanos(1))) {
      if (j.origin() != JobOrigin.KUBERNETES || !j.running()) {
        continue;
      }
      if (j.gpus().stream().noneMatch(h -> h.device().equals(device) && h.to() == null)) {
        continue;
      }
      String[] parts = j.id().split("/", 3);
      if (parts.length != 3) {
        continue;
      }
      var pod = new Pod(new GpuPod(parts[1], parts[2], j.user()), j.start());
      for (GpuHold h : j.gpus()) {
        if (h.to() == null) {
          pod.open.put(h.gpu(), h.from());
        } else {
          pod.closed.add(h);
        }
      }
      node.pods.put(j.id(), pod);
    }
    if (!node.pods.isEmpty()) {
      log.info("device {}: {} running pods taken up from the job ledger", device, node.pods.size());
    }
  }
}
