package io.kilowatch.config;

import java.net.URI;

/** How kilowatch reaches a device: one of a few protocols. */
public sealed interface Source {

  /** Modbus TCP (or RTU over a TCP gateway when several unit ids share one address). */
  record Modbus(String host, int port, int unitId) implements Source {}

  /**
   * OPC UA over TCP.
   *
   * @param username {@code null} for anonymous; the password comes from the environment via {@code
   *     ${VAR}}
   */
  record OpcUa(URI endpoint, SecurityPolicy securityPolicy, String username, String password)
      implements Source {
    /** Masks the password so logging a config never leaks it. */
    @Override
    public String toString() {
      return "OpcUa[endpoint="
          + endpoint
          + ", securityPolicy="
          + securityPolicy
          + ", username="
          + username
          + ", password="
          + (password == null ? "null" : "****")
          + "]";
    }
  }

  /** A dcgm-exporter style Prometheus text endpoint. */
  record Dcgm(URI url) implements Source {}

  /**
   * The GPUs of the machine kilowatch runs on, read through NVML.
   *
   * @param library path or soname of the NVML library; {@code null} for {@link #DEFAULT_LIBRARY}
   */
  record Nvml(String library) implements Source {
    public static final String DEFAULT_LIBRARY = "libnvidia-ml.so.1";

    public String libraryOrDefault() {
      return library == null ? DEFAULT_LIBRARY : library;
    }
  }

  enum SecurityPolicy {
    NONE,
    BASIC256SHA256,
    AES128_SHA256_RSAOAEP,
    AES256_SHA256_RSAPSS
  }
}
