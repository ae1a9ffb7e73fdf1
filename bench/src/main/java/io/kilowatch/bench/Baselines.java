package io.kilowatch.bench;

import io.kilowatch.app.Collectors;
import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.lineprotocol.LineProtocolWriter;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.config.Device;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.InfluxProcess;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Side-by-side baselines, run at the end of a soak against the same running site: kilowatch's
 * Modbus and OPC UA readers against {@code mbpoll} (libmodbus) and a {@code node-opcua} client
 * reading the same devices, and a batch of samples into the embedded store against the same batch
 * into {@code influxd} over its HTTP line-protocol API. Each is skipped with a line saying why when
 * its peer is not installed; no figure is ever filled in for a peer that did not run.
 *
 * <p>Both sides read one device after another (no parallelism on either side), so the ratio
 * compares the cost of one read, not how much concurrency each side uses.
 */
final class Baselines {
  /** Devices each Modbus/OPC UA baseline reads. */
  static final int DEVICES = 32;

  /** Rounds over those devices by kilowatch and by node-opcua. */
  static final int ROUNDS = 20;

  /** Samples of the ingest baseline (one field each): 1,000 GPUs × 100 timestamps. */
  static final int INGEST_SAMPLES = 100_000;

  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(120);

  private Baselines() {}

  /** One comparison's printed line. */
  record Line(String text) {}

  record Report(List<Line> lines) {
    String render() {
      StringBuilder b = new StringBuilder();
      lines.forEach(l -> b.append(l.text()).append('\n'));
      return b.toString();
    }
  }

  static Report run(ScaleSite site, SiteConfig config, SoakOptions o) {
    List<Line> lines = new ArrayList<>();
    try {
      site.resumeForBaselines();
    } catch (IOException e) {
      lines.add(new Line("baselines: the site could not be resumed: " + e.getMessage()));
      return new Report(lines);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Report(lines);
    }
    lines.add(guard("modbus", () -> modbus(site, config)));
    if (site.cduServer() != null) {
      lines.add(guard("opcua", () -> opcua(site, config)));
    } else {
      lines.add(new Line("baseline opcua: skipped (the site has no CDUs)"));
    }
    lines.add(guard("ingest", () -> ingest(o.workDir())));
    return new Report(lines);
  }

  private interface Step {
    Line run() throws Exception;
  }

  private static Line guard(String name, Step step) {
    try {
      return step.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Line("baseline " + name + ": interrupted");
    } catch (Exception e) {
      return new Line("baseline " + name + ": failed: " + e);
    }
  }

  // ---- Modbus: kilowatch's collector vs mbpoll ------------------------------------------------

