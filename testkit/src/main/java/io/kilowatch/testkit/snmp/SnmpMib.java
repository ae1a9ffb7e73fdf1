package io.kilowatch.testkit.snmp;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.Variable;

/**
 * What one simulated agent serves: object types (scalars and table columns) and their instances in
 * OID order, each instance's value read from its supplier when a request asks for it, so a
 * simulator serves live power and energy. Immutable once built; the suppliers may be called from
 * the agent's thread at any time.
 *
 * <p>The object types are kept apart from the instances because RFC 3416 (4.2.1) answers a GET for
 * an instance that does not exist differently depending on whether its object type does ({@code
 * noSuchInstance}) or does not ({@code noSuchObject}).
 */
public final class SnmpMib {
  private final NavigableMap<OID, Supplier<? extends Variable>> instances;
  private final NavigableSet<OID> objectTypes;
  private final Runnable onRequest;

  private SnmpMib(
      NavigableMap<OID, Supplier<? extends Variable>> instances,
      NavigableSet<OID> objectTypes,
      Runnable onRequest) {
    this.instances = Collections.unmodifiableNavigableMap(new TreeMap<>(instances));
    this.objectTypes = Collections.unmodifiableNavigableSet(new TreeSet<>(objectTypes));
    this.onRequest = onRequest;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Instance OIDs in lexicographic (walk) order. */
  public NavigableSet<OID> instances() {
    return instances.navigableKeySet();
  }

  public int size() {
    return instances.size();
  }

  /** Runs the hook given to {@link Builder#onRequest} before a request's values are read. */
  void beforeRequest() {
    onRequest.run();
  }

  /** The instance's value now, or null when there is no such instance. */
  Variable value(OID instance) {
    Supplier<? extends Variable> s = instances.get(instance);
    return s == null ? null : s.get();
  }

  /** The first instance after {@code oid} in walk order, or null past the end of the view. */
  Map.Entry<OID, Supplier<? extends Variable>> next(OID oid) {
    return instances.higherEntry(oid);
  }

  /** Whether {@code oid} lies under an object type this agent implements. */
  boolean objectTypeKnown(OID oid) {
    OID floor = objectTypes.floor(oid);
    return floor != null && oid.startsWith(floor) && oid.size() > floor.size();
  }

  /** Collects object types and instances; the last value given for an instance wins. */
  public static final class Builder {
    private final NavigableMap<OID, Supplier<? extends Variable>> instances = new TreeMap<>();
    private final NavigableSet<OID> objectTypes = new TreeSet<>();
    private Runnable onRequest = () -> {};

    private Builder() {}

    /**
     * Runs {@code hook} once per request, before any of its values are read, on the thread that
     * then reads them: a simulator takes one reading of its state there, so the values of one
     * request come from one instant as a real device's one measurement cycle does.
     */
    public Builder onRequest(Runnable hook) {
      this.onRequest = Objects.requireNonNull(hook, "hook");
      return this;
    }

    /** A scalar object: its one instance is {@code object.0}. */
    public Builder scalar(OID object, Supplier<? extends Variable> value) {
      objectTypes.add(new OID(object));
      instances.put(new OID(object).append(0), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** One cell of a table: {@code column.index}. */
    public Builder cell(OID column, OID index, Supplier<? extends Variable> value) {
      objectTypes.add(new OID(column));
      OID instance = new OID(column);
      instance.append(index);
      instances.put(instance, Objects.requireNonNull(value, "value"));
      return this;
    }

    /** A fixed value, for identity objects such as sysDescr. */
    public Builder scalar(OID object, Variable value) {
      Variable fixed = Objects.requireNonNull(value, "value");
      return scalar(object, () -> fixed);
    }

    /** A cell with a fixed value, for configuration such as a sensor's decimal digits. */
    public Builder cell(OID column, OID index, Variable value) {
      Variable fixed = Objects.requireNonNull(value, "value");
      return cell(column, index, () -> fixed);
    }

    public SnmpMib build() {
      return new SnmpMib(instances, objectTypes, onRequest);
    }
  }
}
