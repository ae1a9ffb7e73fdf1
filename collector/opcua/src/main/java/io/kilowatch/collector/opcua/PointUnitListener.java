package io.kilowatch.collector.opcua;

import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Units;

/**
 * Told what an OPC UA server declares about the units and states of configured points, when it
 * first does and whenever that changes across reconnects. The application hands {@link #declared}
 * to {@code SeriesUnits.learn}, so a point configured without a unit carries the server's.
 *
 * <p>Called on the collector's connecting thread; a listener that throws is logged and ignored.
 */
@FunctionalInterface
public interface PointUnitListener {
  /** Listens to nothing: declarations and mismatches are still logged. */
  PointUnitListener NONE = (deviceId, measurement, field, unit) -> {};

  /**
   * The unit, state names, or both, that a point takes from the server because its configuration
   * names none. {@code unit} is complete: it holds what the configuration does set (quantity, or a
   * unit of {@code 1} with the server's state names).
   */
  void declared(String deviceId, String measurement, String field, PointUnit unit);

  /**
   * The server declares a unit the configured one disagrees with (after {@code scale} and {@code
   * offset}). The configured unit is kept and values are not converted; {@code message} says so,
   * naming the point, the device and both units, as the log does.
   */
  default void mismatch(
      String deviceId, String point, PointUnit configured, Units.Parsed server, String message) {}
}
