package io.kilowatch.analytics.carbon;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** One factor for every hour (a yearly grid average, or a supplier's declared factor). */
public record StaticIntensity(double gPerKwh) implements IntensityProvider {
  @Override
  public String name() {
    return "static";
  }

  @Override
  public List<IntensityPoint> fetch(Instant from, Instant to) {
    var out = new ArrayList<IntensityPoint>();
    for (Instant h = from.truncatedTo(ChronoUnit.HOURS); h.isBefore(to); h = h.plusSeconds(3600)) {
      out.add(new IntensityPoint(h, Duration.ofHours(1), gPerKwh, true));
    }
    return out;
  }
}
