package io.kilowatch.collector.snmp;

import java.io.IOException;

/**
 * The agent refused this collector's credentials (SNMPv3 USM): the message names the user and what
 * was wrong, so the fix is evident from the device status alone.
 */
public final class SnmpAuthException extends IOException {
  /** What the agent (or its silence) said about the credentials. */
  public enum Failure {
    WRONG_DIGEST,
    UNKNOWN_USER,
    WRONG_ENGINE,
    DECRYPTION,
    UNSUPPORTED_SECURITY_LEVEL
  }

  private final Failure failure;

  SnmpAuthException(Failure failure, String message) {
    super(message);
    this.failure = failure;
  }

  public Failure failure() {
    return failure;
  }
}
