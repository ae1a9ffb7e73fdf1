package io.kilowatch.simulator;

/** NVML clocks-event reason bits (nvml.h), the ones the simulator can raise. */
public final class ClockEventReasons {
  public static final long GPU_IDLE = 0x1L;
  public static final long SW_POWER_CAP = 0x4L;
  public static final long SW_THERMAL_SLOWDOWN = 0x20L;
  public static final long HW_THERMAL_SLOWDOWN = 0x40L;

  private ClockEventReasons() {}

  public static boolean thermal(long reasons) {
    return (reasons & (SW_THERMAL_SLOWDOWN | HW_THERMAL_SLOWDOWN)) != 0;
  }
}
