package io.kilowatch.bench;

/** How a simulated device answers. */
public enum FaultMode {
  /** Answers promptly with good data. */
  OK,
  /** Accepts the request and never answers. */
  SILENT,
  /** Answers after {@link ScaleSite#SLOW_DELAY}, longer than kilowatch's timeout. */
  SLOW,
  /** Answers at once with bytes that are not a valid reply. */
  GARBAGE
}
