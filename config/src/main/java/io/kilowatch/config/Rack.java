package io.kilowatch.config;

import java.util.List;

/** A rack and the devices in it (PDUs, GPU nodes, sensors). */
public record Rack(String id, List<Device> devices) {
  public Rack {
    devices = List.copyOf(devices);
  }
}
