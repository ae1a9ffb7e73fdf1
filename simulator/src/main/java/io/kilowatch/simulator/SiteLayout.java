package io.kilowatch.simulator;

import java.util.ArrayList;
import java.util.List;

/**
 * The demo hall's fixed shape: 2 clusters of 4 racks; a rack has 2 PDUs (each carrying half of it)
 * and 4 GPU nodes of 8 GPUs; one CDU per cluster; a main meter and a cooling-plant meter.
 */
public record SiteLayout(List<ClusterSpec> clusters) {
  public static final String MAIN_METER = "main-meter";
  public static final String COOLING_PLANT = "cooling-plant";
  public static final int GPUS_PER_NODE = 8;

  public SiteLayout {
    clusters = List.copyOf(clusters);
  }

  /** One cluster and the CDU that cools it. */
  public record ClusterSpec(String id, String cduId, List<RackSpec> racks) {
    public ClusterSpec {
      racks = List.copyOf(racks);
    }
  }

  /** One rack: its PDUs and its GPU nodes. */
  public record RackSpec(String id, String clusterId, List<String> pduIds, List<String> nodeIds) {
    public RackSpec {
      pduIds = List.copyOf(pduIds);
      nodeIds = List.copyOf(nodeIds);
    }
  }

  public static SiteLayout demo() {
    List<ClusterSpec> clusters = new ArrayList<>();
    for (int c = 1; c <= 2; c++) {
      String cluster = "c" + c;
      List<RackSpec> racks = new ArrayList<>();
      for (int r = 1; r <= 4; r++) {
        String rack = cluster + "-r" + r;
        List<String> nodes = new ArrayList<>();
        for (int n = 1; n <= 4; n++) {
          nodes.add(rack + "-n" + n);
        }
        racks.add(new RackSpec(rack, cluster, List.of(rack + "-pdu-a", rack + "-pdu-b"), nodes));
      }
      clusters.add(new ClusterSpec(cluster, cluster + "-cdu", racks));
    }
    return new SiteLayout(clusters);
  }

  public List<RackSpec> racks() {
    return clusters.stream().flatMap(c -> c.racks().stream()).toList();
  }

  public List<String> pduIds() {
    return racks().stream().flatMap(r -> r.pduIds().stream()).toList();
  }

  public List<String> nodeIds() {
    return racks().stream().flatMap(r -> r.nodeIds().stream()).toList();
  }

  public List<String> cduIds() {
    return clusters.stream().map(ClusterSpec::cduId).toList();
  }
}
