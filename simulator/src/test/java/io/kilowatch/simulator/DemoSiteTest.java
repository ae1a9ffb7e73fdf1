package io.kilowatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.Register;
import io.kilowatch.testkit.Peer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.ExpandedNodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The demo site over real sockets: what a collector would see. */
class DemoSiteTest {
  private static DemoSite site;

  @BeforeAll
  static void start() throws Exception {
    site = DemoSite.start(DemoOptions.defaults());
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      long t0 = System.nanoTime();
      site.close();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
    }
  }

  private static int portOf(String deviceId) {
    Matcher m =
        Pattern.compile(
                "- id: " + Pattern.quote(deviceId) + "\\n.*?port: (\\d+)\\n", Pattern.DOTALL)
            .matcher(site.siteYaml());
    assertThat(m.find()).as("port of %s in siteYaml", deviceId).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static double float32(Register hi, Register lo) {
    return Float.intBitsToFloat((hi.getValue() << 16) | lo.getValue());
  }

  private static long uint64(Register[] r, int at) {
    long v = 0;
    for (int i = 0; i < 4; i++) {
      v = (v << 16) | r[at + i].getValue();
    }
    return v;
  }

  @Test
  void pduServesItsRegisterBlockOverModbusTcp() throws Exception {
    // The collector reads the whole block in one request: it must decode to a coherent PDU.
    ModbusTCPMaster master = new ModbusTCPMaster("127.0.0.1", portOf("c1-r1-pdu-a"), 2000, false);
    try {
      master.connect();
      Register[] r = master.readMultipleRegisters(1, 0, 24);
      double total = float32(r[0], r[1]);
      double phases = float32(r[2], r[3]) + float32(r[4], r[5]) + float32(r[6], r[7]);
      assertThat(total).isGreaterThan(1000);
      assertThat(phases).isCloseTo(total, within(total * 1e-4));
      double v1 = float32(r[14], r[15]);
      assertThat(v1).isBetween(220.0, 240.0);
      assertThat(float32(r[8], r[9])).isCloseTo(float32(r[2], r[3]) / v1, within(0.01));
      double energyWh = uint64(r, 20);
      double trueWh = site.model().snapshot().pdu("c1-r1-pdu-a").energyWh();
      assertThat(energyWh).isCloseTo(trueWh, within(100.0));
    } finally {
      master.disconnect();
    }
  }

  @Test
  void registersFollowThePhysicsTickByTick() throws Exception {
    // A collector polling every few seconds must see counters move, not a frozen image.
    ModbusTCPMaster master = new ModbusTCPMaster("127.0.0.1", portOf("c2-r4-pdu-b"), 2000, false);
    try {
      master.connect();
      long first = uint64(master.readMultipleRegisters(1, 20, 4), 0);
      // One connection, read from this thread only.
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(100))
          .pollInSameThread()
          .untilAsserted(
              () ->
                  assertThat(uint64(master.readMultipleRegisters(1, 20, 4), 0))
                      .isGreaterThan(first));
    } finally {
      master.disconnect();
    }
  }

  /** Values of one snmpget, in the order asked, as numbers (net-snmp: -Oqv, one per line). */
  private static List<Long> snmpget(String pduId, List<String> oids) throws Exception {
    Peer.NET_SNMP.require();
    List<String> cmd = new ArrayList<>(List.of("snmpget", "-v2c", "-c"));
    cmd.add(site.environment().get(DemoSite.SNMP_COMMUNITY_VARIABLE));
    cmd.addAll(List.of("-m", "", "-Oqv", "-t", "2", "-r", "0"));
    cmd.add("127.0.0.1:" + site.snmpPort(pduId));
    cmd.addAll(oids);
    // stderr apart: net-snmp's notices (on a machine where it never ran, "Created directory:
    // /var/lib/snmp/cert_indexes") are not values.
    Process p = new ProcessBuilder(cmd).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out + err).isZero();
    return out.lines().map(Long::parseLong).toList();
  }

  @Test
  void snmpPduAnswersPdu2MibWithOutletsThatAddUpToItsInlet() throws Exception {
    // PDU2-MIB: measurementsInletSensorValue.1.1.<type>,
    // measurementsOutletSensorValue.1.<o>.<type>;
    // types rmsCurrent 1 (mA: 3 decimal digits), rmsVoltage 4 (V), activePower 5 (W),
    // activeEnergy 8 (Wh).
    String inlet = "1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.";
    String outlet = "1.3.6.1.4.1.13742.6.5.4.3.1.4.1.";
    List<Long> v =
        snmpget(
            "c1-r1-pdu-c",
            List.of(
                inlet + "1",
                inlet + "4",
                inlet + "5",
                inlet + "8",
                outlet + "1.5",
                outlet + "2.5",
                outlet + "3.5",
                outlet + "4.5"));
    long currentMa = v.get(0);
    long volts = v.get(1);
    long watts = v.get(2);
    long wh = v.get(3);
    assertThat(volts).isBetween(220L, 240L);
    // P = U I on a single phase; each of U and I is rounded, so allow a watt per volt of error.
    assertThat(currentMa * volts / 1000.0).isCloseTo(watts, within(volts + 1.0));
    // Four outlets, each rounded to the watt, add up to the inlet rounded to the watt.
    assertThat(v.get(4) + v.get(5) + v.get(6) + v.get(7)).isCloseTo(watts, within(3L));
    // Feed C carries about a fifth of the rack: of its nodes' power now.
    SiteSnapshot now = site.model().snapshot();
    double rackW =
        now.nodes().stream()
            .filter(n -> n.rackId().equals("c1-r1"))
            .mapToDouble(NodeReading::powerW)
            .sum();
    assertThat((double) watts).isBetween(0.15 * rackW, 0.25 * rackW);
    assertThat((double) wh).isCloseTo(now.pdu("c1-r1-pdu-c").energyWh(), within(100.0));
  }

  @Test
  void snmpPduIgnoresAnyOtherCommunity() throws Exception {
    Peer.NET_SNMP.require();
    Process p =
        new ProcessBuilder(
                "snmpget",
                "-v2c",
                "-c",
                "public",
                "-t",
                "1",
                "-r",
                "0",
                "127.0.0.1:" + site.snmpPort("c1-r1-pdu-c"),
                "1.3.6.1.2.1.1.5.0")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("Timeout");
  }

  @Test
  void meterSendsWordSwappedFloats() throws Exception {
    ModbusTCPMaster master = new ModbusTCPMaster("127.0.0.1", portOf("main-meter"), 2000, false);
    try {
      master.connect();
      Register[] r = master.readMultipleRegisters(1, 0, 10);
      double power = float32(r[1], r[0]);
      double frequency = float32(r[9], r[8]);
      assertThat(power).isBetween(100_000.0, 400_000.0);
      assertThat(frequency).isBetween(49.9, 50.1);
      assertThat(float32(r[7], r[6])).isBetween(220.0, 240.0);
      assertThat(power).isCloseTo(site.model().snapshot().facilityPowerW(), within(0.25 * power));
    } finally {
      master.disconnect();
    }
  }

  @Test
  void cduNodesAreReadableOverOpcUa() throws Exception {
    String endpoint = "opc.tcp://127.0.0.1:" + opcUaPort() + "/kilowatch";
    OpcUaClient client = OpcUaClient.create(endpoint);
    try {
      client.connect();
      NodeId supply =
          ExpandedNodeId.parse("nsu=urn:kilowatch:demo;s=c2-cdu/SecondarySupplyTemp")
              .toNodeIdOrThrow(client.getNamespaceTable());
      NodeId leak =
          ExpandedNodeId.parse("nsu=urn:kilowatch:demo;s=c1-cdu/LeakState")
              .toNodeIdOrThrow(client.getNamespaceTable());
      List<DataValue> values = client.readValues(0, TimestampsToReturn.Both, List.of(supply, leak));
      assertThat(values.get(0).getStatusCode().isGood()).isTrue();
      assertThat((Double) values.get(0).getValue().getValue()).isBetween(26.0, 35.0);
      assertThat(values.get(0).getSourceTime()).isNotNull();
      assertThat(values.get(1).getValue().getValue()).isEqualTo(0);
    } finally {
      client.disconnect();
    }
  }

  @Test
  void nodeMetricsLookLikeDcgmExporter() throws Exception {
    Matcher m =
        Pattern.compile("url: \"?(http://127\\.0\\.0\\.1:\\d+/nodes/c1-r2-n3/metrics)")
            .matcher(site.siteYaml());
    assertThat(m.find()).isTrue();
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(m.group(1))).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
      String body = response.body();
      assertThat(body)
          .contains("# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).\n")
          .contains("# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\n")
          .contains("# TYPE DCGM_FI_DEV_THERMAL_VIOLATION counter\n")
          .contains("DCGM_FI_DEV_SLOWDOWN_TEMP{gpu=\"7\",")
          .contains("DCGM_FI_DEV_CLOCKS_EVENT_REASONS{gpu=\"0\",");
      Pattern power =
          Pattern.compile(
              "^DCGM_FI_DEV_POWER_USAGE\\{gpu=\"(\\d)\",UUID=\"GPU-[0-9a-f-]{36}\",device=\"nvidia\\1\","
                  + "modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"c1-r2-n3\","
                  + "DCGM_FI_DRIVER_VERSION=\"[0-9.]+\"\\} (\\d+\\.\\d{6})$",
              Pattern.MULTILINE);
      Matcher p = power.matcher(body);
      int gpus = 0;
      while (p.find()) {
        gpus++;
        assertThat(Double.parseDouble(p.group(2))).isBetween(60.0, 700.0);
      }
      assertThat(gpus).isEqualTo(8);

      HttpResponse<String> missing =
          http.send(
              HttpRequest.newBuilder(URI.create(m.group(1).replace("c1-r2-n3", "nope")))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(missing.statusCode()).isEqualTo(404);
    }
  }

  @Test
  void siteYamlIsWellFormedAndNamesEveryLivePort() {
    String yaml = site.siteYaml();
    assertThat(yaml).doesNotContain("store:").doesNotContain("web:");
    Map<String, Object> root = new Yaml().load(yaml);
    assertThat(root).containsOnlyKeys("site", "profiles", "clusters", "devices", "energy");
    assertThat(root.get("site"))
        .isEqualTo(
            Map.of(
                "name", "kilowatch demo hall",
                "timezone", "Europe/Paris",
                "gridZone", "FR",
                "ashraeClass", "a2"));
    List<Map<String, Object>> clusters = list(root.get("clusters"));
    assertThat(clusters).extracting(c -> c.get("id")).containsExactly("c1", "c2");
    List<Map<String, Object>> racks = list(clusters.get(0).get("racks"));
    assertThat(racks).hasSize(4);
    List<Map<String, Object>> rackDevices = list(racks.get(0).get("devices"));
    assertThat(rackDevices)
        .extracting(d -> d.get("id"))
        .containsExactly(
            "c1-r1-pdu-a",
            "c1-r1-pdu-b",
            "c1-r1-pdu-c",
            "c1-r1-n1",
            "c1-r1-n2",
            "c1-r1-n3",
            "c1-r1-n4");
    Map<String, Object> pdu = rackDevices.get(0);
    assertThat(pdu).containsEntry("kind", "pdu").containsEntry("interval", "5s");
    assertThat(map(pdu.get("source")).toString()).contains("port=" + portOf("c1-r1-pdu-a"));
    Map<String, Object> cdu = list(clusters.get(1).get("devices")).get(0);
    assertThat(cdu).containsEntry("id", "c2-cdu").containsEntry("kind", "cdu");
    assertThat(map(cdu.get("source")))
        .containsEntry("endpoint", "opc.tcp://127.0.0.1:" + opcUaPort() + "/kilowatch");
    List<Map<String, Object>> facility = list(root.get("devices"));
    assertThat(facility)
        .extracting(d -> d.get("id"))
        .containsExactly("main-meter", "cooling-plant");
    Map<String, Object> energy = map(root.get("energy"));
    assertThat(energy).containsEntry("itLevel", "pdu-output");
    assertThat(list(energy.get("cooling"))).hasSize(3);
    List<Map<String, Object>> profiles = list(root.get("profiles"));
    assertThat(profiles)
        .extracting(p -> p.get("id"))
        .containsExactly("demo-pdu", "demo-snmp-pdu", "demo-meter", "demo-cdu");
    assertThat(map(rackDevices.get(2).get("source")))
        .containsEntry("type", "snmp")
        .containsEntry("port", site.snmpPort("c1-r1-pdu-c"));
    assertThat(list(profiles.get(3).get("points")).get(0).get("nodeId").toString())
        .isEqualTo("nsu=urn:kilowatch:demo;s={device}/PrimarySupplyTemp");
  }

  private static int opcUaPort() {
    Matcher m =
        Pattern.compile("opc\\.tcp://127\\.0\\.0\\.1:(\\d+)/kilowatch").matcher(site.siteYaml());
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }
}
