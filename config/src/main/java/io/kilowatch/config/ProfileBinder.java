package io.kilowatch.config;

import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Quantity;
import io.kilowatch.config.units.Units;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Binds profiles, given inline or as {@code {file: path}} entries relative to the config file. */
final class ProfileBinder {
  /** Measurements and fields become column and series names, so they keep to identifiers. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private static final Pattern NODE_ID =
      Pattern.compile("((ns=\\d+|nsu=[^;]+);)?(i=\\d+|s=.+|g=[0-9A-Fa-f-]{36}|b=.+)");

  /**
   * Fields the thermal-risk engine reads by name (analytics README): their unit may be any of the
   * quantity's, but must be of that quantity.
   */
  private static final Map<String, Quantity> ROLES =
      Map.of(
          "cooling_loop.supply_temp_c", Quantity.TEMPERATURE,
          "cooling_loop.supply_temp", Quantity.TEMPERATURE,
          "cooling_loop.flow_lpm", Quantity.FLOW,
          "cooling_loop.flow", Quantity.FLOW,
          "cooling_loop.diff_pressure_kpa", Quantity.PRESSURE,
          "cooling_loop.diff_pressure", Quantity.PRESSURE,
          "sensor.inlet_temp", Quantity.TEMPERATURE,
          "rack.inlet_temp", Quantity.TEMPERATURE);

  static final Set<String> MODBUS_PROFILE_KEYS = Set.of("id", "source", "addressBase", "points");
  static final Set<String> OPCUA_PROFILE_KEYS = Set.of("id", "source", "points");
  static final Set<String> SNMP_PROFILE_KEYS = Set.of("id", "source", "points", "tables");
  static final Set<String> SNMP_TABLE_KEYS = Set.of("name", "indexTag", "columns");
  static final Set<String> COMMON_POINT_KEYS =
      Set.of("name", "unit", "quantity", "states", "kind", "measurement", "field", "tags");
  static final Set<String> MODBUS_POINT_KEYS =
      union(
          COMMON_POINT_KEYS,
          Set.of(
              "registerType",
              "stride",
              "address",
              "dataType",
              "wordOrder",
              "scale",
              "offset",
              "length"));
  static final Set<String> OPCUA_POINT_KEYS =
      union(COMMON_POINT_KEYS, Set.of("nodeId", "browsePath", "deadband", "scale", "offset"));
  static final Set<String> SNMP_POINT_KEYS =
      union(COMMON_POINT_KEYS, Set.of("oid", "decimalDigits", "scale", "offset", "counterBits"));

  /** Dotted numbers, at least two arcs, an optional leading dot. */
  private static final Pattern OID = Pattern.compile("\\.?\\d+(\\.\\d+)+");

  /** A profile's {@code source}: only protocols whose points need mapping have profiles. */
  enum ProfileSource {
    MODBUS,
    OPCUA,
    SNMP
  }

  private final Binder binder;
  private final Ids profileIds;
  private final Path baseDir;
  private final YamlDocuments documents;

  ProfileBinder(Binder binder, Ids profileIds, Path baseDir, YamlDocuments documents) {
    this.binder = binder;
    this.profileIds = profileIds;
    this.baseDir = baseDir;
    this.documents = documents;
  }

  List<Profile> profiles(List<At> entries) {
    List<Profile> out = new ArrayList<>();
    for (At entry : entries) {
      if (Binder.hasKey(entry, "file")) {
        for (At included : include(entry)) {
          addIfBound(out, included);
        }
      } else {
        addIfBound(out, entry);
      }
    }
    return out;
  }

  private void addIfBound(List<Profile> out, At at) {
    Profile p = profile(at);
    if (p != null) {
      out.add(p);
    }
  }

