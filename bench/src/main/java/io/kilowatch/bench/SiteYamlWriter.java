package io.kilowatch.bench;

import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.SiteCluster;
import io.kilowatch.testkit.site.SiteDevice;
import io.kilowatch.testkit.site.SiteRack;
import io.kilowatch.testkit.site.SiteSources;
import io.kilowatch.testkit.site.YamlMaps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The scale site's kilowatch config in the schema of {@code config/examples/site.yaml}: racks of
 * two PDUs and an even share of the GPU nodes, split across clusters of 32 racks. Every port in it
 * is live on 127.0.0.1 only while the simulator runs.
 */
final class SiteYamlWriter {
  private static final int RACKS_PER_CLUSTER = 32;
  private static final String LOOPBACK = "127.0.0.1";

  /** Field and unit of each CDU variable, as the shipped cdu-generic profile names them. */
  private static final Map<String, List<String>> CDU_FIELDS =
      Map.of(
          "SecondarySupplyTemp",
          List.of("supply_temp_c", "degC"),
          "SecondaryReturnTemp",
          List.of("return_temp_c", "degC"),
          "SecondaryFlow",
          List.of("flow_lpm", "L/min"),
          "PumpSpeed",
          List.of("pump_speed_pct", "%"),
          CduVariables.COUNTED,
          List.of("heat_removed_kw", "kW"),
          "Power",
          List.of("power_w", "W"));

  private SiteYamlWriter() {}

  /** Every source type the scale site serves. */
  static final Set<String> ALL_SOURCES = Set.of("dcgm", "modbus", "opcua");

  /**
   * The site's devices of the given source types only ({@link #ALL_SOURCES} for all): the peer
   * bench points kilowatch at the same devices a peer collector polls, and nothing else. The
   * facility meter and the energy model come with the Modbus devices (the meter is one).
   */
  static SiteBuilder site(
      ScaleSite site,
      GpuNodeServer gpus,
      PduSide pdus,
      OpcUaFakeServer cdus,
      Path dataDir,
      Set<String> sources) {
    ScaleSite.Spec spec = site.spec();
    boolean modbus = sources.contains("modbus");
    boolean dcgm = sources.contains("dcgm");
    if (!sources.contains("opcua")) {
      cdus = null;
    }
    SiteBuilder out =
        SiteBuilder.named("kilowatch scale site")
            .siteField("timezone", "UTC")
            .siteField("gridZone", "FR")
            .embeddedStore(dataDir)
            .web(YamlMaps.of("bind", LOOPBACK, "port", 0))
            .profile(pduProfile());
    if (cdus != null) {
      out.profile(cduProfile());
    }
    int racks = spec.racks();
    int clusters = (racks + RACKS_PER_CLUSTER - 1) / RACKS_PER_CLUSTER;
    int pdu = 0;
    int node = 0;
    for (int c = 0; c < clusters; c++) {
      List<SiteRack> rackList = new ArrayList<>();
      for (int r = c * RACKS_PER_CLUSTER; r < Math.min(racks, (c + 1) * RACKS_PER_CLUSTER); r++) {
        List<SiteDevice> devices = new ArrayList<>();
        for (int k = 0; k < 2 && pdu < spec.pdus(); k++, pdu++) {
          if (!modbus) {
            continue;
          }
          devices.add(
              timed(
                  spec,
                  SiteDevice.of(
                      ScaleSite.pduId(pdu),
                      "pdu",
                      "scale-pdu",
                      SiteSources.modbus(LOOPBACK, pdus.port(pdu), 1))));
        }
        int until = (int) ((long) gpus.nodes() * (r + 1) / racks);
        for (; node < until; node++) {
          if (!dcgm) {
            continue;
          }
          devices.add(
              timed(
                  spec,
                  SiteDevice.of(
                      ScaleSite.nodeId(node), "gpu-node", null, SiteSources.dcgm(gpus.url(node)))));
        }
        rackList.add(new SiteRack("r" + r, devices));
      }
      List<SiteDevice> clusterDevices =
          cdus == null ? List.of() : cdusOf(spec, c, racks, clusters, cdus);
      out.cluster(new SiteCluster("c" + c, null, clusterDevices, rackList));
    }
    if (!modbus) {
      return out;
    }
    out.device(
        timed(
            spec,
            SiteDevice.of(
                "facility-meter",
                "meter",
                "scale-pdu",
                SiteSources.modbus(LOOPBACK, pdus.meterPort(), 1))));
    return out.section(
        "energy",
        YamlMaps.of(
            "itLevel", "pdu-output",
            "facility", List.of(YamlMaps.of("device", "facility-meter")),
            "it", List.of(YamlMaps.of("kind", "pdu")),
            // The CDUs' pump power is the site's metered cooling (the overview's cooling tile).
            "cooling", cdus == null ? List.of() : List.of(YamlMaps.of("kind", "cdu")),
            "losses", List.of(),
            "other", List.of()));
  }

