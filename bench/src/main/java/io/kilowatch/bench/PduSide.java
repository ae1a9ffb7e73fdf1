package io.kilowatch.bench;

import java.io.IOException;

/**
 * The scale site's PDUs and facility meter as seen by the rest of the simulator: served in this JVM
 * ({@link PduModbusServer}) or in a process of their own ({@link PduProcess}), for sites whose
 * connections would not fit one process's descriptor limit.
 */
interface PduSide extends AutoCloseable {
  /** The Modbus TCP port of one PDU on 127.0.0.1. */
  int port(int device);

  /** The facility meter's port. */
  int meterPort();

  /** Stops answering without counting as a fault (the end of a run). */
  void stop(int device);

  /** Answers again after {@link #stop}, unless a fault ever hit the device. */
  void resume(int device);

  /** Whether a fault ever hit this PDU. */
  boolean everFaulted(int device);

  /** The fault modes, to schedule faults; only in this JVM. */
  Faults faults();

  /** See {@link AnswerLog#measureFrom}. */
  void measureFrom(long epochMs);

  /** See {@link AnswerLog#restartMeasuring(long, long)}. */
  void restartMeasuring(long epochMs, long lateGapMs);

  /** The answers so far: the live log in this JVM, a snapshot from another process. */
  AnswerLog answers();

  /** CPU seconds of a process serving them apart from this one, 0 when served here. */
  double apartCpuSeconds();

  @Override
  void close() throws IOException;
}
