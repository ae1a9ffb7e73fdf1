package io.kilowatch.collector.modbus;

import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.Profile.RegisterType;
import java.util.List;

/**
 * One read request: {@code count} registers (or bits, for coils and discretes) of one type from
 * wire address {@code start}, covering {@code points}.
 */
public record ReadBlock(RegisterType type, int start, int count, List<Planned> points) {
  public ReadBlock {
    points = List.copyOf(points);
  }

  /** The read that covers {@code points} (of one register type), from the first to the last. */
  public static ReadBlock of(RegisterType type, List<Planned> points) {
    int start = points.stream().mapToInt(Planned::address).min().orElseThrow();
    int end = points.stream().mapToInt(p -> p.address() + p.size()).max().orElseThrow();
    return new ReadBlock(type, start, end - start, points);
  }

  /** A point with its wire (zero-based) address. */
  public record Planned(ModbusPoint point, int address) {
    public int size() {
      return point.registers();
    }
  }
}