  private static Line modbus(ScaleSite site, SiteConfig config) throws Exception {
    Optional<Path> mbpoll = onPath("mbpoll");
    if (mbpoll.isEmpty()) {
      return new Line("baseline modbus: skipped (mbpoll not found; apt-get install mbpoll)");
    }
    // The first PDUs: the faults hit the last ones, so these answered all run.
    int k = Math.min(DEVICES, site.spec().pdus() / 2);
    List<Device> devices = new ArrayList<>();
    for (int p = 0; p < k; p++) {
      devices.add(device(config, ScaleSite.pduId(p)));
    }
    double kwRate = kilowatchReads(config, devices, ROUNDS);
    // mbpoll: one process per read (how it is used from scripts), the same 8 holding registers
    // (function 3 from wire address 0), one PDU after another.
    long t0 = System.nanoTime();
    int failures = 0;
    for (Device d : devices) {
      var source = (io.kilowatch.config.Source.Modbus) d.source();
      Process p =
          new ProcessBuilder(
                  mbpoll.get().toString(),
                  "-m",
                  "tcp",
                  "-a",
                  "1",
                  "-r",
                  "1",
                  "-c",
                  Integer.toString(PduModbusServer.REGISTERS),
                  "-t",
                  "4:hex",
                  "-1",
                  "-o",
                  "2",
                  "-p",
                  Integer.toString(source.port()),
                  source.host())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        failures++;
      }
    }
    double mbRate = devices.size() / ((System.nanoTime() - t0) / 1e9);
    return new Line(
        String.format(
            Locale.ROOT,
            "baseline modbus: kilowatch %.0f reads/s (%d PDUs x %d rounds), mbpoll %.0f reads/s"
                + " (one process per read, %d PDUs%s), ratio %.1fx",
            kwRate,
            devices.size(),
            ROUNDS,
            mbRate,
            devices.size(),
            failures > 0 ? ", " + failures + " failed" : "",
            kwRate / mbRate));
  }

  /** Reads per second of kilowatch's own collectors, each device once per round, in turn. */
  private static double kilowatchReads(SiteConfig config, List<Device> devices, int rounds)
      throws Exception {
    List<DeviceCollector> collectors = new ArrayList<>();
    try {
      for (Device d : devices) {
        DeviceCollector c = Collectors.create(d, config);
        collectors.add(c);
        warmUp(c);
      }
      long t0 = System.nanoTime();
      for (int r = 0; r < rounds; r++) {
        for (DeviceCollector c : collectors) {
          if (c.poll().isEmpty()) {
            throw new IOException(c.device().id() + " returned no samples");
          }
        }
      }
      return (double) devices.size() * rounds / ((System.nanoTime() - t0) / 1e9);
    } finally {
      collectors.forEach(DeviceCollector::close);
    }
  }

  /** Connects (an OPC UA session opens in the background and may take a few polls). */
  private static void warmUp(DeviceCollector c) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        c.poll();
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static Device device(SiteConfig config, String id) {
    return config
        .allDevices()
        .filter(d -> d.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no device " + id + " in the site config"));
  }

  // ---- OPC UA: kilowatch's collector vs a node-opcua client ----------------------------------

  private static Line opcua(ScaleSite site, SiteConfig config) throws Exception {
    Optional<Path> node = onPath("node");
    Optional<Path> script = nodeScript();
    if (node.isEmpty() || script.isEmpty()) {
      return new Line(
          "baseline opcua: skipped ("
              + (node.isEmpty()
                  ? "node not found"
                  : "node-opcua not installed: npm ci --prefix collector/opcua/src/test/node")
              + ")");
    }
    OpcUaFakeServer server = site.cduServer();
    int k = Math.min(DEVICES, site.spec().cdus());
    List<Device> devices = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      devices.add(device(config, ScaleSite.cduId(c)));
    }
    double kwRate = kilowatchReads(config, devices, ROUNDS);
    List<String> command = new ArrayList<>();
    command.add(node.get().toString());
    command.add(script.get().toString());
    command.add(server.endpoint());
    command.add(Integer.toString(ROUNDS));
    command.add(Integer.toString(CduVariables.POINTS.size()));
    int ns = server.namespaceIndex();
    for (int c = 0; c < k; c++) {
      for (CduVariables.Point p : CduVariables.POINTS) {
        command.add("ns=" + ns + ";s=" + ScaleSite.cduId(c) + "/" + p.name());
      }
    }
    String out = runPeer(new ProcessBuilder(command).directory(script.get().getParent().toFile()));
    String[] f = lastLine(out, "READS ").split(" ");
    long reads = Long.parseLong(f[1]);
    long good = Long.parseLong(f[2]);
    double nodeRate = reads / (Double.parseDouble(f[3]) / 1000);
    if (good != reads * CduVariables.POINTS.size()) {
      throw new IOException("node-opcua got " + good + " good values of " + reads + " reads");
    }
    return new Line(
        String.format(
            Locale.ROOT,
            "baseline opcua: kilowatch %.0f reads/s, node-opcua %.0f reads/s (%d CDUs x %d rounds,"
                + " one Read of %d nodes each, one after another), ratio %.2fx",
            kwRate,
            nodeRate,
            k,
            ROUNDS,
            CduVariables.POINTS.size(),
            kwRate / nodeRate));
  }

  /** {@code collector/opcua/src/test/node/cdu-read.js} with node-opcua installed next to it. */
  private static Optional<Path> nodeScript() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path dir = d.resolve("collector/opcua/src/test/node");
      if (Files.isDirectory(dir.resolve("node_modules/node-opcua"))) {
        return Optional.of(dir.resolve("cdu-read.js"));
      }
    }
    return Optional.empty();
  }

  // ---- ingest: embedded store vs influxd ------------------------------------------------------

  private static Line ingest(Path work) throws Exception {
    List<Sample> batch = ingestBatch();
    Path dir = Files.createTempDirectory(work, "baseline-store");
    double embeddedRate;
    try (var store =
        EmbeddedStore.open(dir, Duration.ofDays(30), Duration.ofDays(90), Duration.ofDays(3650))) {
      long t0 = System.nanoTime();
      // In the writer's batch size (Kilowatch's BatchingWriter takes 20,000 samples a write).
      for (int i = 0; i < batch.size(); i += 20_000) {
        store.write(batch.subList(i, Math.min(batch.size(), i + 20_000)));
      }
      embeddedRate = batch.size() / ((System.nanoTime() - t0) / 1e9);
    } finally {
      delete(dir);
    }
    Optional<Path> influxd = onPath("influxd");
    String embedded =
        String.format(
            Locale.ROOT,
            "baseline ingest: embedded store %.0f points/s (%d points, batches of 20000)",
            embeddedRate,
            batch.size());
    if (influxd.isEmpty()) {
      return new Line(embedded + "; influxd skipped (not found; apt-get install influxdb)");
    }
    double influxRate = influxIngest(influxd.get(), batch);
    return new Line(
        String.format(
            Locale.ROOT,
            "%s, influxd %.0f points/s (HTTP /write, line protocol, batches of 5000),"
                + " ratio %.2fx",
            embedded,
            influxRate,
            embeddedRate / influxRate));
  }

  private static List<Sample> ingestBatch() {
    List<Sample> out = new ArrayList<>(INGEST_SAMPLES);
    Instant t0 =
        Instant.now().minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    int gpus = 1_000;
    for (int t = 0; t < INGEST_SAMPLES / gpus; t++) {
      for (int g = 0; g < gpus; g++) {
        out.add(
            Sample.of(
                t0.plusSeconds(10L * t),
                "gpu",
                Map.of("device", ScaleSite.nodeId(g / 8), "gpu", Integer.toString(g % 8)),
                Map.of("power_w", GpuNodeServer.powerW(g, 10.0 * t))));
      }
    }
    return out;
  }

  /** Starts influxd (the testkit's {@link InfluxProcess}), writes the batch, and stops it. */
  private static double influxIngest(Path influxd, List<Sample> batch) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    try (var server = InfluxProcess.start(influxd, false)) {
      String base = server.url().toString().replaceAll("/$", "");
      String create = "q=" + URLEncoder.encode("CREATE DATABASE bench", StandardCharsets.UTF_8);
      if (send(
              http,
              HttpRequest.newBuilder(URI.create(base + "/query"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(create)))
          != 200) {
        throw new IOException("influxd refused CREATE DATABASE");
      }
      // Encoded before the clock starts: the embedded side is handed Java objects too.
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < batch.size(); i += 5_000) {
        bodies.add(
            LineProtocolWriter.format(
                batch.subList(i, Math.min(batch.size(), i + 5_000)), Precision.MS));
      }
      long t0 = System.nanoTime();
      for (String body : bodies) {
        int status =
            send(
                http,
                HttpRequest.newBuilder(URI.create(base + "/write?db=bench&precision=ms"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
        if (status != 204) {
          throw new IOException("influxd answered " + status + " to a write");
        }
      }
      return batch.size() / ((System.nanoTime() - t0) / 1e9);
    }
  }

  private static int send(HttpClient http, HttpRequest.Builder request)
      throws InterruptedException {
    try {
      return http.send(
              request.timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static Optional<Path> onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin");
    for (String d : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(d, program);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static String runPeer(ProcessBuilder pb) throws Exception {
    Path out = Files.createTempFile("baseline-peer", ".out");
    try {
      Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(pb.command().getFirst() + " ran past " + PEER_TIMEOUT);
      }
      String text = Files.readString(out);
      if (p.exitValue() != 0) {
        throw new IOException("peer exited " + p.exitValue() + ": " + text.strip());
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static String lastLine(String out, String prefix) throws IOException {
    return out.lines()
        .filter(l -> l.startsWith(prefix))
        .reduce((a, b) -> b)
        .orElseThrow(() -> new IOException("peer printed no " + prefix.strip() + " line: " + out));
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }
}
