package io.kilowatch.collector.opcua;

import io.kilowatch.config.units.Units;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an OPC UA server declares about one variable in its standard properties (OPC UA Part 8),
 * read on every connect. Every part is optional, as it is on the server.
 *
 * @param unitCode the UNECE common code of {@code EngineeringUnits} ({@code KWT}), or the raw
 *     unitId in decimal when it does not unpack to one; null when the node declares no unit
 * @param unitName the unit's display name as the server gives it ({@code kW}); null without a unit
 * @param unit the unit kilowatch reads the code as; null without a unit or for a code it does not
 *     know
 * @param range the {@code EURange}, or null
 * @param states state names by value: {@code FalseState}/{@code TrueState} as 0/1, {@code
 *     EnumStrings} by index, or {@code EnumValues}; empty when the node names none
 */
public record ServerDeclaration(
    String unitCode,
    String unitName,
    Units.Parsed unit,
    Range range,
    SortedMap<Long, String> states) {

  /** A node that declares nothing. */
  public static final ServerDeclaration NONE = new ServerDeclaration(null, null, null, null, null);

  public ServerDeclaration {
    states = Collections.unmodifiableSortedMap(new TreeMap<>(states == null ? Map.of() : states));
  }

  /** The range a value is expected in, in the server's unit. */
  public record Range(double low, double high) {}

  /** Whether the node declares nothing kilowatch reads. */
  public boolean isEmpty() {
    return unitCode == null && range == null && states.isEmpty();
  }
}
