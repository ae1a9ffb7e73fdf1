package io.kilowatch.analytics;

import java.time.Instant;
import java.util.List;

/** Thermal-throttle risk of the whole site at one instant. */
public record RiskReport(Instant at, List<Risk> clusters, List<Risk> racks, List<Risk> gpus) {
  public RiskReport {
    clusters = List.copyOf(clusters);
    racks = List.copyOf(racks);
    gpus = List.copyOf(gpus);
  }

  public Risk cluster(String id) {
    return clusters.stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
  }
}
