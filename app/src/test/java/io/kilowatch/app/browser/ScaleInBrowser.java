package io.kilowatch.app.browser;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.app.Kilowatch;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.testkit.http.DcgmExporterFake;
import io.kilowatch.testkit.http.DcgmExporterFake.Reply;
import io.kilowatch.testkit.modbus.ModbusAnswer;
import io.kilowatch.testkit.modbus.ModbusRequest;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import io.kilowatch.testkit.modbus.RegisterBank;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.SiteCluster;
import io.kilowatch.testkit.site.SiteDevice;
import io.kilowatch.testkit.site.SiteRack;
import io.kilowatch.testkit.site.SiteSources;
import io.kilowatch.testkit.site.YamlMaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A scaled site (issue 26: thousands of GPUs, hundreds of PDUs, several clusters) monitored by a
 * real kilowatch and looked at by a headless Chromium: the fixture of the browser tests at scale.
 * PDUs, the facility meter and the CDUs are Modbus TCP devices on loopback ports of one test-kit
 * {@link ModbusTcpFake}; GPU nodes are dcgm-exporter endpoints of one {@link DcgmExporterFake}.
 * Values are functions of the clock, so power and energy stay coherent without a ticker, and the
 * facility meter reads 1.25 × the PDUs' sum plus nothing else, so the site's PUE is 1.25.
 *
 * <p>{@link #load} opens a page and returns what it fetched (each data call's bytes and time, from
 * the browser's resource timing), so later tests can hold each page to a budget.
 */
record ScaleInBrowser(Sim sim, Kilowatch app, Chromium browser, String base)
    implements AutoCloseable {

  /** What to simulate: GPUs (8 per node), Modbus PDUs (2 per rack), clusters and CDUs. */
  record Shape(int gpus, int pdus, int clusters, int cdus, Duration interval) {
    /** The issue's smaller site that takes the same paths as 25,000 GPUs. */
    static Shape issue26() {
      return new Shape(4_096, 256, 8, 20, Duration.ofSeconds(5));
    }

    int racks() {
      return pdus / 2;
    }

    int nodes() {
      return (gpus + 7) / 8;
    }
  }

  /** One data call of a page: its path and query, bytes over the wire and body, and time. */
  record DataCall(String url, long transferBytes, long bodyBytes, double ms) {}

  /** A page's data calls, in the order they started. */
  record PageLoad(String path, List<DataCall> calls) {
    long transferBytes() {
      return calls.stream().mapToLong(DataCall::transferBytes).sum();
    }

    String render() {
      var out = new StringBuilder(path + ": " + calls.size() + " data calls, " + transferBytes());
      out.append(" bytes\n");
      for (DataCall c : calls) {
        out.append(
            String.format(
                Locale.ROOT,
                "  %8d B (body %8d B) %7.1f ms  %s%n",
                c.transferBytes(),
                c.bodyBytes(),
                c.ms(),
                c.url()));
      }
      return out.toString();
    }
  }

  static ScaleInBrowser start(Path dir, Shape shape) throws Exception {
    Sim sim = Sim.start(shape);
    Kilowatch app = null;
    try {
      Path file = dir.resolve("scale-site.yaml");
      Files.writeString(file, sim.siteYaml(dir.resolve("data")));
      app = Kilowatch.start(ConfigLoader.load(file), 0);
      var browser = Chromium.start(dir.resolve("chromium-profile"));
      return new ScaleInBrowser(sim, app, browser, "http://127.0.0.1:" + app.port());
    } catch (Exception | Error e) {
      if (app != null) {
        app.close();
      }
      sim.close();
      throw e;
    }
  }

  /**
   * Opens {@code path}, waits until {@code ready} (a JavaScript expression) is true, and returns
   * the page's data calls ({@code /api/…} fetches) as the browser timed them.
   */
  PageLoad load(String path, String ready, Duration atMost) throws Exception {
    browser.clearErrors();
    browser.navigate(base + path);
    await(path + ": " + ready)
        .atMost(atMost)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> browser.evaluate(ready).asBoolean());
    return dataCalls(path);
  }

  /** The data calls the page made so far, from the browser's resource timing entries. */
  PageLoad dataCalls(String path) throws Exception {
    JsonNode entries =
        browser.evaluate(
            """
            performance.getEntriesByType('resource')
              .filter(e => new URL(e.name).pathname.startsWith('/api/'))
              .map(e => ({url: e.name.replace(location.origin, ''), transfer: e.transferSize,
                          body: e.decodedBodySize, ms: e.duration}))
            """);
    var calls = new ArrayList<DataCall>();
    for (JsonNode e : entries) {
      calls.add(
          new DataCall(
              e.get("url").asText(),
              e.get("transfer").asLong(),
              e.get("body").asLong(),
              e.get("ms").asDouble()));
    }
    return new PageLoad(path, List.copyOf(calls));
  }

  @Override
  public void close() {
    browser.close();
    app.close();
    sim.close();
  }

  /** The simulated devices, served on loopback ports while it runs. */
  static final class Sim implements AutoCloseable {
    private static final String LOOPBACK = "127.0.0.1";

    private final Shape shape;
    private final double[] basePowerW;
    private final long startNanos = System.nanoTime();
    private final ModbusTcpFake modbus;
    private final DcgmExporterFake dcgm;

    private Sim(Shape shape) throws IOException {
      this.shape = shape;
      var random = new java.util.Random(26);
      basePowerW = new double[shape.pdus()];
      for (int d = 0; d < basePowerW.length; d++) {
        basePowerW[d] = 8_000 + random.nextDouble() * 6_000;
      }
      // PDUs first, then the facility meter, then the CDUs: one device per port.
      modbus = ModbusTcpFake.start(shape.pdus() + 1 + shape.cdus(), this::answer);
      try {
        dcgm = DcgmExporterFake.start(this::node, 1024);
      } catch (IOException e) {
        modbus.close();
        throw e;
      }
    }

    static Sim start(Shape shape) throws IOException {
      return new Sim(shape);
    }

    private double seconds() {
      return (System.nanoTime() - startNanos) / 1e9;
    }

    private double powerW(int pdu, double s) {
      return basePowerW[pdu] * (1 + 0.1 * Math.sin(s / 60.0 + pdu));
    }

    /** The exact integral of {@link #powerW} since start, in Wh, plus a starting reading. */
    private double energyWh(int pdu, double s) {
      double b = basePowerW[pdu];
      return 1_000_000 + (b * s + 0.1 * b * 60 * (Math.cos(pdu) - Math.cos(s / 60 + pdu))) / 3600;
    }

    /** A CDU's pump power, W: 2 % of the heat of its share of the PDUs, on the same wave. */
    private double cduPowerW(int cdu, double s) {
      return 0.02 * basePowerW.length * 11_000 / shape.cdus() * (1 + 0.05 * Math.sin(s / 90 + cdu));
    }

    private ModbusAnswer answer(ModbusRequest r) {
      double s = seconds();
      int d = r.device();
      double power;
      double wh;
      if (d < shape.pdus()) {
        power = powerW(d, s);
        wh = energyWh(d, s);
      } else if (d == shape.pdus()) {
        double sumP = 0;
        double sumE = 0;
        for (int p = 0; p < shape.pdus(); p++) {
          sumP += powerW(p, s);
          sumE += energyWh(p, s);
        }
        power = 1.25 * sumP;
        wh = 1.25 * sumE;
      } else {
        int cdu = d - shape.pdus() - 1;
        power = cduPowerW(cdu, s);
        double p0 = cduPowerW(cdu, 0) / (1 + 0.05 * Math.sin(cdu));
        // The exact integral of the pump power since start, Wh.
        wh = 1_000 + p0 * (s - 0.05 * 90 * (Math.cos(s / 90 + cdu) - Math.cos(cdu))) / 3600;
      }
      long e = Math.round(wh);
      int p = Float.floatToIntBits((float) power);
      int a = Float.floatToIntBits((float) (power / 230.0 / 3));
      return RegisterBank.answer(
          r,
          new int[] {
            p >>> 16,
            p & 0xFFFF,
            a >>> 16,
            a & 0xFFFF,
            (int) (e >>> 48) & 0xFFFF,
            (int) (e >>> 32) & 0xFFFF,
            (int) (e >>> 16) & 0xFFFF,
            (int) e & 0xFFFF
          });
    }

    /** dcgm-exporter's text for one node: power, energy, temperature and use of each GPU. */
    private Reply node(String name) {
      int node;
      try {
        node = Integer.parseInt(name);
      } catch (NumberFormatException e) {
        return new Reply.NotFound();
      }
      if (node < 0 || node >= shape.nodes()) {
        return new Reply.NotFound();
      }
      double s = seconds();
      int gpus = Math.min(8, shape.gpus() - node * 8);
      var out = new StringBuilder(1024);
      for (String[] metric :
          new String[][] {
            {"DCGM_FI_DEV_POWER_USAGE", "gauge"},
            {"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter"},
            {"DCGM_FI_DEV_GPU_TEMP", "gauge"},
            {"DCGM_FI_DEV_GPU_UTIL", "gauge"}
          }) {
        out.append("# TYPE ").append(metric[0]).append(' ').append(metric[1]).append('\n');
        for (int g = 0; g < gpus; g++) {
          double phase = (node * 8 + g) * 0.37;
          double w = 400 + 300 * Math.sin(s / 120.0 + phase);
          String v =
              switch (metric[0]) {
                case "DCGM_FI_DEV_POWER_USAGE" -> String.format(Locale.ROOT, "%.3f", w);
                // mJ: the exact integral of the power wave, from a boot offset.
                case "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION" ->
                    Long.toString(
                        (long)
                            (1000
                                * (1e9
                                    + 400 * s
                                    + 300
                                        * 120
                                        * (Math.cos(phase) - Math.cos(s / 120.0 + phase)))));
                case "DCGM_FI_DEV_GPU_TEMP" -> Long.toString(Math.round(30 + w / 700 * 45));
                default -> Long.toString(Math.round((w - 100) / 6));
              };
          out.append(metric[0])
              .append("{gpu=\"")
              .append(g)
              .append("\",UUID=\"GPU-")
              .append(node)
              .append('-')
              .append(g)
              .append("\",Hostname=\"n")
              .append(node)
              .append("\"} ")
              .append(v)
              .append('\n');
        }
      }
      return Reply.metrics(out.toString());
    }

    /** The site config: clusters of racks (2 PDUs and an even share of nodes), CDUs per cluster. */
    String siteYaml(Path dataDir) {
      var out =
          SiteBuilder.named("kilowatch scale site (browser)")
              .siteField("timezone", "UTC")
              .embeddedStore(dataDir)
              .web(YamlMaps.of("bind", LOOPBACK, "port", 0))
              .profile(profile("scale-pdu"))
              .profile(profile("scale-cdu"));
      int racks = shape.racks();
      int perCluster = (racks + shape.clusters() - 1) / shape.clusters();
      int pdu = 0;
      int node = 0;
      int cdu = 0;
      for (int c = 0; c < shape.clusters(); c++) {
        var rackList = new ArrayList<SiteRack>();
        for (int r = c * perCluster; r < Math.min(racks, (c + 1) * perCluster); r++) {
          var devices = new ArrayList<SiteDevice>();
          for (int k = 0; k < 2 && pdu < shape.pdus(); k++, pdu++) {
            devices.add(modbusDevice("pdu-" + pdu, "pdu", "scale-pdu", pdu));
          }
          int until = (int) ((long) shape.nodes() * (r + 1) / racks);
          for (; node < until; node++) {
            devices.add(
                SiteDevice.of(
                        "node-" + node, "gpu-node", null, SiteSources.dcgm(dcgm.url("" + node)))
                    .every(shape.interval(), timeout()));
          }
          rackList.add(new SiteRack("r" + r, devices));
        }
        var cdus = new ArrayList<SiteDevice>();
        int cduUntil = shape.cdus() * (c + 1) / shape.clusters();
        for (; cdu < cduUntil; cdu++) {
          cdus.add(modbusDevice("cdu-" + cdu, "cdu", "scale-cdu", shape.pdus() + 1 + cdu));
        }
        out.cluster(new SiteCluster("c" + c, null, cdus, rackList));
      }
      out.device(modbusDevice("facility-meter", "meter", "scale-pdu", shape.pdus()));
      return out.section(
              "energy",
              YamlMaps.of(
                  "itLevel", "pdu-output",
                  "facility", List.of(YamlMaps.of("device", "facility-meter")),
                  "it", List.of(YamlMaps.of("kind", "pdu")),
                  "cooling", List.of(YamlMaps.of("kind", "cdu")),
                  "losses", List.of(),
                  "other", List.of()))
          .toYaml();
    }

    private Duration timeout() {
      return shape.interval().dividedBy(2);
    }

    private SiteDevice modbusDevice(String id, String kind, String profile, int device) {
      return SiteDevice.of(id, kind, profile, SiteSources.modbus(LOOPBACK, modbus.port(device), 1))
          .every(shape.interval(), timeout());
    }

    /** The register map every Modbus device here answers: power W, current A, energy Wh. */
    private static Map<String, Object> profile(String id) {
      return YamlMaps.of(
          "id",
          id,
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

    private static Map<String, Object> float32(
        String name, int address, String unit, String field) {
      return YamlMaps.of(
          "name", name,
          "registerType", "holding",
          "address", address,
          "dataType", "float32",
          "wordOrder", "abcd",
          "unit", unit,
          "field", field);
    }

    @Override
    public void close() {
      dcgm.close();
      try {
        modbus.close();
      } catch (IOException e) {
        // Stopping anyway: the ports are released with the process at the latest.
      }
    }
  }
}
