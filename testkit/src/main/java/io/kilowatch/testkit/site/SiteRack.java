package io.kilowatch.testkit.site;

import java.util.List;
import java.util.Map;

/** One rack of a {@link SiteCluster}. */
public record SiteRack(String id, List<SiteDevice> devices) {
  public SiteRack {
    devices = List.copyOf(devices);
  }

  Map<String, Object> tree() {
    return YamlMaps.of("id", id, "devices", devices.stream().map(SiteDevice::tree).toList());
  }
}