  /** The profiles of an included file: one profile mapping, or a list of them. */
  private List<At> include(At entry) {
    Fields f = binder.fields(entry, Set.of("file"));
    String relative = f == null ? null : f.requireString("file");
    if (relative == null) {
      return List.of();
    }
    At fileAt = f.get("file");
    Path path;
    try {
      path = baseDir.resolve(relative).normalize();
    } catch (InvalidPathException e) {
      binder.problem(fileAt, "not a valid path: " + e.getReason());
      return List.of();
    }
    String text;
    try {
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      binder.problem(fileAt, "cannot read " + path + ": no such file");
      return List.of();
    } catch (IOException e) {
      binder.problem(fileAt, "cannot read " + path + ": " + e);
      return List.of();
    }
    String name = path.toString();
    Node root = documents.compose(text, name);
    if (root == null) {
      return List.of();
    }
    At rootAt = new At(name, entry.path(), root);
    return root instanceof SequenceNode ? binder.list(rootAt) : List.of(rootAt);
  }

  private Profile profile(At at) {
    ProfileSource peeked = Binder.peekEnum(at, "source", ProfileSource.class);
    Set<String> allowed =
        peeked == ProfileSource.OPCUA
            ? OPCUA_PROFILE_KEYS
            : peeked == ProfileSource.SNMP ? SNMP_PROFILE_KEYS : MODBUS_PROFILE_KEYS;
    Fields f = binder.fields(at, allowed);
    if (f == null) {
      return null;
    }
    String id = f.requireId("id");
    if (id != null) {
      profileIds.register(id, f.get("id"));
    }
    ProfileSource source = f.requireEnum("source", ProfileSource.class);
    if (source == null) {
      return null;
    }
    if (!f.has("points") && !(source == ProfileSource.SNMP && f.has("tables"))) {
      binder.problem(
          f.missing("points"),
          source == ProfileSource.SNMP
              ? "is required, or tables (a profile needs at least one point)"
              : "is required (a profile needs at least one point)");
    }
    PointChecks checks = new PointChecks();
    return switch (source) {
      case MODBUS -> {
        var base = f.requireEnum("addressBase", Profile.AddressBase.class);
        List<Profile.ModbusPoint> points = new ArrayList<>();
        Map<Profile.ModbusPoint, At> fromRange = new HashMap<>();
        for (At p : f.list("points")) {
          At range = rangeName(p);
          for (At one : range == null ? List.of(p) : expand(p, range)) {
            var point = modbusPoint(one, base, checks);
            if (point != null) {
              points.add(point);
              if (range != null) {
                fromRange.put(point, range);
              }
            }
          }
        }
        checkRangeOverlaps(points, fromRange);
        yield new Profile.Modbus(id, base, points);
      }
      case OPCUA -> {
        List<Profile.OpcUaPoint> points = new ArrayList<>();
        for (At p : f.list("points")) {
          var point = opcUaPoint(p, checks);
          if (point != null) {
            points.add(point);
          }
        }
        yield new Profile.OpcUa(id, points);
      }
      case SNMP -> snmpProfile(id, f, checks);
    };
  }

  private Profile.Snmp snmpProfile(String id, Fields f, PointChecks checks) {
    List<Profile.SnmpPoint> scalars = new ArrayList<>();
    for (At p : f.list("points")) {
      var point = snmpPoint(p, checks, null);
      if (point != null) {
        scalars.add(point);
      }
    }
    List<Profile.SnmpTable> tables = new ArrayList<>();
    Map<String, At> tableNames = new HashMap<>();
    for (At t : f.list("tables")) {
      Fields tf = binder.fields(t, SNMP_TABLE_KEYS);
      if (tf == null) {
        continue;
      }
      String name = tf.requireString("name");
      if (name != null) {
        At earlier = tableNames.putIfAbsent(name, tf.get("name"));
        if (earlier != null) {
          binder.problem(
              tf.get("name"),
              "duplicate table name '" + name + "' (first at line " + earlier.line() + ")");
        }
      }
      String indexTag = identifier(tf, "indexTag", true);
      if (!tf.has("columns")) {
        binder.problem(tf.missing("columns"), "is required (a table needs at least one column)");
      }
      List<Profile.SnmpPoint> columns = new ArrayList<>();
      for (At c : tf.list("columns")) {
        var column = snmpPoint(c, checks, indexTag == null ? "?" : indexTag);
        if (column != null) {
          columns.add(column);
        }
      }
      if (name != null && indexTag != null) {
        tables.add(new Profile.SnmpTable(name, indexTag, columns));
      }
    }
    return new Profile.Snmp(id, scalars, tables);
  }

