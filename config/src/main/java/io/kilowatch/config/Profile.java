package io.kilowatch.config;

import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Quantity;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A reusable point map for one device model, shared by every device of that model. */
public sealed interface Profile {
  String id();

  List<? extends Point> points();

  /** A point's common part: where its value lands and what it means. */
  sealed interface Point {
    String name();

    /** The unit as configured; {@code null} only for an OPC UA point that takes the server's. */
    String unit();

    /** The configured quantity, or {@code null} to take the one the unit measures. */
    Quantity quantity();

    /** State names by value for a two- or multi-state point; empty otherwise. */
    SortedMap<Long, String> states();

    /**
     * The point's quantity and unit, or {@code null} when no unit is configured.
     *
     * @throws IllegalArgumentException when the unit does not parse or fit (validation reports it)
     */
    default PointUnit pointUnit() {
      return unit() == null ? null : PointUnit.of(unit(), quantity(), states());
    }

    PointKind kind();

    /** Measurement the value is stored in; {@code null} means the device kind's name. */
    String measurement();

    String field();

    Map<String, String> tags();
  }

  enum PointKind {
    /** A value that can go up and down (power, temperature). */
    GAUGE,
    /** A cumulative counter (energy) that only grows, except when reset or wrapped. */
    COUNTER
  }

  /**
   * Register map of a Modbus device.
   *
   * @param addressBase whether the addresses below are written as the manual counts them (from 1)
   *     or as they go on the wire (from 0)
   */
  record Modbus(String id, AddressBase addressBase, List<ModbusPoint> points) implements Profile {
    public Modbus {
      points = List.copyOf(points);
    }
  }

  /** Node map of an OPC UA device. */
  record OpcUa(String id, List<OpcUaPoint> points) implements Profile {
    public OpcUa {
      points = List.copyOf(points);
    }
  }

  /**
   * OID map of an SNMP agent: scalars read with GET, and tables walked with GETBULK whose rows
   * become tagged readings.
   */
  record Snmp(String id, List<SnmpPoint> scalars, List<SnmpTable> tables) implements Profile {
    public Snmp {
      scalars = List.copyOf(scalars);
      tables = List.copyOf(tables);
    }

    /** Every scalar, then every table's columns (a column's series carry its index tag). */
    @Override
    public List<SnmpPoint> points() {
      var all = new java.util.ArrayList<SnmpPoint>(scalars);
      tables.forEach(t -> all.addAll(t.columns()));
      return List.copyOf(all);
    }
  }

  /**
   * A table walked with GETBULK: each row's index (the OID after the column's prefix, before its
   * fixed suffix) becomes the value of tag {@code indexTag}.
   */
  record SnmpTable(String name, String indexTag, List<SnmpPoint> columns) {
    public SnmpTable {
      columns = List.copyOf(columns);
    }
  }

  /**
   * One SNMP value: a scalar (its {@code oid} ends with the instance, usually {@code .0}) or a
   * table column (its {@code oid} holds {@code {index}} where the row index goes).
   *
   * @param oid dotted numbers; for a column with {@link #INDEX} standing for the row index
   * @param decimalDigits OID (same {@code {index}} rule) of the number of decimal digits the agent
   *     gives this value with, as Raritan's sensors do; {@code null} for none
   * @param scale stored value = raw × 10^-digits × scale + offset
   * @param counterBits width a {@code counter} wraps at: 32 (Counter32, Unsigned32, INTEGER) or 64
   * @param indexTag the tag a column's row index lands in; {@code null} for a scalar
   */
  record SnmpPoint(
      String name,
      String oid,
      String decimalDigits,
      double scale,
      double offset,
      String unit,
      PointKind kind,
      String measurement,
      String field,
      Map<String, String> tags,
      int counterBits,
      Quantity quantity,
      SortedMap<Long, String> states,
      String indexTag)
      implements Point {
    /** Where a column's row index goes in its OID. */
    public static final String INDEX = "{index}";

    public SnmpPoint {
      tags = Map.copyOf(tags);
      states = sortedStates(states);
      if (counterBits != 32 && counterBits != 64) {
        throw new IllegalArgumentException("point " + name + ": counterBits must be 32 or 64");
      }
    }

    /** A scalar without decimal digits, quantity or states, 32 bits wide. */
    public SnmpPoint(
        String name,
        String oid,
        double scale,
        String unit,
        PointKind kind,
        String measurement,
        String field) {
      this(
          name,
          oid,
          null,
          scale,
          0,
          unit,
          kind,
          measurement,
          field,
          Map.of(),
          32,
          null,
          null,
          null);
    }

    /** Whether this is a table column. */
    public boolean column() {
      return indexTag != null;
    }

    /** How this point counts, or {@code null} when it is a gauge. */
    public CounterSpec counter() {
      return kind == PointKind.COUNTER ? new CounterSpec(counterBits, scale) : null;
    }
  }