  private static SiteDevice timed(ScaleSite.Spec spec, SiteDevice device) {
    return device.every(spec.interval(), spec.timeout());
  }

  private static Map<String, Object> pduProfile() {
    return YamlMaps.of(
        "id",
        "scale-pdu",
        "source",
        "modbus",
        "addressBase",
        "zero",
        "points",
        List.of(
            float32("power", 0, "W", "power_w"),
            float32("current", 2, "A", "current_a"),
            YamlMaps.of(
                "name", "energy",
                "registerType", "holding",
                "address", 4,
                "dataType", "uint64",
                "wordOrder", "abcd",
                "scale", 0.001,
                "unit", "kWh",
                "kind", "counter",
                "field", "energy_kwh")));
  }

  private static Map<String, Object> float32(String name, int address, String unit, String field) {
    return YamlMaps.of(
        "name", name,
        "registerType", "holding",
        "address", address,
        "dataType", "float32",
        "wordOrder", "abcd",
        "unit", unit,
        "field", field);
  }

  /**
   * Polled reads (mode: poll), not subscriptions: one Read per CDU per interval, which the server
   * counts per CDU, so the soak knows exactly how many readings kilowatch should have stored. A
   * subscription pushes only changes, at a rate the server decides, which nothing could count
   * against the store without reimplementing the server's sampling.
   */
  private static Map<String, Object> cduProfile() {
    List<Object> points = new ArrayList<>();
    for (CduVariables.Point p : CduVariables.POINTS) {
      List<String> fieldUnit = CDU_FIELDS.get(p.name());
      points.add(
          YamlMaps.of(
              "name", p.name(),
              "nodeId", "nsu=" + CduVariables.URI + ";s={device}/" + p.name(),
              "unit", fieldUnit.get(1),
              "measurement", "cooling_loop",
              "field", fieldUnit.get(0)));
    }
    return YamlMaps.of("id", "scale-cdu", "source", "opcua", "points", points);
  }

  /** A CDU sits in the cluster of the first rack it cools. */
  private static List<SiteDevice> cdusOf(
      ScaleSite.Spec spec, int cluster, int racks, int clusters, OpcUaFakeServer cdus) {
    List<SiteDevice> out = new ArrayList<>();
    for (int c = 0; c < spec.cdus(); c++) {
      int first = Math.min(racks - 1, (int) ((long) racks * c / spec.cdus()));
      if (Math.min(clusters - 1, first / RACKS_PER_CLUSTER) != cluster) {
        continue;
      }
      out.add(
          timed(
              spec,
              SiteDevice.of(
                  ScaleSite.cduId(c),
                  "cdu",
                  "scale-cdu",
                  SiteSources.opcua(cdus.endpoint(), "securityPolicy", "none", "mode", "poll"))));
    }
    return out;
  }
}