  /**
   * A scalar ({@code indexTag} null: its OID names the instance) or a table column (its OID is the
   * column's, the row index appended, or put where {@code {index}} stands).
   */
  private Profile.SnmpPoint snmpPoint(At at, PointChecks checks, String indexTag) {
    Fields f = binder.fields(at, SNMP_POINT_KEYS);
    if (f == null) {
      return null;
    }
    Common c = common(f, checks, true, indexTag);
    if (indexTag != null && c.tags() != null && c.tags().containsKey(indexTag)) {
      binder.problem(
          f.get("tags"), "tag '" + indexTag + "' is the table's indexTag: each row sets it");
    }
    String oid = snmpOid(f, "oid", indexTag != null, true);
    String digits = snmpOid(f, "decimalDigits", indexTag != null, false);
    Double scale = f.optionalNumber("scale", 1.0);
    if (scale != null && scale == 0.0) {
      binder.problem(f.get("scale"), "must not be 0 (every reading would be 0)");
    }
    Double offset = f.optionalNumber("offset", 0.0);
    Integer bits = f.optionalInt("counterBits", 32, 32, 64);
    if (bits != null && bits != 32 && bits != 64) {
      binder.problem(
          f.get("counterBits"),
          "must be 32 (Counter32, Unsigned32, Gauge32, INTEGER) or 64 (Counter64), got " + bits);
      bits = null;
    }
    if (oid == null
        || (f.has("decimalDigits") && digits == null)
        || scale == null
        || offset == null
        || bits == null
        || c.name() == null
        || c.field() == null) {
      return null;
    }
    return new Profile.SnmpPoint(
        c.name(),
        oid,
        digits,
        scale,
        offset,
        c.unit(),
        c.kind(),
        c.measurement(),
        c.field(),
        c.tags() == null ? Map.of() : c.tags(),
        bits,
        c.quantity(),
        c.states(),
        indexTag);
  }

  /**
   * An OID in dotted numbers, without the leading dot. A column's holds {@code {index}} once, where
   * the row index goes; without it, the index is appended. A scalar's holds none.
   */
  private String snmpOid(Fields f, String key, boolean column, boolean required) {
    String text = required ? f.requireString(key) : f.optionalString(key, null);
    if (text == null) {
      return null;
    }
    String t = text.strip();
    String index = Profile.SnmpPoint.INDEX;
    int at = t.indexOf(index);
    boolean ok;
    if (at < 0) {
      ok = OID.matcher(t).matches();
      t = column ? t + "." + index : t;
    } else {
      String before = t.substring(0, at);
      String after = t.substring(at + index.length());
      ok =
          column
              && before.endsWith(".")
              && OID.matcher(before.substring(0, before.length() - 1)).matches()
              && (after.isEmpty() || (after.startsWith(".") && OID.matcher("0" + after).matches()))
              && !after.contains(index);
    }
    if (!ok) {
      binder.problem(
          f.get(key),
          column
              ? "expected a column OID in dotted numbers, the row index appended or where {index}"
                  + " stands (1.3.6.1.4.1.318.1.1.26.9.4.3.1.7 or"
                  + " 1.3.6.1.4.1.13742.6.5.4.3.1.4.1.{index}.5), got "
                  + Binder.shown(f.get(key))
              : "expected an OID in dotted numbers ending with the instance, e.g."
                  + " 1.3.6.1.2.1.33.1.2.4.0, got "
                  + Binder.shown(f.get(key)));
      return null;
    }
    return t.startsWith(".") ? t.substring(1) : t;
  }

  /** What one point shares with every other point: its name and where its value lands. */
  private record Common(
      String name,
      String unit,
      Profile.PointKind kind,
      String measurement,
      String field,
      Map<String, String> tags,
      Quantity quantity,
      SortedMap<Long, String> states) {}

  /** Names and fields already used within one profile. */
  private static final class PointChecks {
    final Map<String, At> names = new HashMap<>();
    final Map<String, String> fields = new HashMap<>();
  }

  private Common common(Fields f, PointChecks checks, boolean unitRequired) {
    return common(f, checks, unitRequired, null);
  }

