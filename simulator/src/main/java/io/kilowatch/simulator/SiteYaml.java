package io.kilowatch.simulator;

import io.kilowatch.testkit.site.ConfigDurations;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.SiteCluster;
import io.kilowatch.testkit.site.SiteDevice;
import io.kilowatch.testkit.site.SiteRack;
import io.kilowatch.testkit.site.SiteSources;
import io.kilowatch.testkit.site.YamlMaps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The kilowatch site config for the live demo site, in the schema of {@code
 * config/examples/site.yaml}, with its profiles inline; every port in it is live on 127.0.0.1 only
 * while the demo runs. No {@code store:} or {@code web:} section: the caller adds them.
 */
final class SiteYaml {
  private static final Duration MAX_TIMEOUT = Duration.ofSeconds(2);
  private static final String LOOPBACK = "127.0.0.1";
  private static final List<String> PHASES = List.of("l1", "l2", "l3");

  /** Where each server listens. */
  record Ports(
      Map<String, Integer> modbusPorts,
      Map<String, Integer> snmpPorts,
      String opcUaEndpoint,
      int dcgmPort) {}

  private SiteYaml() {}

  static String render(SiteLayout layout, Ports ports, Duration interval) {
    return site(layout, ports, interval).toYaml();
  }

  static SiteBuilder site(SiteLayout layout, Ports ports, Duration interval) {
    Duration timeout = interval.compareTo(MAX_TIMEOUT) < 0 ? interval : MAX_TIMEOUT;
    SiteBuilder site =
        SiteBuilder.named("kilowatch demo hall")
            .siteField("timezone", "Europe/Paris")
            .siteField("gridZone", "FR")
            .siteField("ashraeClass", "a2")
            .profile(pduProfile())
            .profile(snmpPduProfile())
            .profile(meterProfile())
            .profile(cduProfile());
    for (SiteLayout.ClusterSpec cluster : layout.clusters()) {
      var cdu =
          SiteDevice.of(
                  cluster.cduId(),
                  "cdu",
                  "demo-cdu",
                  SiteSources.opcua(ports.opcUaEndpoint(), "securityPolicy", "none"))
              .every(interval, timeout);
      List<SiteRack> racks = new ArrayList<>();
      for (SiteLayout.RackSpec rack : cluster.racks()) {
        List<SiteDevice> devices = new ArrayList<>();
        for (String pdu : rack.pduIds()) {
          devices.add(modbus(pdu, "pdu", "demo-pdu", ports).every(interval, timeout));
        }
        devices.add(snmp(rack.snmpPduId(), ports).every(interval, timeout));
        for (String node : rack.nodeIds()) {
          String url =
              "http://" + LOOPBACK + ":" + ports.dcgmPort() + "/nodes/" + node + "/metrics";
          devices.add(
              SiteDevice.of(node, "gpu-node", null, SiteSources.dcgm(url))
                  .every(interval, timeout));
        }
        racks.add(new SiteRack(rack.id(), devices));
      }
      site.cluster(
          new SiteCluster(
              cluster.id(), "GPU cluster " + cluster.id().substring(1), List.of(cdu), racks));
    }
    for (String meter : List.of(SiteLayout.MAIN_METER, SiteLayout.COOLING_PLANT)) {
      site.device(modbus(meter, "meter", "demo-meter", ports).every(interval, timeout));
    }
    List<Object> cooling = new ArrayList<>();
    cooling.add(YamlMaps.of("device", SiteLayout.COOLING_PLANT));
    for (SiteLayout.ClusterSpec cluster : layout.clusters()) {
      cooling.add(YamlMaps.of("kind", "cdu", "cluster", cluster.id()));
    }
    return site.section(
        "energy",
        YamlMaps.of(
            "itLevel", "pdu-output",
            "facility", List.of(YamlMaps.of("device", SiteLayout.MAIN_METER)),
            "it", List.of(YamlMaps.of("kind", "pdu")),
            "cooling", cooling,
            "losses", List.of(),
            "other", List.of()));
  }

  private static SiteDevice modbus(String id, String kind, String profile, Ports ports) {
    Integer port = ports.modbusPorts().get(id);
    if (port == null) {
      throw new IllegalStateException("no Modbus port for " + id);
    }
    return SiteDevice.of(id, kind, profile, SiteSources.modbus(LOOPBACK, port, 1));
  }

