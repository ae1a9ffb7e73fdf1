package io.kilowatch.testkit.opcua;

import java.util.Objects;
import java.util.function.Supplier;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;

/**
 * One variable of an {@link OpcUaFakeServer}, by string id: {@code a/b} is variable {@code b} in
 * folder {@code a} under Objects, so browse paths work. Either stored (it holds the last value set)
 * or computed (its value is worked out at each read, stamped with the read's instant).
 *
 * @param dataType the OPC UA data type; numeric types matter, as servers accept a deadband only on
 *     numeric variables
 * @param initial the stored value, null for a computed variable
 * @param computed the value at the moment of a read, null for a stored variable
 */
public record FakeVariable(String id, NodeId dataType, DataValue initial, Supplier<?> computed) {
  public FakeVariable {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(dataType, "dataType");
    if ((initial == null) == (computed == null)) {
      throw new IllegalArgumentException(id + ": give either a stored or a computed value");
    }
  }

  /** A variable holding {@code value} until set otherwise; the data type follows the value. */
  public static FakeVariable stored(String id, DataValue value) {
    return new FakeVariable(id, dataTypeOf(value), value, null);
  }

  /** A variable whose value {@code value} computes at each read. */
  public static FakeVariable computed(String id, NodeId dataType, Supplier<?> value) {
    return new FakeVariable(id, dataType, null, value);
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