  /**
   * @param indexTag for an SNMP table column, the tag each row sets: its series differ from the
   *     scalars' (and other tables') by it
   */
  private Common common(Fields f, PointChecks checks, boolean unitRequired, String indexTag) {
    String name = f.requireString("name");
    if (name != null) {
      At earlier = checks.names.putIfAbsent(name, f.get("name"));
      if (earlier != null) {
        binder.problem(
            f.get("name"),
            "duplicate point name '" + name + "' (first at line " + earlier.line() + ")");
      }
    }
    String unit = f.optionalString("unit", null);
    if (!f.has("unit") && unitRequired) {
      binder.problem(
          f.missing("unit"), "is required: every point needs a unit, e.g. W, kWh, degC, %, 1");
    }
    Profile.PointKind kind =
        f.optionalEnum("kind", Profile.PointKind.class, Profile.PointKind.GAUGE);
    String measurement = identifier(f, "measurement", false);
    String field = identifier(f, "field", true);
    Quantity quantity = quantity(f);
    SortedMap<Long, String> states = states(f);
    if (unit != null) {
      checkUnit(f, unit, quantity, states, field);
    } else if (!states.isEmpty() || quantity != null) {
      binder.problem(
          f.missing("unit"), "is required with quantity or states (a state point's unit is 1)");
    }
    Map<String, String> tags = f.stringMap("tags");
    if (field != null && name != null) {
      // The same field may appear once per tag set: total power and power per phase share
      // power_w and differ by a phase tag. Only an identical series would be written twice.
      String where =
          (measurement == null ? "" : measurement + ".")
              + field
              + (tags == null || tags.isEmpty() ? "" : " " + new java.util.TreeMap<>(tags))
              + (indexTag == null ? "" : " per " + indexTag);
      String earlier = checks.fields.putIfAbsent(where, name);
      if (earlier != null) {
        binder.problem(
            f.get("field"), "field '" + where + "' is already written by point '" + earlier + "'");
      }
    }
    return new Common(name, unit, kind, measurement, field, tags, quantity, states);
  }

  private Quantity quantity(Fields f) {
    String text = f.optionalString("quantity", null);
    if (text == null) {
      return null;
    }
    var q = Quantity.byConfigName(text);
    if (q.isEmpty()) {
      binder.problem(
          f.get("quantity"),
          "expected one of "
              + java.util.Arrays.stream(Quantity.values()).map(Quantity::configName).toList()
              + ", got "
              + Binder.shown(f.get("quantity")));
      return null;
    }
    return q.get();
  }

  /** {@code states: {0: Dry, 1: Leak}}: whole-number values, non-blank names. */
  private SortedMap<Long, String> states(Fields f) {
    SortedMap<Long, String> out = new TreeMap<>();
    for (var e : f.stringMap("states").entrySet()) {
      try {
        out.put(Long.parseLong(e.getKey().strip()), e.getValue().strip());
      } catch (NumberFormatException ex) {
        binder.problem(
            f.get("states"),
            "state values must be whole numbers (0: Dry, 1: Leak), got '" + e.getKey() + "'");
      }
      if (e.getValue().isBlank()) {
        binder.problem(f.get("states"), "state " + e.getKey() + " needs a name");
      }
    }
    return out;
  }