  enum AddressBase {
    ZERO,
    ONE
  }

  enum RegisterType {
    COIL,
    DISCRETE,
    HOLDING,
    INPUT
  }

  enum DataType {
    INT16(1),
    UINT16(1),
    INT32(2),
    UINT32(2),
    INT64(4),
    UINT64(4),
    FLOAT32(2),
    FLOAT64(4),
    /** Text, two bytes per register; its register count is the point's {@code length}. */
    STRING(0),
    BIT(1);

    private final int registers;

    DataType(int registers) {
      this.registers = registers;
    }

    /**
     * Number of 16-bit registers a value of this type occupies; 0 for {@code STRING}, whose length
     * each point gives.
     */
    public int registers() {
      return registers;
    }

    /** Width in bits of the integer a counter of this type wraps at; 0 for floats and text. */
    public int counterBits() {
      return switch (this) {
        case INT16, UINT16 -> 16;
        case INT32, UINT32 -> 32;
        case INT64, UINT64 -> 64;
        case FLOAT32, FLOAT64, STRING -> 0;
        case BIT -> 1;
      };
    }
  }

  /**
   * Order of the bytes of a multi-register value, A being the most significant: ABCD is big endian
   * throughout, CDAB swaps the 16-bit words, BADC swaps bytes within words, DCBA is little endian.
   */
  enum WordOrder {
    ABCD,
    CDAB,
    BADC,
    DCBA
  }

  /**
   * One register-mapped value.
   *
   * @param length registers the value spans: the data type's own size, or for {@code STRING} the
   *     number of registers of text (two characters each)
   */
  record ModbusPoint(
      String name,
      RegisterType registerType,
      int address,
      DataType dataType,
      WordOrder wordOrder,
      double scale,
      double offset,
      String unit,
      PointKind kind,
      String measurement,
      String field,
      Map<String, String> tags,
      int length,
      Quantity quantity,
      SortedMap<Long, String> states)
      implements Point {
    public ModbusPoint {
      tags = Map.copyOf(tags);
      states = sortedStates(states);
      if (dataType != null && dataType != DataType.STRING) {
        length = dataType.registers();
      }
      if (length < 1) {
        throw new IllegalArgumentException("point " + name + ": a string needs a length >= 1");
      }
    }

    /** A point whose quantity is the one its unit measures. */
    public ModbusPoint(
        String name,
        RegisterType registerType,
        int address,
        DataType dataType,
        WordOrder wordOrder,
        double scale,
        double offset,
        String unit,
        PointKind kind,
        String measurement,
        String field,
        Map<String, String> tags,
        int length) {
      this(
          name,
          registerType,
          address,
          dataType,
          wordOrder,
          scale,
          offset,
          unit,
          kind,
          measurement,
          field,
          tags,
          length,
          null,
          null);
    }

    /** A point of a fixed-size type (every type but {@code STRING}). */
    public ModbusPoint(
        String name,
        RegisterType registerType,
        int address,
        DataType dataType,
        WordOrder wordOrder,
        double scale,
        double offset,
        String unit,
        PointKind kind,
        String measurement,
        String field,
        Map<String, String> tags) {
      this(
          name,
          registerType,
          address,
          dataType,
          wordOrder,
          scale,
          offset,
          unit,
          kind,
          measurement,
          field,
          tags,
          dataType == null ? 1 : dataType.registers());
    }

    /** Registers (or bits) this value spans. */
    public int registers() {
      return length;
    }

    /** How this point counts, or {@code null} when it is a gauge. */
    public CounterSpec counter() {
      return kind == PointKind.COUNTER ? new CounterSpec(dataType.counterBits(), scale) : null;
    }
  }

