package io.kilowatch.config;

import java.util.List;
import java.util.Map;

/** A reusable point map for one device model, shared by every device of that model. */
public sealed interface Profile {
  String id();

  List<? extends Point> points();

  /** A point's common part: where its value lands and what it means. */
  sealed interface Point {
    String name();

    String unit();

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
    BIT(1);

    private final int registers;

    DataType(int registers) {
      this.registers = registers;
    }

    /** Number of 16-bit registers a value of this type occupies. */
    public int registers() {
      return registers;
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
      Map<String, String> tags)
      implements Point {
    public ModbusPoint {
      tags = Map.copyOf(tags);
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
      Deadband deadband)
      implements Point {
    public OpcUaPoint {
      tags = Map.copyOf(tags);
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

  /**
   * An OPC UA data-change deadband: absolute in the value's unit, or percent of the node's EURange.
   */
  record Deadband(DeadbandType type, double value) {}

  enum DeadbandType {
    ABSOLUTE,
    PERCENT
  }
}