  /**
   * The unit must parse, fit the quantity, and agree with a unit the field name spells: {@code
   * energy_kwh} in Wh is the 1000× error a reader of the name would make.
   */
  private void checkUnit(
      Fields f, String unit, Quantity quantity, SortedMap<Long, String> states, String field) {
    PointUnit pu;
    try {
      pu = PointUnit.of(unit, quantity, states);
    } catch (IllegalArgumentException e) {
      binder.problem(
          f.get(quantity != null && Units.isUnit(unit) ? "quantity" : "unit"),
          quantity != null && Units.isUnit(unit)
              ? "unit '"
                  + unit
                  + "' does not measure "
                  + quantity.configName()
                  + " (its unit is e.g. "
                  + quantity.canonical().shown()
                  + ")"
              : e.getMessage());
      return;
    }
    Quantity expected = ROLES.get(f.optionalString("measurement", "") + "." + field);
    if (expected != null && pu.quantity() != expected) {
      binder.problem(
          f.get("unit"),
          "unit '"
              + unit
              + "' does not fit field '"
              + field
              + "': the thermal-risk engine reads it as a "
              + expected.configName()
              + " (e.g. "
              + expected.canonical().shown()
              + ")");
    }
    if (!states.isEmpty() && pu.quantity() != Quantity.STATE) {
      binder.problem(f.get("states"), "only a state point (unit 1) names states");
    }
    pu.contradictedBy(field)
        .ifPresent(
            named ->
                binder.problem(
                    f.get("unit"),
                    "unit '"
                        + unit
                        + "' does not fit field '"
                        + field
                        + "', whose name says "
                        + named.shown()
                        + ": give the unit the device reports and a field name that agrees, or a"
                        + " name without a unit suffix"));
  }

  private String identifier(Fields f, String key, boolean required) {
    String value = required ? f.requireString(key) : f.optionalString(key, null);
    if (value != null && !NAME.matcher(value).matches()) {
      binder.problem(
          f.get(key),
          "must be letters, digits and '_' (not starting with a digit), e.g. power_w, got "
              + Binder.shown(f.get(key)));
      return null;
    }
    return value;
  }

  /**
   * A Modbus point whose name holds a range, {@code outlet_{1..24}}, stands for one point per
   * number: {@code outlet_1} … {@code outlet_24}, at consecutive addresses ({@code address} + (i −
   * first) × the registers of its data type, one bit for coils and discretes). In {@code field},
   * {@code measurement} and tag values, {@code {n}} is that number.
   */
  private static final Pattern RANGE = Pattern.compile("\\{(-?\\d+)\\.\\.(-?\\d+)\\}");

  static final String RANGE_INDEX = "{n}";

  /** Most points one range may stand for: more is a typo, not a device. */
  static final int MAX_RANGE_POINTS = 4096;

