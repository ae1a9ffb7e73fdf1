package io.kilowatch.bench;

import java.util.concurrent.atomic.AtomicIntegerArray;

/** The current fault mode of each device of one type; read on every request, so lock-free. */
final class Faults {
  private static final FaultMode[] MODES = FaultMode.values();
  private final AtomicIntegerArray modes;
  private final boolean[] everFaulted;

  Faults(int devices) {
    modes = new AtomicIntegerArray(devices);
    everFaulted = new boolean[devices];
  }

  FaultMode mode(int device) {
    return MODES[modes.get(device)];
  }

  synchronized void set(int device, FaultMode mode) {
    modes.set(device, mode.ordinal());
    if (mode != FaultMode.OK) {
      everFaulted[device] = true;
    }
  }

  /** Stops answering without counting as a fault: the end of a run. */
  void stop(int device) {
    modes.set(device, FaultMode.SILENT.ordinal());
  }

  /** Answers again after {@link #stop} (a device no fault hit): the baselines after a soak. */
  void resume(int device) {
    if (!everFaulted(device)) {
      modes.set(device, FaultMode.OK.ordinal());
    }
  }

  synchronized boolean everFaulted(int device) {
    return everFaulted[device];
  }

  int size() {
    return modes.length();
  }
}
