package io.kilowatch.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

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
          "requestTimeout",
          "silentUnitTimeout",
          "connection");
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
  static final Set<String> SNMP_KEYS =
      Set.of(
          "type",
          "host",
          "port",
          "version",
          "community",
          "user",
          "authProtocol",
          "authKey",
          "privProtocol",
          "privKey",
          "engineId",
          "maxRepetitions",
          "retries");
  static final Set<String> DCGM_KEYS = Set.of("type", "url");
  static final Set<String> NVML_KEYS = Set.of("type", "library");
  static final Set<String> PUSH_KEYS =
      Set.of("type", "match", "measurement", "counterWidth", "units");

  /** Without a valid type no key can be called unknown, so any source key is let through. */
  private static final Set<String> ANY_SOURCE_KEYS =
      Stream.of(MODBUS_KEYS, OPCUA_KEYS, SNMP_KEYS, DCGM_KEYS, NVML_KEYS, PUSH_KEYS)
          .flatMap(Set::stream)
          .collect(Collectors.toUnmodifiableSet());

  /** A device's profile reference, checked once every profile is known. */
  record ProfileRef(At at, String profile, SourceType sourceType) {}

  /** A push device's match, checked against the others' once every device is known. */
  record PushRef(At at, String id, Source.Push push) {}

  private final Binder binder;
  private final Ids deviceIds;
  private final List<ProfileRef> profileRefs = new ArrayList<>();
  private final List<PushRef> pushRefs = new ArrayList<>();

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
        f.require("source", "a mapping with type: modbus, opcua, snmp, dcgm, nvml or push") == null
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
    if (sourceType == SourceType.PUSH && f.has("timeout")) {
      binder.problem(
          f.get("timeout"),
          "a push device is not polled, so it has no timeout; interval is how often its readings"
              + " are expected");
    }
    Duration timeout = timeout(f, interval);
    var tags = f.stringMap("tags");
    if (id != null && source instanceof Source.Push push) {
      pushRefs.add(new PushRef(child(f.get("source"), "match"), id, push));
    }
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
          f.get("profile"),
          type == SourceType.PUSH
              ? "pushed lines carry their own fields; remove profile"
              : "a " + typeName + " source describes its own metrics; remove profile");
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
              case SNMP -> SNMP_KEYS;
              case DCGM -> DCGM_KEYS;
              case NVML -> NVML_KEYS;
              case PUSH -> PUSH_KEYS;
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
      case SNMP -> snmp(f);
      case DCGM -> dcgm(f);
      case NVML -> new Source.Nvml(f.optionalString("library", null));
      case PUSH -> push(f);
    };
  }

  private Source push(Fields f) {
    At matchAt = f.require("match", "the tags that select this device's lines, e.g. {meter: it_A}");
    Map<String, String> match = matchAt == null ? null : binder.stringMap(matchAt);
    if (matchAt != null && matchAt.node() instanceof MappingNode m && m.getValue().isEmpty()) {
      binder.problem(matchAt, "must name at least one tag, e.g. {meter: it_A}");
      match = null;
    }
    String measurement = f.optionalString("measurement", null);
    Map<String, Double> widths = counterWidths(f.get("counterWidth"));
    Map<String, String> units = pushUnits(f.get("units"));
    return match == null || match.isEmpty() || widths == null || units == null
        ? null
        : new Source.Push(match, measurement, widths, units);
  }

  /**
   * {@code field: unit} pairs: what each pushed field measures, since a line carries no units. A
   * unit that does not parse, or that disagrees with a unit the field name spells, is reported.
   */
  private Map<String, String> pushUnits(At at) {
    if (at == null) {
      return Map.of();
    }
    if (!(at.node() instanceof MappingNode)) {
      binder.problem(at, "expected a mapping of field: unit, e.g. {energy_kwh: kWh}");
      return null;
    }
    Map<String, String> raw = binder.stringMap(at);
    Map<String, String> out = new LinkedHashMap<>();
    boolean ok = true;
    for (var e : raw.entrySet()) {
      At valueAt = child(at, e.getKey());
      try {
        var pu = io.kilowatch.config.units.PointUnit.of(e.getValue());
        var named = pu.contradictedBy(e.getKey());
        if (named.isPresent()) {
          binder.problem(
              valueAt,
              "unit '"
                  + e.getValue()
                  + "' does not fit field '"
                  + e.getKey()
                  + "', whose name says "
                  + named.get().shown());
          ok = false;
          continue;
        }
        out.put(e.getKey(), e.getValue());
      } catch (IllegalArgumentException ex) {
        binder.problem(valueAt, ex.getMessage());
        ok = false;
      }
    }
    return ok ? out : null;
  }

  /** {@code field: number} pairs, each a counter's positive range; null when one is unusable. */
  private Map<String, Double> counterWidths(At at) {
    if (at == null) {
      return Map.of();
    }
    if (!(at.node() instanceof MappingNode mapping)) {
      binder.problem(at, "expected a mapping of field: width, got " + at.describe());
      return null;
    }
    Map<String, Double> out = new LinkedHashMap<>();
    boolean ok = true;
    for (NodeTuple tuple : mapping.getValue()) {
      String field = tuple.getKeyNode() instanceof ScalarNode k ? k.getValue() : null;
      At keyAt = at.key(field == null ? "?" : field, tuple.getKeyNode());
      if (field == null || field.isBlank()) {
        binder.problem(keyAt, "a key must be a field name, e.g. energy_kwh");
        ok = false;
        continue;
      }
      if (out.containsKey(field)) {
        binder.problem(keyAt, "duplicate key '" + field + "'");
        ok = false;
        continue;
      }
      At valueAt = at.key(field, tuple.getValueNode());
      Double width = valueAt.isNull() ? null : binder.number(valueAt);
      if (valueAt.isNull()) {
        binder.problem(valueAt, "must have a value: the counter's range in the field's unit");
        ok = false;
      } else if (width == null) {
        ok = false;
      } else if (width <= 0) {
        binder.problem(
            valueAt,
            "must be positive: the counter's range in the field's unit (a 32-bit Wh register read"
                + " as kWh: 4294967.296), got "
                + Binder.shown(valueAt));
        ok = false;
      } else {
        out.put(field, width);
      }
    }
    return ok ? out : null;
  }

  /**
   * Two push devices whose matches can both select one line would split a series between them; each
   * such pair is reported at the later device, naming both.
   */
  void checkPushOverlaps() {
    // Devices that match on the same tag keys overlap only with equal values: found by hashing.
    // Between groups of different keys, by hashing the values of the keys both name.
    Map<Set<String>, List<PushRef>> byKeys = new LinkedHashMap<>();
    for (PushRef ref : pushRefs) {
      byKeys.computeIfAbsent(ref.push().match().keySet(), k -> new ArrayList<>()).add(ref);
    }
    List<List<PushRef>> groups = new ArrayList<>(byKeys.values());
    Set<PushRef> reported = new HashSet<>();
    for (int i = 0; i < groups.size(); i++) {
      for (int j = i; j < groups.size(); j++) {
        Set<String> common = new TreeSet<>(groups.get(i).getFirst().push().match().keySet());
        common.retainAll(groups.get(j).getFirst().push().match().keySet());
        Map<List<String>, List<PushRef>> seen = new HashMap<>();
        for (PushRef a : groups.get(i)) {
          seen.computeIfAbsent(project(a, common), k -> new ArrayList<>()).add(a);
        }
        for (PushRef b : groups.get(j)) {
          for (PushRef a : seen.getOrDefault(project(b, common), List.of())) {
            if (a != b && (i != j || pushRefs.indexOf(a) < pushRefs.indexOf(b))) {
              reportOverlap(a, b, reported);
            }
          }
        }
      }
    }
  }

  /** The node under {@code key} of a mapping, with its path; the mapping itself if absent. */
  private static At child(At at, String key) {
    if (at.node() instanceof MappingNode m) {
      for (NodeTuple t : m.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
          return at.key(key, t.getValueNode());
        }
      }
    }
    return at;
  }

  private static List<String> project(PushRef ref, Set<String> keys) {
    return keys.stream().map(ref.push().match()::get).toList();
  }

  private void reportOverlap(PushRef a, PushRef b, Set<PushRef> reported) {
    if (!a.push().overlaps(b.push())) {
      return; // different measurements
    }
    PushRef first = pushRefs.indexOf(a) < pushRefs.indexOf(b) ? a : b;
    PushRef later = first == a ? b : a;
    if (!reported.add(later)) {
      return;
    }
    var both = new TreeMap<>(first.push().match());
    both.putAll(later.push().match());
    binder.problem(
        later.at(),
        "push devices '"
            + first.id()
            + "' ("
            + first.at().file()
            + ":"
            + first.at().line()
            + ") and '"
            + later.id()
            + "' can both select the same line (one tagged "
            + both.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","))
            + "); give them one tag with different values");
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
    Duration silent = f.optionalDuration("silentUnitTimeout", d.silentUnitTimeout());
    Source.ModbusConnection connection =
        f.optionalEnum("connection", Source.ModbusConnection.class, d.connection());
    if (silent == null || connection == null) {
      return null;
    }
    return new Source.ModbusRequests(max, gap, pause, requestTimeout, silent, connection);
  }

  /**
   * v2c needs a community; v3 a user, with authKey for an authProtocol and privKey for a
   * privProtocol. Every secret (community, keys) comes from the environment, and the keys of the
   * other version are refused rather than ignored, so a half-converted v2c device cannot look
   * secured.
   */
  private Source snmp(Fields f) {
    String host = f.requireString("host");
    if (host != null && (host.contains("/") || host.chars().anyMatch(Character::isWhitespace))) {
      binder.problem(
          f.get("host"),
          "expected a host name or address (the port goes in port:), got "
              + Binder.shown(f.get("host")));
      host = null;
    }
    Integer port = f.optionalInt("port", Source.Snmp.DEFAULT_PORT, 1, 65535);
    Source.SnmpVersion version = f.requireEnum("version", Source.SnmpVersion.class);
    Integer maxRepetitions =
        f.optionalInt("maxRepetitions", Source.Snmp.DEFAULT_MAX_REPETITIONS, 1, 1000);
    Integer retries = f.optionalInt("retries", Source.Snmp.DEFAULT_RETRIES, 0, 10);
    String community = secret(f, "community");
    String user = f.optionalString("user", null);
    var auth = f.optionalEnum("authProtocol", Source.SnmpAuth.class, null);
    String authKey = secret(f, "authKey");
    var priv = f.optionalEnum("privProtocol", Source.SnmpPriv.class, null);
    String privKey = secret(f, "privKey");
    String engineId = f.optionalString("engineId", null);
    boolean ok = true;
    if (version == Source.SnmpVersion.V2C) {
      if (!f.has("community")) {
        binder.problem(
            f.missing("community"), "is required for version v2c, e.g. ${SNMP_COMMUNITY}");
        ok = false;
      }
      for (String key :
          List.of("user", "authProtocol", "authKey", "privProtocol", "privKey", "engineId")) {
        if (f.has(key)) {
          binder.problem(f.get(key), "applies only to version v3 (v2c uses community)");
          ok = false;
        }
      }
    } else if (version == Source.SnmpVersion.V3) {
      if (f.has("community")) {
        binder.problem(f.get("community"), "applies only to version v2c (v3 uses user and keys)");
        ok = false;
      }
      if (!f.has("user")) {
        binder.problem(f.missing("user"), "is required for version v3: the USM user name");
        ok = false;
      }
      ok &= together(f, "authProtocol", "authKey");
      ok &= together(f, "privProtocol", "privKey");
      if (f.has("privProtocol") && !f.has("authProtocol")) {
        binder.problem(
            f.get("privProtocol"),
            "needs an authProtocol: USM has no privacy without authentication");
        ok = false;
      }
      if (engineId != null && !engineId.strip().matches("(0x)?([0-9A-Fa-f]{2}){5,32}")) {
        binder.problem(
            f.get("engineId"),
            "expected the agent's engine ID as 10 to 64 hex digits, e.g. 80001f8880c0ffee01,"
                + " got "
                + Binder.shown(f.get("engineId")));
        ok = false;
      }
    }
    if (!ok
        || host == null
        || port == null
        || version == null
        || maxRepetitions == null
        || retries == null
        || (f.has("authProtocol") && auth == null)
        || (f.has("privProtocol") && priv == null)) {
      return null;
    }
    return new Source.Snmp(
        host,
        port,
        version,
        community,
        user,
        auth,
        authKey,
        priv,
        privKey,
        engineId == null ? null : engineId.strip().replaceFirst("^0x", ""),
        maxRepetitions,
        retries);
  }

  /** A secret of a source: written as ${VARIABLE}, never in the file. */
  private String secret(Fields f, String key) {
    At at = f.get(key);
    if (at == null) {
      return null;
    }
    binder.requireFromEnvironment(at, key);
    return binder.text(at);
  }

  /** A protocol and its key go together: one without the other is a problem at the one given. */
  private boolean together(Fields f, String protocol, String key) {
    if (f.has(protocol) == f.has(key)) {
      return true;
    }
    binder.problem(
        f.has(protocol) ? f.missing(key) : f.missing(protocol),
        f.has(protocol)
            ? "is required with " + protocol + " (from the environment, e.g. ${SNMP_AUTH_KEY})"
            : "is required with " + key);
    return false;
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
      binder.requireFromEnvironment(passwordAt, "password");
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
