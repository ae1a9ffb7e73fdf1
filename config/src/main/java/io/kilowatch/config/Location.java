package io.kilowatch.config;

/**
 * Where a device sits. Both parts are {@code null} for facility-level devices; {@code rack} is
 * {@code null} for cluster-level ones.
 */
public record Location(String cluster, String rack) {
  public static final Location FACILITY = new Location(null, null);
}