  /**
   * How a cumulative counter behaves, so that analytics can tell a wrap from a reset. A Modbus
   * counter is an integer register of {@code bits} bits stored as {@code raw × scale + offset}; at
   * its top it wraps to 0 (unsigned) or to its most negative value (signed), a drop of {@link
   * #wrapSpan()} in stored units.
   *
   * @param bits width of the raw integer; 0 for a counter that does not wrap (a float register or
   *     an OPC UA value)
   * @param scale stored units per raw count
   */
  record CounterSpec(int bits, double scale) {
    /** A counter that never wraps: a drop is always a reset. */
    public static final CounterSpec UNBOUNDED = new CounterSpec(0, 1);

    /** The drop in stored units when the raw counter wraps; infinite when it cannot wrap. */
    public double wrapSpan() {
      return bits <= 0 ? Double.POSITIVE_INFINITY : Math.scalb(1.0, bits) * Math.abs(scale);
    }

    /**
     * The increase between two consecutive readings. A rise is the difference. A drop of more than
     * half the wrap span is a wrap (the counter went past its top): the increase is what was left
     * to the top plus the new value. Any other drop is a reset (meter replaced, counter cleared):
     * the counter restarted from zero, so the increase is the new value itself, as Prometheus'
     * {@code increase()} counts it.
     */
    public double increase(double previous, double current) {
      if (current >= previous) {
        return current - previous;
      }
      double span = wrapSpan();
      if (previous - current > span / 2) {
        return current + span - previous;
      }
      return Math.max(current, 0);
    }
  }

  /**
   * One OPC UA variable.
   *
   * @param nodeId {@code ns=…;…} or {@code nsu=<uri>;…}; {@code null} when {@code browsePath} names
   *     the node
   * @param browsePath browse names from the Objects folder, e.g. {@code Objects/{device}/Flow},
   *     resolved on connect; {@code null} when {@code nodeId} names the node
   * @param deadband changes smaller than this are not reported by a subscription; {@code null} for
   *     every change
   * @param scale stored value = server value × scale + offset (a node in W stored as kW: 0.001)
   * @param offset added after scaling
   */
  record OpcUaPoint(
      String name,
      String nodeId,
      String unit,
      PointKind kind,
      String measurement,
      String field,
      Map<String, String> tags,
      String browsePath,
      Deadband deadband,
      double scale,
      double offset,
      Quantity quantity,
      SortedMap<Long, String> states)
      implements Point {
    public OpcUaPoint {
      tags = Map.copyOf(tags);
      states = sortedStates(states);
    }

    /** A point stored as the server reports it, in the unit configured. */
    public OpcUaPoint(
        String name,
        String nodeId,
        String unit,
        PointKind kind,
        String measurement,
        String field,
        Map<String, String> tags,
        String browsePath,
        Deadband deadband) {
      this(
          name,
          nodeId,
          unit,
          kind,
          measurement,
          field,
          tags,
          browsePath,
          deadband,
          1,
          0,
          null,
          null);
    }

    /** A point named by node id, reporting every change. */
    public OpcUaPoint(
        String name,
        String nodeId,
        String unit,
        PointKind kind,
        String measurement,
        String field,
        Map<String, String> tags) {
      this(name, nodeId, unit, kind, measurement, field, tags, null, null);
    }
  }

  private static SortedMap<Long, String> sortedStates(Map<Long, String> states) {
    return java.util.Collections.unmodifiableSortedMap(
        new TreeMap<>(states == null ? Map.of() : states));
  }

  /**
   * An OPC UA data-change deadband: absolute in the value's unit, or percent of the node's EURange.
   */
  record Deadband(DeadbandType type, double value) {}

  enum DeadbandType {
    ABSOLUTE,
    PERCENT
  }
}
