package io.kilowatch.simulator;

import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;

/**
 * A block of holding registers that the physics rewrites every tick. A master's read gets copies
 * taken under the same lock as the update, so a 32- or 64-bit value is never torn between an old
 * and a new tick.
 */
final class RegisterImage extends SimpleProcessImage {
  private final int size;

  RegisterImage(int unitId, int size) {
    super(unitId);
    this.size = size;
    for (int i = 0; i < size; i++) {
      addRegister(new SimpleRegister(0));
    }
  }

  /** Replaces all register values at once. */
  synchronized void update(int[] words) {
    if (words.length != size) {
      throw new IllegalArgumentException("expected " + size + " words, got " + words.length);
    }
    for (int i = 0; i < size; i++) {
      super.getRegister(i).setValue(words[i]);
    }
  }

  @Override
  public synchronized Register[] getRegisterRange(int offset, int count) {
    Register[] live = super.getRegisterRange(offset, count);
    Register[] copy = new Register[live.length];
    for (int i = 0; i < live.length; i++) {
      copy[i] = new SimpleRegister(live[i].getValue());
    }
    return copy;
  }

  @Override
  public synchronized Register getRegister(int ref) {
    return new SimpleRegister(super.getRegister(ref).getValue());
  }
}
