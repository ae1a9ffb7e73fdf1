package io.kilowatch.config;

import java.util.List;

/**
 * A group of racks that share cooling (one or more CDUs / loops) and are reported together.
 *
 * @param devices cluster-level devices that belong to no rack, typically CDUs
 */
public record Cluster(String id, String name, List<Rack> racks, List<Device> devices) {
  public Cluster {
    racks = List.copyOf(racks);
    devices = List.copyOf(devices);
  }
}
