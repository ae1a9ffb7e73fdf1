package io.kilowatch.collector.nvml;

/** NVML's return codes ({@code nvmlReturn_t} in nvml.h), by name. */
public enum NvmlError {
  SUCCESS(0),
  UNINITIALIZED(1),
  INVALID_ARGUMENT(2),
  NOT_SUPPORTED(3),
  NO_PERMISSION(4),
  ALREADY_INITIALIZED(5),
  NOT_FOUND(6),
  INSUFFICIENT_SIZE(7),
  INSUFFICIENT_POWER(8),
  DRIVER_NOT_LOADED(9),
  TIMEOUT(10),
  IRQ_ISSUE(11),
  LIBRARY_NOT_FOUND(12),
  FUNCTION_NOT_FOUND(13),
  CORRUPTED_INFOROM(14),
  GPU_IS_LOST(15),
  RESET_REQUIRED(16),
  OPERATING_SYSTEM(17),
  LIB_RM_VERSION_MISMATCH(18),
  IN_USE(19),
  MEMORY(20),
  NO_DATA(21),
  VGPU_ECC_NOT_SUPPORTED(22),
  INSUFFICIENT_RESOURCES(23),
  FREQ_NOT_SUPPORTED(24),
  ARGUMENT_VERSION_MISMATCH(25),
  DEPRECATED(26),
  NOT_READY(27),
  GPU_NOT_FOUND(28),
  INVALID_STATE(29),
  RESET_TYPE_NOT_SUPPORTED(30),
  UNKNOWN(999),
  /** A code this binding does not know (a newer driver); the number is in the message. */
  UNRECOGNIZED(-1);

  private final int code;

  NvmlError(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static NvmlError of(int code) {
    for (NvmlError e : values()) {
      if (e.code == code && e != UNRECOGNIZED) {
        return e;
      }
    }
    return UNRECOGNIZED;
  }

  /**
   * Whether the answer says this GPU or driver cannot give the value at all, so asking again is
   * pointless: the field is then marked unsupported for that GPU rather than bad.
   */
  public boolean meansUnsupported() {
    return this == NOT_SUPPORTED || this == FUNCTION_NOT_FOUND || this == DEPRECATED;
  }
}
