package io.kilowatch.simulator;

import java.util.ArrayList;
import java.util.List;

/**
 * The demo hall's fixed shape: 2 clusters of 4 racks; a rack has 3 PDUs and 4 GPU nodes of 8 GPUs;
 * one CDU per cluster; a main meter and a cooling-plant meter. A rack's PDUs are three feeds that
 * share it: feeds A and B, three-phase Modbus PDUs, and feed C, a single-phase Raritan PDU read
 * over SNMP with one metered outlet per node.
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

  /**
   * One rack: its Modbus PDUs (feeds A and B), its SNMP PDU (feed C) and its GPU nodes; the SNMP
   * PDU's outlet {@code i} (from 1) feeds node {@code i}.
   */
  public record RackSpec(
      String id, String clusterId, List<String> pduIds, String snmpPduId, List<String> nodeIds) {
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
        racks.add(
            new RackSpec(
                rack, cluster, List.of(rack + "-pdu-a", rack + "-pdu-b"), rack + "-pdu-c", nodes));
      }
      clusters.add(new ClusterSpec(cluster, cluster + "-cdu", racks));
    }
    return new SiteLayout(clusters);
  }

  public List<RackSpec> racks() {
    return clusters.stream().flatMap(c -> c.racks().stream()).toList();
  }

  /** The Modbus PDUs (feeds A and B). */
  public List<String> pduIds() {
    return racks().stream().flatMap(r -> r.pduIds().stream()).toList();
  }

  /** The SNMP PDUs (feed C), one per rack. */
  public List<String> snmpPduIds() {
    return racks().stream().map(RackSpec::snmpPduId).toList();
  }

  public List<String> nodeIds() {
    return racks().stream().flatMap(r -> r.nodeIds().stream()).toList();
  }

  public List<String> cduIds() {
    return clusters.stream().map(ClusterSpec::cduId).toList();
  }
}
