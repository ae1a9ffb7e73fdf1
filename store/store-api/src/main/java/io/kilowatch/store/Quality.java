package io.kilowatch.store;

/**
 * How far a reading can be trusted. It travels with the value into the store so that a bad reading
 * is data (shown as bad) rather than a silent gap or, worse, a good-looking number.
 */
public enum Quality {
  GOOD,
  /** The device answered but the value is questionable (OPC UA Uncertain, an estimated value). */
  UNCERTAIN,
  /** The device reported an error for this point, or the value failed to decode. */
  BAD,
  /** The value is the last one known, repeated because the device did not answer. */
  STALE;

  public byte code() {
    return (byte) ordinal();
  }

  // values() copies the array on each call, and a large read decodes one code per reading.
  private static final Quality[] BY_CODE = values();

  public static Quality ofCode(int code) {
    return BY_CODE[code];
  }
}