  private static SiteDevice snmp(String id, Ports ports) {
    Integer port = ports.snmpPorts().get(id);
    if (port == null) {
      throw new IllegalStateException("no SNMP port for " + id);
    }
    // The community is a secret: the file names the variable, the demo's environment holds it.
    return SiteDevice.of(
        id,
        "pdu",
        SNMP_PDU_PROFILE,
        SiteSources.snmpV2c(LOOPBACK, port, "${" + DemoSite.SNMP_COMMUNITY_VARIABLE + "}"));
  }

  static final String SNMP_PDU_PROFILE = "demo-snmp-pdu";

  private static final String PDU2 = "1.3.6.1.4.1.13742.6";

  /**
   * A Raritan PX over SNMP: the points of the shipped profile {@code
   * config/profiles/snmp-raritan-pdu2.yaml} (PDU2-MIB, as the test kit's RaritanPdu2 serves it),
   * inline like the demo's other profiles. The inlet's power, current, voltage and energy by GET,
   * each scaled by the sensor's decimal digits read from the agent; the outlets walked as a table,
   * one series per outlet (measurement {@code pdu_outlet}, tag {@code outlet}), apart from the
   * PDU's total so the energy model never counts them twice.
   */
  private static Map<String, Object> snmpPduProfile() {
    List<Object> points = new ArrayList<>();
    points.add(inletSensor("power", 5, "W", "power_w"));
    points.add(inletSensor("current", 1, "A", "current_a"));
    points.add(inletSensor("voltage", 4, "V", "voltage_v"));
    points.add(kwh(inletSensor("energy", 8, "kWh", "energy_kwh")));
    List<Object> columns =
        List.of(
            outletSensor("outlet-power", 5, "W", "power_w"),
            outletSensor("outlet-current", 1, "A", "current_a"),
            outletSensor("outlet-voltage", 4, "V", "voltage_v"),
            kwh(outletSensor("outlet-energy", 8, "kWh", "energy_kwh")));
    return YamlMaps.of(
        "id",
        SNMP_PDU_PROFILE,
        "source",
        "snmp",
        "points",
        points,
        "tables",
        List.of(YamlMaps.of("name", "outlets", "indexTag", "outlet", "columns", columns)));
  }

