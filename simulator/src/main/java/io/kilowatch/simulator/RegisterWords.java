package io.kilowatch.simulator;

/** Builds a register block word by word in the byte orders the profiles declare. */
final class RegisterWords {
  private final int[] words;

  RegisterWords(int size) {
    this.words = new int[size];
  }

  /** FLOAT32, high word first (ABCD). */
  RegisterWords float32Abcd(int address, double value) {
    int bits = Float.floatToIntBits((float) value);
    words[address] = (bits >>> 16) & 0xFFFF;
    words[address + 1] = bits & 0xFFFF;
    return this;
  }

  /** FLOAT32, low word first (CDAB, "word swapped"), as many meters send it. */
  RegisterWords float32Cdab(int address, double value) {
    int bits = Float.floatToIntBits((float) value);
    words[address] = bits & 0xFFFF;
    words[address + 1] = (bits >>> 16) & 0xFFFF;
    return this;
  }

  /** UINT64, most significant word first (ABCD...). */
  RegisterWords uint64Abcd(int address, long value) {
    for (int i = 0; i < 4; i++) {
      words[address + i] = (int) ((value >>> (48 - 16 * i)) & 0xFFFF);
    }
    return this;
  }

  int[] words() {
    return words.clone();
  }
}
