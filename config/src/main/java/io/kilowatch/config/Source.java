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
   * @param options reading mode, message security, certificates; never {@code null}
   */
  record OpcUa(
      URI endpoint,
      SecurityPolicy securityPolicy,
      String username,
      String password,
      OpcUaOptions options)
      implements Source {
    public OpcUa {
      if (options == null) {
        options = OpcUaOptions.DEFAULTS;
      }
    }

    /** With the default options: subscriptions, no certificates. */
    public OpcUa(URI endpoint, SecurityPolicy securityPolicy, String username, String password) {
      this(endpoint, securityPolicy, username, password, OpcUaOptions.DEFAULTS);
    }

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
          + ", options="
          + options
          + "]";
    }
  }

  /** A dcgm-exporter style Prometheus text endpoint. */
  record Dcgm(URI url) implements Source {}

  enum SecurityPolicy {
    NONE,
    BASIC256SHA256,
    AES128_SHA256_RSAOAEP,
    AES256_SHA256_RSAPSS
  }
}
