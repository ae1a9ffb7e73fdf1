package io.kilowatch.config;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;

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
   *     device's timeout, or half of it on a connection shared by several unit ids
   * @param silentUnitTimeout how long a request waits for a unit whose last request went
   *     unanswered, until it answers again: a dead unit behind a gateway costs the others only this
   * @param connection whether devices at one host:port share one connection or have one each
   */
  record ModbusRequests(
      int maxRegistersPerRequest,
      int maxGap,
      Duration pauseBetweenRequests,
      Duration requestTimeout,
      Duration silentUnitTimeout,
      ModbusConnection connection) {
    public static final int MAX_REGISTERS = 125;
    public static final int DEFAULT_MAX_GAP = 10;
    public static final Duration DEFAULT_SILENT_UNIT_TIMEOUT = Duration.ofMillis(500);
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
      silentUnitTimeout =
          silentUnitTimeout == null ? DEFAULT_SILENT_UNIT_TIMEOUT : silentUnitTimeout;
      if (!silentUnitTimeout.isPositive()) {
        throw new IllegalArgumentException("silentUnitTimeout must be positive");
      }
      connection = connection == null ? ModbusConnection.SHARED : connection;
    }

    /** With the default silent-unit timeout and a shared connection. */
    public ModbusRequests(
        int maxRegistersPerRequest,
        int maxGap,
        Duration pauseBetweenRequests,
        Duration requestTimeout) {
      this(maxRegistersPerRequest, maxGap, pauseBetweenRequests, requestTimeout, null, null);
    }
  }

  /** How the devices at one Modbus TCP host:port are connected to. */
  enum ModbusConnection {
    /**
     * One connection for every unit id at the host:port, one request at a time: what an RTU
     * gateway's single serial line needs, and all that small TCP devices accept.
     */
    SHARED,
    /**
     * A connection per unit id, so a silent unit never holds up another: for gateways and
     * multi-unit servers that accept several connections and queue requests themselves.
     */
    PER_UNIT
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

  /**
   * SNMP over UDP: v2c with a community, or v3 with a USM user (authentication and privacy keys
   * only from the environment).
   *
   * @param community v2c only; {@code null} for v3
   * @param user v3 only: the USM security name
   * @param authProtocol v3: {@code null} for noAuthNoPriv
   * @param privProtocol v3: {@code null} for no privacy (authNoPriv)
   * @param engineId v3: the agent's authoritative engine ID in hex, to pin it; {@code null} to
   *     discover it (and follow it when the agent is replaced)
   * @param maxRepetitions rows asked for per GETBULK request when walking a table
   * @param retries how often a request is sent again after its share of the device's timeout
   */
  record Snmp(
      String host,
      int port,
      SnmpVersion version,
      String community,
      String user,
      SnmpAuth authProtocol,
      String authKey,
      SnmpPriv privProtocol,
      String privKey,
      String engineId,
      int maxRepetitions,
      int retries)
      implements Source {
    public static final int DEFAULT_PORT = 161;
    public static final int DEFAULT_MAX_REPETITIONS = 10;
    public static final int DEFAULT_RETRIES = 1;

    public Snmp {
      Objects.requireNonNull(version, "version");
      if (maxRepetitions < 1) {
        throw new IllegalArgumentException("maxRepetitions must be at least 1");
      }
      if (retries < 0) {
        throw new IllegalArgumentException("retries must not be negative");
      }
    }

    /** A v2c source with the default walk and retries. */
    public static Snmp v2c(String host, int port, String community) {
      return new Snmp(
          host,
          port,
          SnmpVersion.V2C,
          community,
          null,
          null,
          null,
          null,
          null,
          null,
          DEFAULT_MAX_REPETITIONS,
          DEFAULT_RETRIES);
    }

    /** Masks the community and keys so logging a config never leaks them. */
    @Override
    public String toString() {
      return "Snmp[host="
          + host
          + ", port="
          + port
          + ", version="
          + version
          + ", community="
          + (community == null ? "null" : "****")
          + ", user="
          + user
          + ", authProtocol="
          + authProtocol
          + ", authKey="
          + (authKey == null ? "null" : "****")
          + ", privProtocol="
          + privProtocol
          + ", privKey="
          + (privKey == null ? "null" : "****")
          + ", engineId="
          + engineId
          + ", maxRepetitions="
          + maxRepetitions
          + ", retries="
          + retries
          + "]";
    }
  }

  enum SnmpVersion {
    V2C,
    V3
  }

  /** USM authentication protocols (RFC 7860 HMAC-SHA-2). */
  enum SnmpAuth {
    SHA_224,
    SHA_256,
    SHA_384,
    SHA_512
  }

  /** USM privacy protocols: AES-128 (RFC 3826) and AES-256 (Blumenthal key extension). */
  enum SnmpPriv {
    AES_128,
    AES_256
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

  /**
   * A device that is not polled: its readings arrive as line protocol (the ingest endpoints or
   * {@code kilowatch import}) and are recognised by their tags.
   *
   * @param match tags a line must carry, all of them with these values, to be this device's; never
   *     empty
   * @param measurement the measurement a line must have as well, or {@code null} for any
   * @param counterWidth per field, the range of the device's counter register in the field's unit
   *     (a 32-bit Wh register read as kWh: 4294967.296), so analytics can tell a wrap from a reset;
   *     fields not listed do not wrap
   * @param units per field, the unit its values are in (a line carries none)
   */
  record Push(
      Map<String, String> match,
      String measurement,
      Map<String, Double> counterWidth,
      Map<String, String> units)
      implements Source {
    public Push {
      Objects.requireNonNull(match, "match");
      if (match.isEmpty()) {
        throw new IllegalArgumentException("a push device must match at least one tag");
      }
      match = Collections.unmodifiableSortedMap(new TreeMap<>(match));
      SortedMap<String, Double> widths =
          new TreeMap<>(counterWidth == null ? Map.of() : counterWidth);
      widths.forEach(
          (field, width) -> {
            if (width == null || !(width > 0) || !Double.isFinite(width)) {
              throw new IllegalArgumentException(
                  "counterWidth of " + field + " must be a positive number, got " + width);
            }
          });
      counterWidth = Collections.unmodifiableSortedMap(widths);
      units = Collections.unmodifiableSortedMap(new TreeMap<>(units == null ? Map.of() : units));
    }

    /** No declared units. */
    public Push(Map<String, String> match, String measurement, Map<String, Double> counterWidth) {
      this(match, measurement, counterWidth, Map.of());
    }

    /** Any measurement, no counter widths. */
    public Push(Map<String, String> match) {
      this(match, null, Map.of());
    }

    /** The range of {@code field}'s counter, or empty when it does not wrap (or is no counter). */
    public OptionalDouble counterWidth(String field) {
      Double width = counterWidth.get(field);
      return width == null ? OptionalDouble.empty() : OptionalDouble.of(width);
    }

    /** Whether a line with this measurement and these tags is this device's. */
    public boolean matches(String lineMeasurement, Map<String, String> tags) {
      if (measurement != null && !measurement.equals(lineMeasurement)) {
        return false;
      }
      for (var e : match.entrySet()) {
        if (!e.getValue().equals(tags.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }

    /**
     * Whether some line could match both: the measurements do not exclude each other and no tag
     * both name is required with different values.
     */
    public boolean overlaps(Push other) {
      if (measurement != null
          && other.measurement != null
          && !measurement.equals(other.measurement)) {
        return false;
      }
      for (var e : match.entrySet()) {
        String theirs = other.match.get(e.getKey());
        if (theirs != null && !theirs.equals(e.getValue())) {
          return false;
        }
      }
      return true;
    }
  }

  enum SecurityPolicy {
    NONE,
    BASIC256SHA256,
    AES128_SHA256_RSAOAEP,
    AES256_SHA256_RSAPSS
  }
}