  /** activeEnergy counts Wh, wrapping at 2^32; kilowatch stores kWh. */
  private static Map<String, Object> kwh(Map<String, Object> point) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    point.forEach(
        (k, v) -> {
          out.put(k, v);
          if (k.equals("decimalDigits")) {
            out.put("scale", 0.001);
          }
        });
    out.put("kind", "counter");
    return out;
  }

  /** measurementsInletSensorValue.1.1.type, digits from inletSensorDecimalDigits.1.1.type. */
  private static Map<String, Object> inletSensor(
      String name, int sensorType, String unit, String field) {
    return YamlMaps.of(
        "name", name,
        "oid", PDU2 + ".5.2.3.1.4.1.1." + sensorType,
        "decimalDigits", PDU2 + ".3.3.4.1.7.1.1." + sensorType,
        "unit", unit,
        "field", field);
  }

  /** measurementsOutletSensorValue.1.outlet.type, one row per outlet. */
  private static Map<String, Object> outletSensor(
      String name, int sensorType, String unit, String field) {
    return YamlMaps.of(
        "name",
        name,
        "oid",
        PDU2 + ".5.4.3.1.4.1.{index}." + sensorType,
        "decimalDigits",
        PDU2 + ".3.5.4.1.7.1.{index}." + sensorType,
        "unit",
        unit,
        "measurement",
        "pdu_outlet",
        "field",
        field);
  }

  private static Map<String, Object> pduProfile() {
    List<Object> points = new ArrayList<>();
    points.add(register("power", 0, "float32", "abcd", "W", "power_w", null));
    for (int i = 0; i < 3; i++) {
      String phase = PHASES.get(i);
      points.add(register("power-" + phase, 2 + 2 * i, "float32", "abcd", "W", "power_w", phase));
    }
    for (int i = 0; i < 3; i++) {
      String phase = PHASES.get(i);
      points.add(
          register("current-" + phase, 8 + 2 * i, "float32", "abcd", "A", "current_a", phase));
    }
    for (int i = 0; i < 3; i++) {
      String phase = PHASES.get(i);
      points.add(
          register("voltage-" + phase, 14 + 2 * i, "float32", "abcd", "V", "voltage_v", phase));
    }
    points.add(energyCounter(20));
    return modbusProfile("demo-pdu", points);
  }

  /**
   * Meters send their floats word-swapped (CDAB), as many real meters do; the 64-bit energy counter
   * stays ABCD.
   */
  private static Map<String, Object> meterProfile() {
    return modbusProfile(
        "demo-meter",
        List.of(
            register("power", 0, "float32", "cdab", "W", "power_w", null),
            energyCounter(2),
            register("voltage-l1", 6, "float32", "cdab", "V", "voltage_v", "l1"),
            register("frequency", 8, "float32", "cdab", "Hz", "frequency_hz", null)));
  }

  private static Map<String, Object> modbusProfile(String id, List<Object> points) {
    return YamlMaps.of("id", id, "source", "modbus", "addressBase", "zero", "points", points);
  }

  private static Map<String, Object> register(
      String name,
      int address,
      String dataType,
      String wordOrder,
      String unit,
      String field,
      String phase) {
    return YamlMaps.of(
        "name", name,
        "registerType", "holding",
        "address", address,
        "dataType", dataType,
        "wordOrder", wordOrder,
        "unit", unit,
        "field", field,
        "tags", phase == null ? null : YamlMaps.of("phase", phase));
  }

  private static Map<String, Object> energyCounter(int address) {
    return YamlMaps.of(
        "name", "energy",
        "registerType", "holding",
        "address", address,
        "dataType", "uint64",
        "wordOrder", "abcd",
        "scale", 0.001,
        "unit", "kWh",
        "kind", "counter",
        "field", "energy_kwh");
  }

  /**
   * {@code {device}} in a node id is replaced by the polled device's id, so one profile serves
   * every CDU. Same points and fields as config/profiles/cdu-generic.yaml, named by namespace URI
   * instead of browse path.
   */
  private static Map<String, Object> cduProfile() {
    List<Object> points =
        List.of(
            cduPoint("primary-supply", "PrimarySupplyTemp", "degC", "primary_supply_temp_c"),
            cduPoint("primary-return", "PrimaryReturnTemp", "degC", "primary_return_temp_c"),
            cduPoint("supply", "SecondarySupplyTemp", "degC", "supply_temp_c"),
            cduPoint("return", "SecondaryReturnTemp", "degC", "return_temp_c"),
            deltaT(),
            cduPoint("flow", "SecondaryFlow", "L/min", "flow_lpm"),
            cduPoint("supply-pressure", "SupplyPressure", "kPa", "supply_pressure_kpa"),
            cduPoint("return-pressure", "ReturnPressure", "kPa", "return_pressure_kpa"),
            cduPoint("diff-pressure", "DiffPressure", "kPa", "diff_pressure_kpa"),
            cduPoint("pump-speed", "PumpSpeed", "%", "pump_speed_pct"),
            cduPoint("heat-removed", "HeatRemoved", "kW", "heat_removed_kw"),
            cduPoint("reservoir-level", "ReservoirLevel", "%", "reservoir_level_pct"),
            leakState(),
            cduPoint("power", "Power", "W", "power_w"),
            cduCounter("energy", "Energy", "kWh", "energy_kwh"));
    return YamlMaps.of("id", "demo-cdu", "source", "opcua", "points", points);
  }

  private static Map<String, Object> cduPoint(String name, String node, String unit, String field) {
    return YamlMaps.of(
        "name", name,
        "nodeId", "nsu=" + CduVariables.URI + ";s={device}/" + node,
        "unit", unit,
        "measurement", "cooling_loop",
        "field", field);
  }

  /** ΔT is a difference: 1 °C of it is 1 K, never 274.15 K. */
  private static Map<String, Object> deltaT() {
    Map<String, Object> point = cduPoint("delta-t", "DeltaT", "K", "delta_t_k");
    point.put("quantity", "temperature-difference");
    return point;
  }

  /** The CDU's leak detector: its values name states, and pages show the names. */
  private static Map<String, Object> leakState() {
    Map<String, Object> point = cduPoint("leak-state", "LeakState", "1", "leak_state");
    point.put("states", YamlMaps.of("0", "OK", "1", "Warning", "2", "Critical"));
    return point;
  }

  private static Map<String, Object> cduCounter(
      String name, String node, String unit, String field) {
    Map<String, Object> point = cduPoint(name, node, unit, field);
    point.put("kind", "counter");
    return point;
  }

  /** Durations as the config reads them: 500ms, 5s, 2m, 1h. */
  static String duration(Duration d) {
    return ConfigDurations.format(d);
  }
}
