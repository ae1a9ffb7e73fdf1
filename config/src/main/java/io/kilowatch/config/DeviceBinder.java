package io.kilowatch.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Binds devices and their sources, and remembers which profiles they name for a later check. */
final class DeviceBinder {
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  /** A poll that takes longer than this is almost certainly stuck, whatever the interval. */
  static final Duration MAX_DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  static final int DEFAULT_MODBUS_PORT = 502;
  static final int DEFAULT_UNIT_ID = 1;

  static final Set<String> DEVICE_KEYS =
      Set.of("id", "kind", "profile", "source", "interval", "timeout", "tags");
  static final Set<String> MODBUS_KEYS =
      Set.of(
          "type",
          "host",
          "port",
          "unitId",
          "maxRegistersPerRequest",
          "maxGap",
          "pauseBetweenRequests",
          "requestTimeout");
  static final Set<String> OPCUA_KEYS =
      Set.of(
          "type",
          "endpoint",
          "securityPolicy",
          "username",
          "password",
          "mode",
          "securityMode",
          "samplingInterval",
          "queueSize",
          "timestamps",
          "userCertificate",
          "userPrivateKey",
          "trustOnFirstUse",
          "pkiDir");
  static final Set<String> DCGM_KEYS = Set.of("type", "url");
  static final Set<String> NVML_KEYS = Set.of("type", "library");

  /** Without a valid type no key can be called unknown, so any source key is let through. */
  private static final Set<String> ANY_SOURCE_KEYS =
      Stream.of(MODBUS_KEYS, OPCUA_KEYS, DCGM_KEYS, NVML_KEYS)
          .flatMap(Set::stream)
          .collect(Collectors.toUnmodifiableSet());

  /** A device's profile reference, checked once every profile is known. */
  record ProfileRef(At at, String profile, SourceType sourceType) {}

  private final Binder binder;
  private final Ids deviceIds;
  private final List<ProfileRef> profileRefs = new ArrayList<>();

  DeviceBinder(Binder binder, Ids deviceIds) {
    this.binder = binder;
    this.deviceIds = deviceIds;
  }

  List<ProfileRef> profileRefs() {
    return profileRefs;
  }

  List<Device> devices(List<At> items, Location location) {
    List<Device> out = new ArrayList<>();
    for (At item : items) {
      Device d = device(item, location);
      if (d != null) {
        out.add(d);
      }
    }
    return out;
  }

  private Device device(At at, Location location) {
    Fields f = binder.fields(at, DEVICE_KEYS);
    if (f == null) {
      return null;
    }
    String id = f.requireId("id");
    if (id != null) {
      deviceIds.register(id, f.get("id"));
    }
    DeviceKind kind = f.requireEnum("kind", DeviceKind.class);
    Source source =
        f.require("source", "a mapping with type: modbus, opcua, dcgm or nvml") == null
            ? null
            : source(f.get("source"));
    String profile = f.optionalString("profile", null);
    // Check the profile even when another key of the source is wrong, so that one load reports
    // both problems instead of revealing the second only after the first is fixed.
    SourceType sourceType =
        source != null
            ? SourceType.of(source)
            : f.has("source") ? Binder.peekEnum(f.get("source"), "type", SourceType.class) : null;
    if (sourceType != null) {
      checkProfilePresence(f, sourceType, profile);
    }
    Duration interval = f.optionalDuration("interval", DEFAULT_INTERVAL);
    Duration timeout = timeout(f, interval);
    var tags = f.stringMap("tags");
    return new Device(id, kind, location, profile, source, interval, timeout, tags);
  }

  private void checkProfilePresence(Fields f, SourceType type, String profile) {
    String typeName = Binder.yamlName(type);
    if (type.needsProfile() && !f.has("profile")) {
      binder.problem(
          f.missing("profile"),
          "is required for a " + typeName + " source (the point map to read)");
    } else if (!type.needsProfile() && f.has("profile")) {
      binder.problem(
          f.get("profile"), "a " + typeName + " source describes its own metrics; remove profile");
    } else if (profile != null) {
      profileRefs.add(new ProfileRef(f.get("profile"), profile, type));
    }
  }

  /** Defaults to the interval, capped at {@link #MAX_DEFAULT_TIMEOUT}. */
  private Duration timeout(Fields f, Duration interval) {
    Duration timeout = f.optionalDuration("timeout", null);
    if (interval == null) {
      return timeout;
    }
    if (timeout == null) {
      return f.has("timeout")
          ? null
          : interval.compareTo(MAX_DEFAULT_TIMEOUT) < 0 ? interval : MAX_DEFAULT_TIMEOUT;
    }
    if (timeout.compareTo(interval) > 0) {
      binder.problem(
          f.get("timeout"),
          "must not be longer than the interval ("
              + Durations.format(interval)
              + "), got "
              + Durations.format(timeout));
    }
    return timeout;
  }

  private Source source(At at) {
    SourceType peeked = Binder.peekEnum(at, "type", SourceType.class);
    Set<String> allowed =
        peeked == null
            ? ANY_SOURCE_KEYS
            : switch (peeked) {
              case MODBUS -> MODBUS_KEYS;
              case OPCUA -> OPCUA_KEYS;
              case DCGM -> DCGM_KEYS;
              case NVML -> NVML_KEYS;
            };
    Fields f = binder.fields(at, allowed);
    if (f == null) {
      return null;
    }
    SourceType type = f.requireEnum("type", SourceType.class);
    if (type == null) {
      return null;
    }
    return switch (type) {
      case MODBUS -> modbus(f);
      case OPCUA -> opcUa(f);
      case DCGM -> dcgm(f);
      case NVML -> new Source.Nvml(f.optionalString("library", null));
    };
  }

