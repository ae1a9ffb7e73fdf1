package io.kilowatch.config;

import java.net.URI;
import java.time.Duration;

/** How kilowatch reaches a device: one of a few protocols. */
public sealed interface Source {

  /**
   * Modbus TCP (or RTU over a TCP gateway when several unit ids share one address: devices with the
   * same host and port share one connection and take turns, one request at a time).
   */
  record Modbus(String host, int port, int unitId, ModbusRequests requests) implements Source {
    public Modbus {
      requests = requests == null ? ModbusRequests.DEFAULT : requests;
    }

    /** With the default request options. */
    public Modbus(String host, int port, int unitId) {
      this(host, port, unitId, ModbusRequests.DEFAULT);
    }
  }

  /**
   * How requests to one Modbus device are cut and paced.
   *
   * @param maxRegistersPerRequest most registers in one read (the protocol allows 125; some devices
   *     accept fewer)
   * @param maxGap most unused registers read to merge two points into one request
   * @param pauseBetweenRequests quiet time after each request, for devices (and serial gateways)
   *     that need it; zero for none
   * @param requestTimeout how long one request may wait for its answer; {@code null} means the
   *     device's timeout
   */
  record ModbusRequests(
      int maxRegistersPerRequest,
      int maxGap,
      Duration pauseBetweenRequests,
      Duration requestTimeout) {
    public static final int MAX_REGISTERS = 125;
    public static final int DEFAULT_MAX_GAP = 10;
    public static final ModbusRequests DEFAULT =
        new ModbusRequests(MAX_REGISTERS, DEFAULT_MAX_GAP, Duration.ZERO, null);

    public ModbusRequests {
      if (maxRegistersPerRequest < 1 || maxRegistersPerRequest > MAX_REGISTERS) {
        throw new IllegalArgumentException("maxRegistersPerRequest must be 1..125");
      }
      if (maxGap < 0) {
        throw new IllegalArgumentException("maxGap must not be negative");
      }
      pauseBetweenRequests = pauseBetweenRequests == null ? Duration.ZERO : pauseBetweenRequests;
    }
  }

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
