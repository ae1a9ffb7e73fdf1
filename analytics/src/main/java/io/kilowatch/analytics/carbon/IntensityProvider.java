package io.kilowatch.analytics.carbon;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** A source of grid carbon intensity. Implementations bound every request with a timeout. */
public interface IntensityProvider {
  /** Short name for reports, e.g. {@code electricity-maps:FR}. */
  String name();

  /** Intensity periods overlapping {@code [from, to)}, oldest first; may cover only part of it. */
  List<IntensityPoint> fetch(Instant from, Instant to) throws IOException, InterruptedException;
}
