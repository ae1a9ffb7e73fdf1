package io.kilowatch.collector.modbus;

import io.kilowatch.config.Profile.AddressBase;
import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.Profile.RegisterType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the points of a register map into few read requests: a request per register type that
 * covers neighbouring points, bridging small gaps (reading a few unused registers is cheaper than
 * another round trip), within the protocol's per-request limit.
 */
public final class RequestPlanner {
  /** Modbus limit for function codes 3 and 4. */
  public static final int MAX_REGISTERS = 125;

  /** Modbus limit for function codes 1 and 2. */
  public static final int MAX_BITS = 2000;

  public static final int DEFAULT_MAX_GAP = 10;

  private final int maxRegisters;
  private final int maxBits;
  private final int maxGap;

  public RequestPlanner() {
    this(MAX_REGISTERS, MAX_BITS, DEFAULT_MAX_GAP);
  }

  /**
   * @param maxRegisters most registers in one request (some devices accept fewer than 125)
   * @param maxBits most coils or discretes in one request
   * @param maxGap most unused registers (or bits) bridged to merge two points; 0 merges only
   *     adjacent points, a negative value never merges
   */
  public RequestPlanner(int maxRegisters, int maxBits, int maxGap) {
    if (maxRegisters < 1 || maxRegisters > MAX_REGISTERS) {
      throw new IllegalArgumentException("maxRegisters must be 1.." + MAX_REGISTERS);
    }
    if (maxBits < 1 || maxBits > MAX_BITS) {
      throw new IllegalArgumentException("maxBits must be 1.." + MAX_BITS);
    }
    this.maxRegisters = maxRegisters;
    this.maxBits = maxBits;
    this.maxGap = maxGap;
  }

  /** A planner for a device's request options. */
  public static RequestPlanner of(io.kilowatch.config.Source.ModbusRequests requests) {
    return new RequestPlanner(requests.maxRegistersPerRequest(), MAX_BITS, requests.maxGap());
  }

  /** Wire address of a point: {@code ONE} means the map counts from 1. */
  public static int wireAddress(ModbusPoint p, AddressBase base) {
    return base == AddressBase.ONE ? p.address() - 1 : p.address();
  }

  /**
   * Plans the requests. Blocks come out by register type (coils, discretes, holding, input), then
   * by address.
   *
   * @throws IllegalArgumentException for a point that cannot be read: address out of range, or a
   *     coil or discrete that is not of type BIT
   */
  public List<ReadBlock> plan(List<ModbusPoint> points, AddressBase base) {
    Map<RegisterType, List<ReadBlock.Planned>> byType = new EnumMap<>(RegisterType.class);
    for (ModbusPoint p : points) {
      int address = wireAddress(p, base);
      boolean bits = isBits(p.registerType());
      if (bits && p.dataType() != DataType.BIT) {
        throw new IllegalArgumentException(
            "point "
                + p.name()
                + ": a "
                + name(p.registerType())
                + " holds one bit; use dataType bit");
      }
      if (!bits && p.registers() > maxRegisters) {
        throw new IllegalArgumentException(
            "point "
                + p.name()
                + " spans "
                + p.registers()
                + " registers, more than the "
                + maxRegisters
                + " the device takes in one request");
      }
      if (address < 0 || address + p.registers() - 1 > 0xFFFF) {
        throw new IllegalArgumentException(
            "point "
                + p.name()
                + ": address "
                + p.address()
                + " is outside 0..65535 on the wire (addressBase "
                + name(base)
                + ")");
      }
      byType
          .computeIfAbsent(p.registerType(), t -> new ArrayList<>())
          .add(new ReadBlock.Planned(p, address));
    }
    var blocks = new ArrayList<ReadBlock>();
    byType.forEach((type, planned) -> blocks.addAll(merge(type, planned)));
    return blocks;
  }

  private List<ReadBlock> merge(RegisterType type, List<ReadBlock.Planned> planned) {
    int max = isBits(type) ? maxBits : maxRegisters;
    var sorted = new ArrayList<>(planned);
    sorted.sort(Comparator.comparingInt(ReadBlock.Planned::address));
    var blocks = new ArrayList<ReadBlock>();
    var current = new ArrayList<ReadBlock.Planned>();
    int start = 0;
    int end = 0; // exclusive
    for (ReadBlock.Planned p : sorted) {
      int pEnd = p.address() + p.size();
      boolean fits =
          !current.isEmpty()
              && maxGap >= 0
              && p.address() - end <= maxGap
              && Math.max(end, pEnd) - start <= max;
      if (!fits) {
        if (!current.isEmpty()) {
          blocks.add(new ReadBlock(type, start, end - start, current));
        }
        current = new ArrayList<>();
        start = p.address();
        end = pEnd;
      }
      current.add(p);
      end = Math.max(end, pEnd);
    }
    if (!current.isEmpty()) {
      blocks.add(new ReadBlock(type, start, end - start, current));
    }
    return blocks;
  }

  static boolean isBits(RegisterType type) {
    return type == RegisterType.COIL || type == RegisterType.DISCRETE;
  }

  private static String name(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }
}
