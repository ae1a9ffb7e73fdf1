package io.kilowatch.bench;

import java.time.Duration;

/**
 * One scheduled fault: from {@code after} into the run, {@code count} devices of one source type
 * (the last ones of that type, so faulted devices are easy to list) switch to {@code mode} for the
 * rest of the run. {@link FaultMode#OK} with kind {@code opcua-restart} restarts the CDU server.
 */
public record Fault(Target target, FaultMode mode, int count, Duration after) {
  /** Which devices a fault hits. */
  public enum Target {
    GPU_NODE,
    PDU,
    /** Restarts the OPC UA server (every CDU drops for the restart); count is ignored. */
    OPCUA_RESTART
  }

  public Fault {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0");
    }
  }

  public static Fault of(Target target, FaultMode mode, int count, Duration after) {
    return new Fault(target, mode, count, after);
  }
}
