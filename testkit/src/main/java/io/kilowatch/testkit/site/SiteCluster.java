package io.kilowatch.testkit.site;

import java.util.List;
import java.util.Map;

/**
 * One cluster of a {@link SiteBuilder} site.
 *
 * @param name null for none
 * @param devices cluster-level devices such as its CDUs
 */
public record SiteCluster(String id, String name, List<SiteDevice> devices, List<SiteRack> racks) {
  public SiteCluster {
    devices = List.copyOf(devices);
    racks = List.copyOf(racks);
  }

  Map<String, Object> tree() {
    return YamlMaps.of(
        "id",
        id,
        "name",
        name,
        "devices",
        devices.isEmpty() ? null : devices.stream().map(SiteDevice::tree).toList(),
        "racks",
        racks.stream().map(SiteRack::tree).toList());
  }
}