  private Source modbus(Fields f) {
    String host = f.requireString("host");
    if (host != null && (host.contains("/") || host.chars().anyMatch(Character::isWhitespace))) {
      binder.problem(
          f.get("host"),
          "expected a host name or address (the port goes in port:), got "
              + Binder.shown(f.get("host")));
      host = null;
    }
    Integer port = f.optionalInt("port", DEFAULT_MODBUS_PORT, 1, 65535);
    // Unit 0 is the broadcast id on a serial line but a valid "any unit" on many TCP devices.
    Integer unitId = f.optionalInt("unitId", DEFAULT_UNIT_ID, 0, 255);
    Source.ModbusRequests requests = modbusRequests(f);
    return host == null || port == null || unitId == null || requests == null
        ? null
        : new Source.Modbus(host, port, unitId, requests);
  }

  private static Source.ModbusRequests modbusRequests(Fields f) {
    var d = Source.ModbusRequests.DEFAULT;
    Integer max =
        f.optionalInt(
            "maxRegistersPerRequest",
            d.maxRegistersPerRequest(),
            1,
            Source.ModbusRequests.MAX_REGISTERS);
    Integer gap = f.optionalInt("maxGap", d.maxGap(), 0, Source.ModbusRequests.MAX_REGISTERS);
    Duration pause = f.optionalDuration("pauseBetweenRequests", d.pauseBetweenRequests());
    Duration requestTimeout = f.optionalDuration("requestTimeout", null);
    if (max == null || gap == null || pause == null) {
      return null;
    }
    if (f.has("requestTimeout") && requestTimeout == null) {
      return null;
    }
    return new Source.ModbusRequests(max, gap, pause, requestTimeout);
  }

  private Source opcUa(Fields f) {
    URI endpoint = f.requireUri("endpoint", Set.of("opc.tcp"));
    Source.SecurityPolicy policy =
        f.optionalEnum("securityPolicy", Source.SecurityPolicy.class, Source.SecurityPolicy.NONE);
    String username = f.optionalString("username", null);
    At passwordAt = f.get("password");
    String password = null;
    if (passwordAt != null) {
      password = binder.text(passwordAt);
      if (!Binder.shown(passwordAt).contains("${")) {
        binder.problem(
            passwordAt, "must come from the environment, e.g. ${KILOWATCH_OPCUA_PASSWORD}");
      }
      if (!f.has("username")) {
        binder.problem(passwordAt, "a password needs a username");
      }
    }
    OpcUaOptions options = opcUaOptions(f, policy);
    return endpoint == null || policy == null || options == null
        ? null
        : new Source.OpcUa(endpoint, policy, username, password, options);
  }

  private OpcUaOptions opcUaOptions(Fields f, Source.SecurityPolicy policy) {
    var mode = f.optionalEnum("mode", OpcUaOptions.Mode.class, OpcUaOptions.Mode.SUBSCRIBE);
    var securityMode = f.optionalEnum("securityMode", OpcUaOptions.SecurityMode.class, null);
    if (securityMode != null && policy != null) {
      boolean none = policy == Source.SecurityPolicy.NONE;
      if (none && securityMode != OpcUaOptions.SecurityMode.NONE) {
        binder.problem(
            f.get("securityMode"),
            "needs a securityPolicy other than none (e.g. basic256sha256) to sign or encrypt");
      } else if (!none && securityMode == OpcUaOptions.SecurityMode.NONE) {
        binder.problem(
            f.get("securityMode"), "none is only valid with securityPolicy: none; use sign");
      }
    }
    Duration sampling = f.optionalDuration("samplingInterval", null);
    Integer queueSize = f.optionalInt("queueSize", OpcUaOptions.DEFAULT_QUEUE_SIZE, 1, 10_000);
    var timestamps =
        f.optionalEnum("timestamps", OpcUaOptions.Timestamps.class, OpcUaOptions.Timestamps.SOURCE);
    java.nio.file.Path cert = path(f, "userCertificate");
    java.nio.file.Path key = path(f, "userPrivateKey");
    if (f.has("userCertificate") != f.has("userPrivateKey")) {
      String present = f.has("userCertificate") ? "userCertificate" : "userPrivateKey";
      binder.problem(
          f.get(present), "userCertificate and userPrivateKey go together (X.509 login)");
    }
    if (f.has("userCertificate") && f.has("username")) {
      binder.problem(
          f.get("userCertificate"), "log in with a username or a userCertificate, not both");
    }
    Boolean tofu = bool(f, "trustOnFirstUse");
    java.nio.file.Path pki = path(f, "pkiDir");
    if (mode == null || queueSize == null || timestamps == null || tofu == null) {
      return null;
    }
    return new OpcUaOptions(
        mode, securityMode, sampling, queueSize, timestamps, cert, key, tofu, pki);
  }

  private java.nio.file.Path path(Fields f, String key) {
    String text = f.optionalString(key, null);
    if (text == null) {
      return null;
    }
    try {
      return java.nio.file.Path.of(text);
    } catch (java.nio.file.InvalidPathException e) {
      binder.problem(f.get(key), "not a valid path: " + e.getReason());
      return null;
    }
  }

  private Boolean bool(Fields f, String key) {
    String text = f.optionalString(key, "false");
    if (text == null) {
      return null;
    }
    return switch (text.strip()) {
      case "true" -> true;
      case "false" -> false;
      default -> {
        binder.problem(f.get(key), "expected true or false, got " + Binder.shown(f.get(key)));
        yield null;
      }
    };
  }

  private Source dcgm(Fields f) {
    URI url = f.requireUri("url", Set.of("http", "https"));
    return url == null ? null : new Source.Dcgm(url);
  }
}
