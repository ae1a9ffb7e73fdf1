package io.kilowatch.collector.modbus;

import java.util.Locale;

/** The exception codes a Modbus server answers with, named as the specification names them. */
public enum ExceptionCode {
  ILLEGAL_FUNCTION(0x01),
  ILLEGAL_DATA_ADDRESS(0x02),
  ILLEGAL_DATA_VALUE(0x03),
  SERVER_DEVICE_FAILURE(0x04),
  ACKNOWLEDGE(0x05),
  SERVER_DEVICE_BUSY(0x06),
  NEGATIVE_ACKNOWLEDGE(0x07),
  MEMORY_PARITY_ERROR(0x08),
  GATEWAY_PATH_UNAVAILABLE(0x0A),
  GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND(0x0B),
  UNKNOWN(-1);

  private final int code;

  ExceptionCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static ExceptionCode of(int code) {
    for (ExceptionCode c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return UNKNOWN;
  }

  /** Lower-case words, e.g. "illegal data address". */
  public String title() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /**
   * Whether the code says the device itself is unreachable (a gateway could not reach it), as
   * opposed to refusing one request: such a device is down, not a device with bad points.
   */
  public boolean deviceUnreachable() {
    return this == GATEWAY_PATH_UNAVAILABLE || this == GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND;
  }

  /** Whether the device is alive but cannot answer now, so the last value is still the latest. */
  public boolean tryLater() {
    return this == ACKNOWLEDGE || this == SERVER_DEVICE_BUSY;
  }
}
