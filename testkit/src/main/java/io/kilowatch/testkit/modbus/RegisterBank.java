package io.kilowatch.testkit.modbus;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One register block per device, answered to functions 3 and 4 alike, as a well-behaved device
 * does: exception 1 for other functions, 2 for addresses beyond the block. Each {@link #set}
 * replaces a device's whole block at once, so a 32- or 64-bit value is never read half old, half
 * new.
 */
public final class RegisterBank implements ModbusScript {
  private final AtomicReferenceArray<int[]> blocks;

  /** {@code devices} devices, each starting with a copy of {@code initial}. */
  public RegisterBank(int devices, int[] initial) {
    blocks = new AtomicReferenceArray<>(devices);
    for (int d = 0; d < devices; d++) {
      blocks.set(d, initial.clone());
    }
  }

  public int devices() {
    return blocks.length();
  }

  /** Replaces the device's registers; the block's size may change. */
  public void set(int device, int[] words) {
    blocks.set(device, words.clone());
  }

  public int[] get(int device) {
    return blocks.get(device).clone();
  }

  @Override
  public ModbusAnswer answer(ModbusRequest r) {
    return answer(r, blocks.get(r.device()));
  }

  /** The answer a device holding {@code registers} gives to {@code r}. */
  public static ModbusAnswer answer(ModbusRequest r, int[] registers) {
    if ((r.function() != 3 && r.function() != 4) || r.count() < 1 || r.count() > 125) {
      return ModbusAnswer.exception(r.function() == 3 || r.function() == 4 ? 3 : 1);
    }
    if (r.start() + r.count() > registers.length) {
      return ModbusAnswer.exception(2);
    }
    int[] values = new int[r.count()];
    System.arraycopy(registers, r.start(), values, 0, r.count());
    return ModbusAnswer.values(values);
  }
}
