package io.kilowatch.testkit.opcua;

import java.util.List;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.structured.EUInformation;
import org.eclipse.milo.opcua.stack.core.types.structured.EnumValueType;
import org.eclipse.milo.opcua.stack.core.types.structured.Range;

/**
 * The standard properties (OPC UA Part 8) a {@link FakeVariable} declares besides its value. Every
 * one is optional, as on a real server: null or empty for those it lacks.
 *
 * @param engineeringUnits the {@code EngineeringUnits} property (an AnalogItem's unit)
 * @param euRange the {@code EURange} property
 * @param trueState the {@code TrueState} of a TwoStateDiscrete variable
 * @param falseState the {@code FalseState} of a TwoStateDiscrete variable
 * @param enumStrings the {@code EnumStrings} of a MultiStateDiscrete variable, by value 0, 1, …
 * @param enumValues the {@code EnumValues} of a MultiStateValueDiscrete variable
 */
public record FakeProperties(
    EUInformation engineeringUnits,
    Range euRange,
    LocalizedText trueState,
    LocalizedText falseState,
    List<LocalizedText> enumStrings,
    List<EnumValueType> enumValues) {

  public static final FakeProperties NONE =
      new FakeProperties(null, null, null, null, List.of(), List.of());

  public FakeProperties {
    enumStrings = enumStrings == null ? List.of() : List.copyOf(enumStrings);
    enumValues = enumValues == null ? List.of() : List.copyOf(enumValues);
  }

  /** The type definition a server would give a variable with these properties. */
  NodeId typeDefinition() {
    if (trueState != null || falseState != null) {
      return NodeIds.TwoStateDiscreteType;
    }
    if (!enumValues.isEmpty()) {
      return NodeIds.MultiStateValueDiscreteType;
    }
    if (!enumStrings.isEmpty()) {
      return NodeIds.MultiStateDiscreteType;
    }
    if (engineeringUnits != null || euRange != null) {
      return NodeIds.AnalogItemType;
    }
    return NodeIds.BaseDataVariableType;
  }
}
