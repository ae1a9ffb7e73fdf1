package io.kilowatch.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Sizes written as a whole number and an optional unit: {@code 500MB}, {@code 2GiB}, {@code 1024}.
 */
public final class ByteSizes {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b)?");

  private ByteSizes() {}

  /**
   * Bytes in {@code text}; {@code kB}, {@code MB}, {@code GB}, {@code TB} are powers of 1000,
   * {@code KiB}... powers of 1024.
   *
   * @throws IllegalArgumentException with a message fit for the user
   */
  public static long parse(String text) {
    var m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "expected a size such as 500MB, 2GiB or 1048576, got '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    int power = "bkmgt".indexOf(unit.charAt(0));
    long base = unit.contains("i") ? 1024 : 1000;
    long bytes = n;
    for (int i = 0; i < power; i++) {
      bytes = Math.multiplyExact(bytes, base);
    }
    if (bytes <= 0) {
      throw new IllegalArgumentException("must be positive, got '" + text + "'");
    }
    return bytes;
  }
}