  /** The point's name node if it holds a range, else null. */
  private static At rangeName(At point) {
    if (point.node() instanceof MappingNode m) {
      for (NodeTuple t : m.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode k
            && k.getValue().equals("name")
            && t.getValueNode() instanceof ScalarNode v
            && v.getValue().contains("{")
            && v.getValue().contains("..")) {
          return point.key("name", v);
        }
      }
    }
    return null;
  }

  /** The points a range stands for, as YAML nodes at the same place in the file; none if bad. */
  private List<At> expand(At point, At nameAt) {
    String name = ((ScalarNode) nameAt.node()).getValue();
    Matcher r = RANGE.matcher(name);
    if (!r.find()) {
      binder.problem(
          nameAt, "a range is written {first..last} with whole numbers, e.g. outlet_{1..24}");
      return List.of();
    }
    if (r.find()) {
      binder.problem(nameAt, "holds two ranges; a point repeats over one, e.g. outlet_{1..24}");
      return List.of();
    }
    r.reset().find();
    long first;
    long last;
    try {
      first = Long.parseLong(r.group(1));
      last = Long.parseLong(r.group(2));
    } catch (NumberFormatException e) {
      binder.problem(nameAt, "range " + r.group() + " holds numbers too large");
      return List.of();
    }
    if (first > last) {
      binder.problem(
          nameAt,
          "range "
              + r.group()
              + " runs backwards: write {"
              + last
              + ".."
              + first
              + "} (the first number names the point at address)");
      return List.of();
    }
    if (last - first + 1 > MAX_RANGE_POINTS) {
      binder.problem(
          nameAt,
          "range "
              + r.group()
              + " stands for "
              + (last - first + 1)
              + " points; at most "
              + MAX_RANGE_POINTS);
      return List.of();
    }
    MappingNode m = (MappingNode) point.node();
    ScalarNode address = scalar(m, "address");
    Long start = address == null ? null : wholeNumber(address.getValue());
    if (start == null) {
      binder.problem(
          address == null ? point.key("address", m) : point.key("address", address),
          "a range needs a whole-number start address, the address of "
              + name.substring(0, r.start())
              + first
              + name.substring(r.end()));
      return List.of();
    }
    int width = registers(m);
    ScalarNode strideNode = scalar(m, "stride");
    int step = width;
    if (strideNode != null) {
      Long stride = wholeNumber(strideNode.getValue());
      At strideAt = point.key("stride", strideNode);
      if (stride == null || stride < width || stride > 65536) {
        binder.problem(
            strideAt,
            "must be a whole number of registers from one point of the range to the next, at"
                + " least the "
                + width
                + " one point takes, got "
                + Binder.shown(strideAt));
        return List.of();
      }
      step = stride.intValue();
    }
    var out = new ArrayList<At>();
    for (long i = first; i <= last; i++) {
      String n = Long.toString(i);
      var tuples = new ArrayList<NodeTuple>();
      for (NodeTuple t : m.getValue()) {
        String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "";
        if (key.equals("stride")) {
          continue; // used up: each point of the range has its own address
        }
        Node value = t.getValueNode();
        Node replaced =
            switch (key) {
              case "name" ->
                  copy(
                      (ScalarNode) value,
                      name.substring(0, r.start()) + n + name.substring(r.end()));
              case "address" -> copy((ScalarNode) value, Long.toString(start + (i - first) * step));
              case "field", "measurement" -> withIndex(value, n);
              case "tags" -> tagsWithIndex(value, n);
              default -> value;
            };
        tuples.add(new NodeTuple(t.getKeyNode(), replaced));
      }
      var node =
          new MappingNode(
              m.getTag(), true, tuples, m.getStartMark(), m.getEndMark(), m.getFlowStyle());
      out.add(new At(point.file(), point.path(), node));
    }
    return out;
  }

  private static ScalarNode scalar(MappingNode m, String key) {
    for (NodeTuple t : m.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode k
          && k.getValue().equals(key)
          && t.getValueNode() instanceof ScalarNode v) {
        return v;
      }
    }
    return null;
  }

  private static Long wholeNumber(String text) {
    try {
      String t = text.strip();
      return t.startsWith("0x") || t.startsWith("0X")
          ? Long.parseLong(t.substring(2), 16)
          : Long.parseLong(t);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Registers (or bits) one point of a range takes, from its registerType, dataType and length; 1
   * where those are wrong, which the point's own checks then report.
   */
  private static int registers(MappingNode m) {
    ScalarNode type = scalar(m, "registerType");
    if (type != null && (type.getValue().equals("coil") || type.getValue().equals("discrete"))) {
      return 1;
    }
    ScalarNode dataType = scalar(m, "dataType");
    if (dataType == null) {
      return 1;
    }
    if (dataType.getValue().equals("string")) {
      ScalarNode length = scalar(m, "length");
      Long n = length == null ? null : wholeNumber(length.getValue());
      return n == null || n < 1 || n > Source.ModbusRequests.MAX_REGISTERS ? 1 : n.intValue();
    }
    for (Profile.DataType t : Profile.DataType.values()) {
      if (Binder.yamlName(t).equals(dataType.getValue())) {
        return t.registers();
      }
    }
    return 1;
  }

  private static ScalarNode copy(ScalarNode s, String value) {
    return new ScalarNode(s.getTag(), value, s.getStartMark(), s.getEndMark(), s.getScalarStyle());
  }

  private static Node withIndex(Node value, String n) {
    return value instanceof ScalarNode s && s.getValue().contains(RANGE_INDEX)
        ? copy(s, s.getValue().replace(RANGE_INDEX, n))
        : value;
  }

  private static Node tagsWithIndex(Node value, String n) {
    if (!(value instanceof MappingNode m)) {
      return value;
    }
    var tuples = new ArrayList<NodeTuple>();
    for (NodeTuple t : m.getValue()) {
      tuples.add(new NodeTuple(t.getKeyNode(), withIndex(t.getValueNode(), n)));
    }
    return new MappingNode(
        m.getTag(), true, tuples, m.getStartMark(), m.getEndMark(), m.getFlowStyle());
  }

  /**
   * A range that runs into another point's registers was almost always miscounted ({@code {1..24}}
   * on an 8-outlet PDU): reported at the range's name, once per range.
   */
  private void checkRangeOverlaps(
      List<Profile.ModbusPoint> points, Map<Profile.ModbusPoint, At> fromRange) {
    var reported = new HashSet<At>();
    for (Profile.ModbusPoint p : points) {
      At range = fromRange.get(p);
      if (range == null || reported.contains(range)) {
        continue;
      }
      for (Profile.ModbusPoint other : points) {
        if (other == p
            || fromRange.get(other) == range
            || other.registerType() != p.registerType()) {
          continue;
        }
        int pEnd = p.address() + p.registers();
        int oEnd = other.address() + other.registers();
        if (p.address() < oEnd && other.address() < pEnd) {
          reported.add(range);
          binder.problem(
              range,
              "range point '"
                  + p.name()
                  + "' ("
                  + span(p)
                  + ") overlaps point '"
                  + other.name()
                  + "' ("
                  + span(other)
                  + "): check the range's count and start address");
          break;
        }
      }
    }
  }

  private static String span(Profile.ModbusPoint p) {
    String type = Binder.yamlName(p.registerType());
    return p.registers() == 1
        ? type + " " + p.address()
        : type + " " + p.address() + ".." + (p.address() + p.registers() - 1);
  }

  private Profile.ModbusPoint modbusPoint(At at, Profile.AddressBase base, PointChecks checks) {
    Fields f = binder.fields(at, MODBUS_POINT_KEYS);
    if (f == null) {
      return null;
    }
    Common c = common(f, checks, true);
    Profile.RegisterType registerType = f.requireEnum("registerType", Profile.RegisterType.class);
    if (f.has("stride") && rangeName(at) == null) {
      binder.problem(f.get("stride"), "applies only to a range, a point named like outlet_{1..24}");
    }
    Profile.DataType dataType = dataType(f, registerType);
    Integer length = length(f, dataType);
    Integer address = address(f, base, length == null ? 1 : length);
    Profile.WordOrder order =
        f.optionalEnum("wordOrder", Profile.WordOrder.class, Profile.WordOrder.ABCD);
    Double scale = f.optionalNumber("scale", 1.0);
    if (scale != null && scale == 0.0) {
      binder.problem(f.get("scale"), "must not be 0 (every reading would be 0)");
    }
    Double offset = f.optionalNumber("offset", 0.0);
    if (registerType == null
        || dataType == null
        || address == null
        || order == null
        || scale == null
        || offset == null
        || length == null) {
      return null;
    }
    return new Profile.ModbusPoint(
        c.name(),
        registerType,
        address,
        dataType,
        order,
        scale,
        offset,
        c.unit(),
        c.kind(),
        c.measurement(),
        c.field(),
        c.tags(),
        length,
        c.quantity(),
        c.states());
  }

  /** Registers a value spans: a string's {@code length}, else its type's own size. */
  private Integer length(Fields f, Profile.DataType dataType) {
    if (dataType != Profile.DataType.STRING) {
      if (f.has("length")) {
        binder.problem(f.get("length"), "applies only to dataType string");
      }
      return dataType == null ? 1 : dataType.registers();
    }
    if (!f.has("length")) {
      binder.problem(
          f.missing("length"), "is required for a string: the number of registers it spans");
      return null;
    }
    return f.requireInt("length", 1, Source.ModbusRequests.MAX_REGISTERS);
  }

  /** Coils and discrete inputs hold single bits; registers hold numbers. */
  private Profile.DataType dataType(Fields f, Profile.RegisterType registerType) {
    boolean bits =
        registerType == Profile.RegisterType.COIL || registerType == Profile.RegisterType.DISCRETE;
    if (bits) {
      Profile.DataType t = f.optionalEnum("dataType", Profile.DataType.class, Profile.DataType.BIT);
      if (t != null && t != Profile.DataType.BIT) {
        binder.problem(
            f.get("dataType"),
            Binder.yamlName(registerType) + " registers hold single bits: dataType must be bit");
      }
      return t;
    }
    Profile.DataType t = f.requireEnum("dataType", Profile.DataType.class);
    if (t == Profile.DataType.BIT && registerType != null) {
      binder.problem(f.get("dataType"), "bit applies only to coil and discrete registers");
    }
    return t;
  }

  /**
   * The address as written (the collector applies the base), checked to land on the wire within
   * 0..65535 including every register a multi-register value spans.
   */
  private Integer address(Fields f, Profile.AddressBase base, int span) {
    Integer address = f.requireInt("address", Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (address == null || base == null) {
      return address;
    }
    At at = f.get("address");
    int first = base == Profile.AddressBase.ONE ? 1 : 0;
    long wire = (long) address - first;
    if (wire < 0) {
      binder.problem(
          at,
          "must be at least "
              + first
              + " with addressBase "
              + Binder.yamlName(base)
              + ", got "
              + address);
      return null;
    }
    if (wire + span - 1 > 65535) {
      binder.problem(
          at,
          "must be at most "
              + (65535 - span + 1 + first)
              + " with addressBase "
              + Binder.yamlName(base)
              + (span > 1 ? " for a " + span + "-register value" : "")
              + ", got "
              + address);
      return null;
    }
    return address;
  }

  private Profile.OpcUaPoint opcUaPoint(At at, PointChecks checks) {
    Fields f = binder.fields(at, OPCUA_POINT_KEYS);
    if (f == null) {
      return null;
    }
    Common c = common(f, checks, false);
    Double scale = f.optionalNumber("scale", 1.0);
    if (scale != null && scale == 0.0) {
      binder.problem(f.get("scale"), "must not be 0 (every reading would be 0)");
    }
    Double offset = f.optionalNumber("offset", 0.0);
    if (scale == null || offset == null) {
      return null;
    }
    if (f.has("nodeId") == f.has("browsePath")) {
      binder.problem(
          f.has("nodeId") ? f.get("browsePath") : f.missing("nodeId"),
          f.has("nodeId")
              ? "give nodeId or browsePath, not both"
              : "is required (or browsePath, e.g. Objects/{device}/SupplyTemp)");
      return null;
    }
    String nodeId = f.optionalString("nodeId", null);
    if (nodeId != null && !NODE_ID.matcher(nodeId).matches()) {
      binder.problem(
          f.get("nodeId"),
          "expected a node id such as ns=2;s=Temp, nsu=urn:x;i=42 or i=2258, got "
              + Binder.shown(f.get("nodeId")));
      return null;
    }
    String browsePath = f.optionalString("browsePath", null);
    if (browsePath != null
        && java.util.Arrays.stream(browsePath.strip().replaceFirst("^/", "").split("/", -1))
            .anyMatch(String::isBlank)) {
      binder.problem(
          f.get("browsePath"),
          "expected browse names separated by '/', e.g. Objects/{device}/SupplyTemp, got "
              + Binder.shown(f.get("browsePath")));
      return null;
    }
    Profile.Deadband deadband = deadband(f);
    if (f.has("deadband") && deadband == null) {
      return null;
    }
    return nodeId == null && browsePath == null
        ? null
        : new Profile.OpcUaPoint(
            c.name(),
            nodeId,
            c.unit(),
            c.kind(),
            c.measurement(),
            c.field(),
            c.tags(),
            browsePath,
            deadband,
            scale,
            offset,
            c.quantity(),
            c.states());
  }

  /** {@code 0.5} is absolute (in the point's unit); {@code 2%} is percent of the EURange. */
  private Profile.Deadband deadband(Fields f) {
    String text = f.optionalString("deadband", null);
    if (text == null) {
      return null;
    }
    String t = text.strip();
    boolean percent = t.endsWith("%");
    double value;
    try {
      value = Double.parseDouble(percent ? t.substring(0, t.length() - 1).strip() : t);
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!(value >= 0) || (percent && value > 100) || Double.isInfinite(value)) {
      binder.problem(
          f.get("deadband"),
          "expected a non-negative number (absolute, e.g. 0.2) or a percentage of the range"
              + " (e.g. 2%), got "
              + Binder.shown(f.get("deadband")));
      return null;
    }
    return new Profile.Deadband(
        percent ? Profile.DeadbandType.PERCENT : Profile.DeadbandType.ABSOLUTE, value);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }
}
