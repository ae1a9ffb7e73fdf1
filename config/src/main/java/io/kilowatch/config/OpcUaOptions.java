package io.kilowatch.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How an OPC UA device is read and secured, beyond its endpoint and login.
 *
 * @param mode subscribe (the server pushes changes) or poll (one batched Read per interval)
 * @param securityMode message security; {@code null} means none with policy none and
 *     sign-and-encrypt with any other policy
 * @param samplingInterval how often the server samples each monitored node; {@code null} means the
 *     device interval
 * @param queueSize values the server queues per monitored node between two publishes
 * @param timestamps which of a value's timestamps becomes the sample time
 * @param userCertificate PEM certificate for X.509 user authentication, or {@code null}; relative
 *     paths are relative to the configuration file
 * @param userPrivateKey PEM (PKCS#8) private key of {@code userCertificate}
 * @param trustOnFirstUse trust a server certificate never seen before (and only then) by adding it
 *     to the trust list; off by default
 * @param pkiDir where kilowatch's application certificate and the trust list live; {@code null}
 *     means {@code <dataDir>/opcua/pki}
 */
public record OpcUaOptions(
    Mode mode,
    SecurityMode securityMode,
    Duration samplingInterval,
    int queueSize,
    Timestamps timestamps,
    Path userCertificate,
    Path userPrivateKey,
    boolean trustOnFirstUse,
    Path pkiDir) {

  public static final int DEFAULT_QUEUE_SIZE = 10;

  public static final OpcUaOptions DEFAULTS =
      new OpcUaOptions(
          Mode.SUBSCRIBE,
          null,
          null,
          DEFAULT_QUEUE_SIZE,
          Timestamps.SOURCE,
          null,
          null,
          false,
          null);

  public OpcUaOptions {
    if (mode == null) {
      mode = Mode.SUBSCRIBE;
    }
    if (timestamps == null) {
      timestamps = Timestamps.SOURCE;
    }
    if (queueSize < 1) {
      queueSize = DEFAULT_QUEUE_SIZE;
    }
  }

  /** A copy with another mode. */
  public OpcUaOptions withMode(Mode m) {
    return new OpcUaOptions(
        m,
        securityMode,
        samplingInterval,
        queueSize,
        timestamps,
        userCertificate,
        userPrivateKey,
        trustOnFirstUse,
        pkiDir);
  }

  public enum Mode {
    SUBSCRIBE,
    POLL
  }

  public enum SecurityMode {
    NONE,
    SIGN,
    SIGN_AND_ENCRYPT
  }

  public enum Timestamps {
    /** When the device measured the value (falls back to the server's, then to receipt). */
    SOURCE,
    /** When the server last saw the value (falls back to receipt). */
    SERVER
  }
}
