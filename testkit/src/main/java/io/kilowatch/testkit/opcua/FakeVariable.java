package io.kilowatch.testkit.opcua;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.structured.EUInformation;
import org.eclipse.milo.opcua.stack.core.types.structured.EnumValueType;
import org.eclipse.milo.opcua.stack.core.types.structured.Range;

/**
 * One variable of an {@link OpcUaFakeServer}, by string id: {@code a/b} is variable {@code b} in
 * folder {@code a} under Objects, so browse paths work. Either stored (it holds the last value set)
 * or computed (its value is worked out at each read, stamped with the read's instant).
 *
 * @param dataType the OPC UA data type; numeric types matter, as servers accept a deadband only on
 *     numeric variables
 * @param initial the stored value, null for a computed variable
 * @param computed the value at the moment of a read, null for a stored variable
 * @param properties the unit, range and state names it declares, as the {@code with} methods set
 *     them
 */
public record FakeVariable(
    String id,
    NodeId dataType,
    DataValue initial,
    Supplier<?> computed,
    FakeProperties properties) {
  public FakeVariable {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(dataType, "dataType");
    properties = properties == null ? FakeProperties.NONE : properties;
    if ((initial == null) == (computed == null)) {
      throw new IllegalArgumentException(id + ": give either a stored or a computed value");
    }
  }

  /** A variable holding {@code value} until set otherwise; the data type follows the value. */
  public static FakeVariable stored(String id, DataValue value) {
    return new FakeVariable(id, dataTypeOf(value), value, null, FakeProperties.NONE);
  }

  /** A variable whose value {@code value} computes at each read. */
  public static FakeVariable computed(String id, NodeId dataType, Supplier<?> value) {
    return new FakeVariable(id, dataType, null, value, FakeProperties.NONE);
  }

  /**
   * Declares a unit, as an AnalogItem's {@code EngineeringUnits}: e.g. {@code
   * CefactEngineeringUnits.CODE_KWT} from Milo's UNECE table.
   */
  public FakeVariable withEngineeringUnits(EUInformation unit) {
    var p = properties;
    return with(
        new FakeProperties(
            unit, p.euRange(), p.trueState(), p.falseState(), p.enumStrings(), p.enumValues()));
  }

  /** Declares an {@code EURange}. */
  public FakeVariable withRange(double low, double high) {
    var p = properties;
    return with(
        new FakeProperties(
            p.engineeringUnits(),
            new Range(low, high),
            p.trueState(),
            p.falseState(),
            p.enumStrings(),
            p.enumValues()));
  }

  /** Makes this a TwoStateDiscrete variable with these state names. */
  public FakeVariable withTwoStates(String falseState, String trueState) {
    var p = properties;
    return with(
        new FakeProperties(
            p.engineeringUnits(),
            p.euRange(),
            LocalizedText.english(trueState),
            LocalizedText.english(falseState),
            p.enumStrings(),
            p.enumValues()));
  }

  /** Makes this a MultiStateDiscrete variable whose value {@code i} is named {@code names[i]}. */
  public FakeVariable withEnumStrings(String... names) {
    var p = properties;
    List<LocalizedText> texts = Arrays.stream(names).map(LocalizedText::english).toList();
    return with(
        new FakeProperties(
            p.engineeringUnits(),
            p.euRange(),
            p.trueState(),
            p.falseState(),
            texts,
            p.enumValues()));
  }

  /** Makes this a MultiStateValueDiscrete variable with these values and names. */
  public FakeVariable withEnumValues(Map<Long, String> names) {
    var p = properties;
    List<EnumValueType> values =
        names.entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .map(
                e ->
                    new EnumValueType(
                        e.getKey(), LocalizedText.english(e.getValue()), LocalizedText.NULL_VALUE))
            .toList();
    return with(
        new FakeProperties(
            p.engineeringUnits(),
            p.euRange(),
            p.trueState(),
            p.falseState(),
            p.enumStrings(),
            values));
  }

  private FakeVariable with(FakeProperties p) {
    return new FakeVariable(id, dataType, initial, computed, p);
  }

  boolean isComputed() {
    return computed != null;
  }

  static NodeId dataTypeOf(DataValue value) {
    Object v = value.getValue() == null ? null : value.getValue().getValue();
    return switch (v) {
      case Double d -> NodeIds.Double;
      case Float f -> NodeIds.Float;
      case Integer i -> NodeIds.Int32;
      case Boolean b -> NodeIds.Boolean;
      case String s -> NodeIds.String;
      case null, default -> NodeIds.BaseDataType;
    };
  }
}
