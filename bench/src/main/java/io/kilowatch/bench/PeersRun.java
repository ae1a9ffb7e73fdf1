package io.kilowatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.collector.lineprotocol.LineProtocolWriter;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.InfluxProcess;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 22: kilowatch against the collectors people already run, on the same simulated site in one
 * run. This JVM is the simulator (one {@link ScaleSite}, no faults); every collector runs in its
 * own process, one after another, for the same measured minutes, and is charged its own CPU ({@code
 * /proc/<pid>/stat}, descendants included) and peak RSS ({@code VmHWM}). Samples expected are the
 * simulator's per-device answer counts; samples stored are what each peer stored, read back from
 * its own storage.
 *
 * <p>{@code bench/peers --gpus=25000 --pdus=1536 --cdus=64 --minutes=3 [--warmup=30]
 * [--only=dcgm,modbus,opcua,ingest] [--ingest-points=1000000]}
 */
public final class PeersRun {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String TOKEN = "peers-bench-token";

  private final ScaleSite site;
  private final Path work;
  private final Duration interval;
  private final Duration timeout;
  private final Duration warmup;
  private final Duration length;
  private final int gpus;
  private final List<Row> rows = new ArrayList<>();
  private Set<String> peers;

  /**
   * One peer's measured figures.
   *
   * @param cpuSeconds the peer's processes over the measured window
   * @param simCpuSeconds the simulator's process over the same window
   * @param work reads (Modbus, OPC UA), samples (dcgm) or points (ingest) done in the window
   */
  record Row(
      String group,
      String peer,
      double cpuSeconds,
      double seconds,
      long peakRssKib,
      long expected,
      long stored,
      long lost,
      long work,
      String workUnit,
      double simCpuSeconds,
      String load,
      String note) {}

  private PeersRun(ScaleSite site, Path work, Duration warmup, Duration length, int gpus) {
    this.site = site;
    this.work = work;
    this.interval = site.spec().interval();
    this.timeout = site.spec().timeout();
    this.warmup = warmup;
    this.length = length;
    this.gpus = gpus;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      o.put(a.substring(2, eq < 0 ? a.length() : eq), eq < 0 ? "true" : a.substring(eq + 1));
    }
    int gpus = Integer.parseInt(o.getOrDefault("gpus", "25000"));
    int pdus = Integer.parseInt(o.getOrDefault("pdus", Integer.toString(gpus * 1536 / 25000)));
    int cdus =
        Integer.parseInt(o.getOrDefault("cdus", Integer.toString(Math.max(1, gpus * 64 / 25000))));
    Duration length =
        o.containsKey("seconds")
            ? Duration.ofSeconds(Long.parseLong(o.get("seconds")))
            : Duration.ofMinutes(Long.parseLong(o.getOrDefault("minutes", "3")));
    Duration warmup = Duration.ofSeconds(Long.parseLong(o.getOrDefault("warmup", "30")));
    Set<String> only = Set.of(o.getOrDefault("only", "dcgm,modbus,opcua,ingest").split(","));
    int ingestPoints = Integer.parseInt(o.getOrDefault("ingest-points", "1000000"));
    // --peers=kilowatch (or prometheus, vmagent, ...): only the named peers, e.g. to profile one.
    Set<String> peers = o.containsKey("peers") ? Set.of(o.get("peers").split(",")) : null;
    // --before=<kilowatch.jar of another build>: that build runs too, just before this one, on the
    // same devices, so a change is measured against its baseline in the same run.
    String before = o.get("before");
    Path work = Files.createDirectories(Path.of(o.getOrDefault("work", "bench/target/peers")));
    var spec =
        new ScaleSite.Spec(
            gpus,
            pdus,
            cdus,
            Duration.ofSeconds(10),
            Duration.ofSeconds(5),
            List.of(),
            ScaleSite.DEFAULT_RESTART_PAUSE);
    System.out.printf(
        Locale.ROOT,
        "peers: %d GPUs (%d dcgm endpoints), %d PDUs, %d CDUs, every 10s; %ds warm-up + %ds"
            + " measured per peer; %d cores; load average at start %s%n",
        gpus,
        (gpus + 7) / 8,
        pdus,
        cdus,
        warmup.toSeconds(),
        length.toSeconds(),
        Runtime.getRuntime().availableProcessors(),
        ProcTree.loadAverage());
    try (ScaleSite site = ScaleSite.start(spec)) {
      PeersRun run = new PeersRun(site, work, warmup, length, gpus);
      run.peers = peers;
      if (only.contains("dcgm")) {
        run.guard("dcgm", "prometheus", run::prometheus);
        run.guard("dcgm", "vmagent", () -> run.vmagent(false));
        run.guard("dcgm", "vmagent aligned", () -> run.vmagent(true));
        run.kilowatchBeforeAndNow("dcgm", before);
      }
      if (only.contains("modbus")) {
        run.guard("modbus", "libmodbus poller (C)", run::libmodbus);
        run.kilowatchBeforeAndNow("modbus", before);
        run.guard("modbus", "kilowatch at rest", run::kilowatchAtRest);
      }
      if (only.contains("opcua") && cdus > 0) {
        run.guard("opcua", "node-opcua", run::nodeOpcUa);
        run.kilowatchBeforeAndNow("opcua", before);
      }
      if (only.contains("ingest")) {
        run.guard("ingest", "influxd /write", () -> run.influxIngest(ingestPoints));
        run.guard("ingest", "kilowatch /api/v2/write", () -> run.kilowatchIngest(ingestPoints));
      }
      System.out.println();
      System.out.print(run.table());
    }
    System.exit(0);
  }

  /** kilowatch on one group's devices; first the {@code before} build when one is given. */
  private void kilowatchBeforeAndNow(String group, String before) {
    if (before != null) {
      String label = "kilowatch before (" + before + ")";
      // -Dpeers.kilowatch.jvm applies to this build only; the before build gets
      // -Dpeers.kilowatch.before.jvm (none by default), to measure a JVM option against none.
      String jvm = System.getProperty("peers.kilowatch.jvm", "");
      System.setProperty(JAR_PROPERTY, before);
      System.setProperty(
          "peers.kilowatch.jvm", System.getProperty("peers.kilowatch.before.jvm", ""));
      try {
        guard(group, label, () -> kilowatch(group, label));
      } finally {
        System.clearProperty(JAR_PROPERTY);
        System.setProperty("peers.kilowatch.jvm", jvm);
      }
    }
    guard(group, "kilowatch", () -> kilowatch(group, "kilowatch"));
  }

  private interface Step {
    List<Row> run() throws Exception;
  }

  private void guard(String group, String peer, Step step) {
    if (peers != null && peers.stream().noneMatch(peer::startsWith)) {
      return;
    }
    System.out.printf(Locale.ROOT, "peers: %s / %s ...%n", group, peer);
    try {
      for (Row r : step.run()) {
        rows.add(r);
        System.out.println("  " + line(r));
      }
    } catch (Exception e) {
      System.out.println("  failed: " + e);
      rows.add(
          new Row(group, peer, 0, 0, 0, 0, 0, 0, 0, "", 0, ProcTree.loadAverage(), "failed: " + e));
    }
  }

  // ---- the measured window, shared by every polling peer ----------------------------------------

  /** The window's boundaries: polls start at {@code startMs}, measuring at {@code fromMs}. */
  private record Window(long startMs, int warmCycles, int cycles, long fromMs, long toMs) {}

  /**
   * Cycle k of a cycle-driven peer starts at start + k × interval; the measured window starts half
   * an interval before the first measured cycle, so no poll straddles it.
   */
  private Window window(long startMs) {
    long iv = interval.toMillis();
    int warmCycles = (int) Math.max(1, (warmup.toMillis() + iv - 1) / iv);
    int measured = (int) (length.toMillis() / iv);
    long from = startMs + warmCycles * iv - iv / 2;
    return new Window(startMs, warmCycles, warmCycles + measured, from, from + length.toMillis());
  }

  private record Cpu(double peer, double sim, long atNanos) {}

  private static Cpu cpu(long pid) {
    return new Cpu(ProcTree.cpuSeconds(pid), ProcTree.selfCpuSeconds(), System.nanoTime());
  }

  static void sleepUntil(long epochMs) throws InterruptedException {
    long left = epochMs - System.currentTimeMillis();
    if (left > 0) {
      Thread.sleep(left);
    }
  }

  /** Per device: answers since the window × series per answer, for devices of one source type. */
  private Map<String, Long> expected(String source) {
    Map<String, Long> out = new HashMap<>();
    for (ScaleSite.Answered a : site.answered()) {
      if (a.source().equals(source)) {
        out.put(a.deviceId(), a.measuredAnswers() * a.series());
      }
    }
    return out;
  }

  /** Each device's cut: half an interval before its first measured answer (epoch ms). */
  private Map<String, Long> cuts(String source) {
    Map<String, Long> out = new HashMap<>();
    for (ScaleSite.Answered a : site.answered()) {
      if (a.source().equals(source)) {
        out.put(
            a.deviceId(),
            a.firstMeasuredMs() == 0
                ? Long.MAX_VALUE
                : a.firstMeasuredMs() - interval.toMillis() / 2);
      }
    }
    return out;
  }

  private Row row(
      String group,
      String peer,
      Cpu a,
      Cpu b,
      long rssKib,
      Map<String, Long> expected,
      Map<String, Long> stored,
      long work,
      String unit,
      String note) {
    long want = 0;
    long have = 0;
    long lost = 0;
    for (var e : expected.entrySet()) {
      long got = stored.getOrDefault(e.getKey(), 0L);
      want += e.getValue();
      have += got;
      lost += Math.max(0, e.getValue() - got);
    }
    return new Row(
        group,
        peer,
        b.peer() - a.peer(),
        (b.atNanos() - a.atNanos()) / 1e9,
        rssKib,
        want,
        have,
        lost,
        work,
        unit,
        b.sim() - a.sim(),
        ProcTree.loadAverage(),
        note);
  }

  // ---- dcgm-exporter scraping
  // ---------------------------------------------------------------------

  /**
   * The same scrape config for Prometheus and vmagent: one static target per node, no relabelling;
   * with {@code scrape_offset: 1s} (vmagent only) when {@code aligned}.
   */
  private Path scrapeConfig(boolean aligned) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("global:\n  scrape_interval: ")
        .append(interval.toSeconds())
        .append("s\n  scrape_timeout: ")
        .append(timeout.toSeconds())
        .append("s\nscrape_configs:\n  - job_name: dcgm\n")
        .append(aligned ? "    scrape_offset: 1s\n" : "")
        .append("    static_configs:\n");
    List<String> urls = site.nodeUrls();
    for (int n = 0; n < urls.size(); n++) {
      URI u = URI.create(urls.get(n));
      // The node's path and name as target labels (every node shares the simulator's port).
      b.append("      - targets: ['")
          .append(u.getHost())
          .append(':')
          .append(u.getPort())
          .append("']\n        labels: {__metrics_path__: '")
          .append(u.getPath())
          .append("', instance: '")
          .append(ScaleSite.nodeId(n))
          .append("'}\n");
    }
    Path file = work.resolve(aligned ? "scrape-aligned.yml" : "scrape.yml");
    Files.writeString(file, b.toString());
    return file;
  }

  private List<Row> prometheus() throws Exception {
    Path dir = fresh("prometheus");
    int port = freePort();
    Process p =
        start(
            dir,
            "prometheus",
            "--config.file=" + scrapeConfig(false).toAbsolutePath(),
            "--storage.tsdb.path=" + dir.resolve("tsdb"),
            "--storage.tsdb.retention.time=1d",
            "--web.listen-address=127.0.0.1:" + port);
    String base = "http://127.0.0.1:" + port;
    try {
      awaitOk(base + "/-/ready", Duration.ofSeconds(60));
      Measured m = measureContinuous(p.pid(), "dcgm");
      Map<String, Long> stored = promSamples(base, m.window());
      return List.of(dcgmRow("prometheus 2.42 (own TSDB)", m, stored, ""));
    } finally {
      stop(p);
      resume();
    }
  }

  /**
   * vmagent writing into victoria-metrics. {@code aligned}: with {@code scrape_offset: 1s}, which
   * scrapes every target at the same offset of the interval (its way of batching scrapes, as
   * kilowatch's poll grid does; Prometheus has no such setting and spreads targets by hash).
   */
  private List<Row> vmagent(boolean aligned) throws Exception {
    String name = aligned ? "vmagent aligned (scrape_offset: 1s)" : "vmagent";
    Path dir = fresh(aligned ? "vmagent-aligned" : "vmagent");
    int vmPort = freePort();
    int agentPort = freePort();
    Process vm =
        start(
            dir.resolve("vm"),
            "victoria-metrics",
            "-storageDataPath=" + dir.resolve("vm-data"),
            "-retentionPeriod=1d",
            "-search.latencyOffset=0s",
            "-httpListenAddr=127.0.0.1:" + vmPort);
    Process agent = null;
    try {
      String vmBase = "http://127.0.0.1:" + vmPort;
      awaitOk(vmBase + "/health", Duration.ofSeconds(60));
      agent =
          start(
              dir.resolve("agent"),
              "vmagent",
              "-promscrape.config=" + scrapeConfig(aligned).toAbsolutePath(),
              "-remoteWrite.url=" + vmBase + "/api/v1/write",
              "-remoteWrite.tmpDataPath=" + dir.resolve("agent-queue"),
              "-httpListenAddr=127.0.0.1:" + agentPort);
      awaitOk("http://127.0.0.1:" + agentPort + "/health", Duration.ofSeconds(60));
      long vmPid = vm.pid();
      Measured m = measureContinuous(agent.pid(), "dcgm", () -> ProcTree.cpuSeconds(vmPid));
      Map<String, Long> stored = vmSamples(vmBase, m.window());
      Row agentRow =
          dcgmRow(name + " (remote write)", m, stored, "stored = rows in victoria-metrics");
      Row both =
          new Row(
              "dcgm",
              name + " + victoria-metrics storage",
              agentRow.cpuSeconds() + m.extraCpu(),
              agentRow.seconds(),
              agentRow.peakRssKib() + ProcTree.peakRssKib(vmPid),
              agentRow.expected(),
              agentRow.stored(),
              agentRow.lost(),
              agentRow.work(),
              agentRow.workUnit(),
              agentRow.simCpuSeconds(),
              agentRow.load(),
              "the sink's CPU added");
      return List.of(agentRow, both);
    } finally {
      if (agent != null) {
        stop(agent);
      }
      stop(vm);
      resume();
    }
  }

  private Row dcgmRow(String peer, Measured m, Map<String, Long> stored, String note) {
    Map<String, Long> want = m.expected();
    return row(
        "dcgm",
        peer,
        m.a(),
        m.b(),
        m.rssKib(),
        want,
        stored,
        sumStored(want, stored),
        "GPU power samples",
        note);
  }

  private static long sumStored(Map<String, Long> want, Map<String, Long> stored) {
    long s = 0;
    for (String d : want.keySet()) {
      s += stored.getOrDefault(d, 0L);
    }
    return s;
  }

  /** GPU power samples per node (the Hostname label) in Prometheus's TSDB, from each node's cut. */
  private Map<String, Long> promSamples(String base, Window w) throws Exception {
    long rangeS = (System.currentTimeMillis() - w.fromMs()) / 1000 + interval.toSeconds() + 2;
    String q =
        URLEncoder.encode("DCGM_FI_DEV_POWER_USAGE[" + rangeS + "s]", StandardCharsets.UTF_8);
    JsonNode result = getJson(base + "/api/v1/query?query=" + q).path("data").path("result");
    Map<String, Long> cuts = cuts("dcgm");
    Map<String, Long> out = new HashMap<>();
    for (JsonNode series : result) {
      String node = series.path("metric").path("Hostname").asText();
      long cut = cuts.getOrDefault(node, Long.MAX_VALUE);
      long n = 0;
      for (JsonNode v : series.path("values")) {
        if ((long) (v.get(0).asDouble() * 1000) >= cut) {
          n++;
        }
      }
      out.merge(node, n, Long::sum);
    }
    return out;
  }

  /** The same from victoria-metrics, through its export API (raw samples). */
  private Map<String, Long> vmSamples(String base, Window w) throws Exception {
    Map<String, Long> cuts = cuts("dcgm");
    Map<String, Long> out = new HashMap<>();
    String url =
        base
            + "/api/v1/export?match[]="
            + URLEncoder.encode("DCGM_FI_DEV_POWER_USAGE", StandardCharsets.UTF_8)
            + "&start="
            + (w.fromMs() / 1000 - interval.toSeconds())
            + "&end="
            + (System.currentTimeMillis() / 1000 + 1);
    HttpResponse<java.io.InputStream> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode series = JSON.readTree(line);
        String node = series.path("metric").path("Hostname").asText();
        long cut = cuts.getOrDefault(node, Long.MAX_VALUE);
        long n = 0;
        JsonNode values = series.path("values");
        JsonNode times = series.path("timestamps");
        for (int i = 0; i < times.size(); i++) {
          // null: a staleness marker vmagent sends when a target stops answering, not a sample.
          if (times.get(i).asLong() >= cut && values.get(i).isNumber()) {
            n++;
          }
        }
        out.merge(node, n, Long::sum);
      }
    }
    return out;
  }

  // ---- the continuous peers' window (Prometheus, vmagent, kilowatch)
  // ------------------------------

  private record Measured(
      Window window, Cpu a, Cpu b, long rssKib, Map<String, Long> expected, double extraCpu) {}

  private interface CpuOf {
    double seconds();
  }

  private Measured measureContinuous(long pid, String source) throws Exception {
    return measureContinuous(pid, source, () -> 0);
  }

  /**
   * Warm-up, then the measured window, then the source is silenced so nothing is answered after the
   * count; the caller reads what the peer stored.
   */
  private Measured measureContinuous(long pid, String source, CpuOf extra) throws Exception {
    Window w = window(System.currentTimeMillis());
    site.restartMeasuring(w.fromMs());
    sleepUntil(w.fromMs());
    Cpu a = cpu(pid);
    double extraA = extra.seconds();
    sleepUntil(w.toMs());
    Cpu b = cpu(pid);
    double extraB = extra.seconds();
    long rss = ProcTree.peakRssKib(pid);
    site.silence(source, true);
    try {
      // Polls in flight end within the timeout; then what each device answered is final.
      Thread.sleep(timeout.toMillis() + 2_000);
      Map<String, Long> expected = expected(source);
      // The peer's last writes reach its storage (flushes of a second or so on every side).
      Thread.sleep(5_000);
      return new Measured(w, a, b, rss, expected, extraB - extraA);
    } finally {
      resumeLater.add(source);
    }
  }

  private final List<String> resumeLater = new ArrayList<>();

  private void resume() throws IOException, InterruptedException {
    for (String s : resumeLater) {
      site.silence(s, false);
    }
    resumeLater.clear();
  }

  // ---- kilowatch, on the same devices
  // -------------------------------------------------------------

  private List<Row> kilowatch(String source, String label) throws Exception {
    Path dir = fresh("kilowatch-" + source);
    Path data = dir.resolve("data");
    Path config = dir.resolve("site.yaml");
    SiteBuilder b = site.siteConfig(data, Set.of(source));
    Files.writeString(config, b.toYaml());
    int port = freePort();
    Process p = startKilowatch(dir, config, port);
    Measured m;
    try {
      awaitKilowatch(port);
      m = measureContinuous(p.pid(), source);
    } finally {
      stop(p);
      resume();
    }
    SeriesQuery q =
        switch (source) {
          case "dcgm" -> SeriesQuery.of("gpu", "power_w");
          case "modbus" -> SeriesQuery.of("pdu", "power_w");
          default -> SeriesQuery.of("cooling_loop", OpcUaRestartCheck.COUNTED_FIELD);
        };
    Map<String, Long> stored = storedByDevice(data, q, m.window().fromMs() - 60_000, cuts(source));
    long reads = sumStored(m.expected(), stored);
    String unit =
        switch (source) {
          case "dcgm" -> "GPU power samples";
          case "modbus" -> "PDU reads";
          default -> "CDU reads";
        };
    return List.of(
        row(source, label, m.a(), m.b(), m.rssKib(), m.expected(), stored, reads, unit, ""));
  }

  /**
   * This build with the same store and web server and no device at all, over a window as long as
   * the others: what kilowatch costs while polling nothing, printed as CPU per PDU read at the
   * site's rate (the share of each Modbus figure that no poller design could take off). A line, not
   * a row: it has no reads of its own.
   */
  private List<Row> kilowatchAtRest() throws Exception {
    Path dir = fresh("kilowatch-at-rest");
    Path config = dir.resolve("site.yaml");
    Files.writeString(
        config,
        "site:\n  name: kilowatch at rest\n  timezone: UTC\nstore:\n  kind: embedded\n"
            + "  dataDir: "
            + dir.resolve("data").toAbsolutePath()
            + "\n");
    int port = freePort();
    Process p = startKilowatch(dir, config, port);
    try {
      awaitKilowatch(port);
      Window w = window(System.currentTimeMillis());
      sleepUntil(w.fromMs());
      Cpu a = cpu(p.pid());
      sleepUntil(w.toMs());
      Cpu b = cpu(p.pid());
      double seconds = (b.atNanos() - a.atNanos()) / 1e9;
      double cores = (b.peer() - a.peer()) / seconds;
      double readsPerSecond = (double) site.spec().pdus() / interval.toSeconds();
      System.out.printf(
          Locale.ROOT,
          "  %-7s %-44s cpu %7.2f s over %5.1f s = %.4f cores; %.1f CPU-us per PDU read at %.0f"
              + " reads/s; peak RSS %5d MiB; load %s%n",
          "modbus",
          "kilowatch at rest (no devices)",
          b.peer() - a.peer(),
          seconds,
          cores,
          readsPerSecond > 0 ? cores * 1e6 / readsPerSecond : Double.NaN,
          readsPerSecond,
          ProcTree.peakRssKib(p.pid()) / 1024,
          ProcTree.loadAverage());
    } finally {
      stop(p);
    }
    return List.of();
  }

  private Process startKilowatch(Path dir, Path config, int port) throws IOException {
    // -Dpeers.jfr=dir: a flight recording of each kilowatch run, named after its work directory.
    String jfr = System.getProperty("peers.jfr");
    if (jfr != null) {
      Files.createDirectories(Path.of(jfr));
      return startKilowatch(
          dir,
          config,
          port,
          List.of(
              "-XX:StartFlightRecording=filename="
                  + Path.of(jfr, dir.getFileName() + ".jfr").toAbsolutePath()
                  + ",settings=profile"));
    }
    return startKilowatch(dir, config, port, List.of());
  }

  /** The kilowatch jar the benches start; another build's, to measure before against after. */
  static final String JAR_PROPERTY = "peers.kilowatch.jar";

  /** The launcher's JVM options (see {@code ./kilowatch}), from the repository root. */
  static final Path JVM_OPTIONS = Path.of("app", "jvm.options");

  /**
   * {@code java @app/jvm.options -jar app/target/kilowatch.jar run}, as {@code ./kilowatch} starts
   * it, with extra JVM options after the file's (which they override): a JFR recording, an -Xmx.
   */
  static Process startKilowatch(
      Path dir, Path config, int port, List<String> jvmOptions, String... args) throws IOException {
    if (!Files.isRegularFile(JVM_OPTIONS)) {
      throw new IOException(
          "no "
              + JVM_OPTIONS.toAbsolutePath()
              + ": the benches start kilowatch from the repository root, with the launcher's"
              + " JVM options");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    // The JVM options ./kilowatch starts every process with (an argument file), first, so that
    // those given here override them: -Dpeers.kilowatch.jvm="-XX:+UseParallelGC …" to compare.
    cmd.add("@" + JVM_OPTIONS.toAbsolutePath());
    // No -Xmx unless asked: kilowatch runs as ./kilowatch starts it (the JVM's default heap, a
    // quarter of memory), as the peers run with no memory limit. A 1 GiB cap at 25,000 GPUs kept
    // G1 in back-to-back concurrent marking (13 % of the process's CPU in perf).
    String xmx = System.getProperty("peers.kilowatch.xmx", "").strip();
    if (!xmx.isEmpty()) {
      cmd.add("-Xmx" + xmx);
    }
    String extra = System.getProperty("peers.kilowatch.jvm", "").strip();
    if (!extra.isEmpty()) {
      cmd.addAll(List.of(extra.split("\\s+")));
    }
    cmd.addAll(jvmOptions);
    cmd.addAll(
        List.of(
            "-jar",
            Path.of(System.getProperty(JAR_PROPERTY, "app/target/kilowatch.jar"))
                .toAbsolutePath()
                .toString(),
            "run",
            "--config",
            config.toAbsolutePath().toString(),
            "--port",
            Integer.toString(port)));
    cmd.addAll(List.of(args));
    return start(dir, cmd.toArray(String[]::new));
  }

  /** GOOD points per device in kilowatch's embedded store (read after it stopped). */
  static Map<String, Long> storedByDevice(
      Path data, SeriesQuery query, long fromMs, Map<String, Long> cuts) {
    Map<String, Long> out = new HashMap<>();
    try (var store =
        EmbeddedStore.open(
            data, Duration.ofDays(30), Duration.ofDays(90), Duration.ofDays(3650), false)) {
      Instant from = Instant.ofEpochMilli(fromMs);
      Instant to = Instant.now().plusSeconds(1);
      for (SeriesPoints sp : store.read(query, from, to)) {
        String device = sp.key().tags().getOrDefault("device", "?");
        long cut = cuts.getOrDefault(device, Long.MAX_VALUE);
        long good = 0;
        for (Point pt : sp.points()) {
          if (pt.quality() == Quality.GOOD && pt.time().toEpochMilli() >= cut) {
            good++;
          }
        }
        out.merge(device, good, Long::sum);
      }
    }
    return out;
  }

  // ---- Modbus: the libmodbus poller
  // --------------------------------------------------------------

  private List<Row> libmodbus() throws Exception {
    Path dir = fresh("libmodbus");
    Path binary = Path.of(System.getProperty("peers.modbusPoll", "bench/target/modbus-poll"));
    if (!Files.isExecutable(binary)) {
      throw new IOException(binary + " not built (bench/peers builds it with gcc and libmodbus)");
    }
    long startMs = System.currentTimeMillis() + 2_000;
    Window w = window(startMs);
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toAbsolutePath().toString());
    cmd.add("127.0.0.1");
    cmd.add(Long.toString(w.startMs()));
    cmd.add(Long.toString(interval.toMillis()));
    cmd.add(Integer.toString(w.cycles()));
    site.pduPorts().forEach(port -> cmd.add(Integer.toString(port)));
    return cyclePeer("modbus", "libmodbus poller (C, gcc -O2)", dir, cmd, Map.of(), w, "PDU reads");
  }

  // ---- OPC UA: node-opcua ----------------------------------------------------------------------

  private List<Row> nodeOpcUa() throws Exception {
    Path dir = fresh("node-opcua");
    Path modules = Path.of("collector/opcua/src/test/node/node_modules").toAbsolutePath();
    if (!Files.isDirectory(modules.resolve("node-opcua"))) {
      throw new IOException(
          "node-opcua not installed: npm ci --prefix collector/opcua/src/test/node");
    }
    var server = site.cduServer();
    // node and its session take a few seconds to start on a loaded machine.
    long startMs = System.currentTimeMillis() + 8_000;
    Window w = window(startMs);
    List<String> cmd = new ArrayList<>();
    cmd.add("node");
    cmd.add(Path.of("bench/src/main/node/cdu-poll.js").toAbsolutePath().toString());
    cmd.add(server.endpoint());
    cmd.add(Long.toString(w.startMs()));
    cmd.add(Long.toString(interval.toMillis()));
    cmd.add(Integer.toString(w.cycles()));
    cmd.add(Integer.toString(CduVariables.POINTS.size()));
    int ns = server.namespaceIndex();
    for (int c = 0; c < site.spec().cdus(); c++) {
      for (CduVariables.Point pt : CduVariables.POINTS) {
        cmd.add("ns=" + ns + ";s=" + ScaleSite.cduId(c) + "/" + pt.name());
      }
    }
    return cyclePeer(
        "opcua",
        "node-opcua client",
        dir,
        cmd,
        Map.of("NODE_PATH", modules.toString()),
        w,
        "CDU reads");
  }

  /**
   * A peer that polls in cycles on its own clock and prints "CYCLE k n good": reads of the measured
   * cycles are its stored count (it has no storage; what it read is what it kept).
   */
  private List<Row> cyclePeer(
      String source,
      String peer,
      Path dir,
      List<String> cmd,
      Map<String, String> env,
      Window w,
      String unit)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().putAll(env);
    Path out = dir.resolve("out.txt");
    site.restartMeasuring(w.fromMs());
    Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      sleepUntil(w.fromMs());
      Cpu a = cpu(p.pid());
      sleepUntil(w.toMs());
      Cpu b = cpu(p.pid());
      long rss = ProcTree.peakRssKib(p.pid());
      // It stays up until the slot after its last cycle (past the window), then exits.
      if (!p.waitFor(interval.toMillis() + timeout.toMillis() * 2, TimeUnit.MILLISECONDS)) {
        throw new IOException(peer + " did not finish its cycles: " + tail(out));
      }
      // No poll is in flight now: what each device answered is final.
      Map<String, Long> expected = expected(source);
      long good = 0;
      long failed = 0;
      for (String line : Files.readAllLines(out)) {
        String[] f = line.split(" ");
        // A cycle is measured when it began in the window (a slow start can push the first
        // cycles late, past the window's start: then the simulator counted them too).
        if (f[0].equals("CYCLE") && Long.parseLong(f[f.length - 1]) >= w.fromMs()) {
          long n = Long.parseLong(f[2]);
          long g = Long.parseLong(f[3]);
          // C poller: good failed; node: reads good.
          if (source.equals("modbus")) {
            good += n;
            failed += g;
          } else {
            good += g;
            failed += n - g;
          }
        }
      }
      if (p.exitValue() != 0) {
        throw new IOException(peer + " exited " + p.exitValue() + ": " + tail(out));
      }
      long want = expected.values().stream().mapToLong(Long::longValue).sum();
      Row r =
          new Row(
              source,
              peer,
              b.peer() - a.peer(),
              (b.atNanos() - a.atNanos()) / 1e9,
              rss,
              want,
              good,
              Math.max(0, want - good),
              good,
              unit,
              b.sim() - a.sim(),
              ProcTree.loadAverage(),
              "counts its own good reads; " + failed + " failed");
      return List.of(r);
    } finally {
      p.destroyForcibly();
    }
  }

  // ---- ingest: the same line-protocol batches
  // ----------------------------------------------------

  /** 1,000 GPUs × points/1,000 timestamps 10 s apart, one power field each, 5,000 lines a batch. */
  private static List<String> ingestBatches(int points) {
    int gpus = 1_000;
    int steps = Math.max(1, points / gpus);
    Instant t0 =
        Instant.now()
            .minusSeconds(10L * steps + 3600)
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    List<String> out = new ArrayList<>();
    List<Sample> batch = new ArrayList<>(5_000);
    for (int t = 0; t < steps; t++) {
      for (int g = 0; g < gpus; g++) {
        batch.add(
            Sample.of(
                t0.plusSeconds(10L * t),
                "gpu",
                Map.of("device", "ingest-" + g / 8, "gpu", Integer.toString(g % 8)),
                Map.of("power_w", GpuNodeServer.powerW(g, 10.0 * t))));
        if (batch.size() == 5_000) {
          out.add(LineProtocolWriter.format(batch, Precision.MS));
          batch.clear();
        }
      }
    }
    if (!batch.isEmpty()) {
      out.add(LineProtocolWriter.format(batch, Precision.MS));
    }
    return out;
  }

  /** Batches answered 429/503 and sent again, by the current ingest peer. */
  private static final AtomicInteger RETRIES = new AtomicInteger();

  /** Clients sending batches at once, the same number on both sides. */
  private static final int INGEST_CLIENTS = 4;

  /** Sends every batch with {@link #INGEST_CLIENTS} clients; the server's CPU over the sending. */
  private static Cpu[] send(long pid, List<String> bodies, String url, String auth)
      throws Exception {
    var queue = new ConcurrentLinkedQueue<>(bodies);
    RETRIES.set(0);
    AtomicInteger refused = new AtomicInteger();
    Cpu a = cpu(pid);
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < INGEST_CLIENTS; i++) {
      clients.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (String body = queue.poll(); body != null; body = queue.poll()) {
                      var req =
                          HttpRequest.newBuilder(URI.create(url))
                              .timeout(Duration.ofSeconds(60))
                              .POST(HttpRequest.BodyPublishers.ofString(body));
                      if (auth != null) {
                        req.header("Authorization", auth);
                      }
                      try {
                        // As Telegraf and the InfluxDB clients do: 429 and 503 mean "later",
                        // after Retry-After (the batch was not taken); anything else is final.
                        for (int attempt = 0; ; attempt++) {
                          var r = HTTP.send(req.build(), HttpResponse.BodyHandlers.discarding());
                          int s = r.statusCode();
                          if ((s == 429 || s == 503) && attempt < 20) {
                            RETRIES.incrementAndGet();
                            long after = r.headers().firstValueAsLong("Retry-After").orElse(1);
                            Thread.sleep(Math.max(1, Math.min(after, 10)) * 1000);
                            continue;
                          }
                          if (s / 100 != 2) {
                            refused.incrementAndGet();
                          }
                          break;
                        }
                      } catch (IOException | InterruptedException e) {
                        refused.incrementAndGet();
                      }
                    }
                  }));
    }
    for (Thread t : clients) {
      t.join();
    }
    Cpu b = cpu(pid);
    if (refused.get() > 0) {
      throw new IOException(refused.get() + " batches refused by " + url);
    }
    return new Cpu[] {a, b};
  }

  private List<Row> influxIngest(int points) throws Exception {
    Path influxd =
        InfluxProcess.findInfluxd().orElseThrow(() -> new IOException("influxd not found"));
    List<String> bodies = ingestBatches(points);
    long lines = bodies.stream().mapToLong(b -> b.lines().count()).sum();
    try (var server = InfluxProcess.start(influxd, false)) {
      String base = server.url().toString().replaceAll("/$", "");
      long pid =
          ProcessHandle.current()
              .descendants()
              .filter(h -> h.info().command().orElse("").endsWith("influxd"))
              .mapToLong(ProcessHandle::pid)
              .max()
              .orElseThrow(() -> new IOException("influxd's process not found"));
      postForm(
          base + "/query",
          "q=" + URLEncoder.encode("CREATE DATABASE bench", StandardCharsets.UTF_8));
      Cpu[] ab = send(pid, bodies, base + "/write?db=bench&precision=ms", null);
      long rss = ProcTree.peakRssKib(pid);
      String q = URLEncoder.encode("SELECT count(power_w) FROM gpu", StandardCharsets.UTF_8);
      JsonNode r = getJson(base + "/query?db=bench&q=" + q);
      long stored =
          r.path("results").path(0).path("series").path(0).path("values").path(0).path(1).asLong();
      return List.of(ingestRow("influxd 1.x /write (wal fsync)", ab, rss, lines, stored));
    }
  }

  private List<Row> kilowatchIngest(int points) throws Exception {
    List<String> bodies = ingestBatches(points);
    long lines = bodies.stream().mapToLong(b -> b.lines().count()).sum();
    Path dir = fresh("kilowatch-ingest");
    Path data = dir.resolve("data");
    Path config = dir.resolve("site.yaml");
    String sha =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(TOKEN.getBytes(StandardCharsets.UTF_8)));
    // The site's CDUs (the smallest device set) so the config has devices; they are not polled
    // harder than every 10 s and the window is the writes only.
    SiteBuilder b =
        site.siteConfig(data, Set.of("opcua"))
            .web(
                YamlMaps.of(
                    "bind",
                    "127.0.0.1",
                    "port",
                    0,
                    "tokens",
                    List.of(SiteBuilder.token("bench", sha, "operator"))));
    Files.writeString(config, b.toYaml());
    int port = freePort();
    Process p = startKilowatch(dir, config, port);
    Cpu[] ab;
    long rss;
    try {
      awaitKilowatch(port);
      ab =
          send(
              p.pid(),
              bodies,
              "http://127.0.0.1:" + port + "/api/v2/write?precision=ms",
              "Token " + TOKEN);
      rss = ProcTree.peakRssKib(p.pid());
    } finally {
      stop(p);
    }
    long stored = 0;
    try (var store =
        EmbeddedStore.open(
            data, Duration.ofDays(30), Duration.ofDays(90), Duration.ofDays(3650), false)) {
      for (SeriesPoints sp :
          store.read(
              SeriesQuery.of("gpu", "power_w"), Instant.EPOCH, Instant.now().plusSeconds(1))) {
        stored += sp.points().size();
      }
    }
    return List.of(
        ingestRow("kilowatch /api/v2/write (commit before 2xx)", ab, rss, lines, stored));
  }

  private Row ingestRow(String peer, Cpu[] ab, long rss, long lines, long stored) {
    return new Row(
        "ingest",
        peer,
        ab[1].peer() - ab[0].peer(),
        (ab[1].atNanos() - ab[0].atNanos()) / 1e9,
        rss,
        lines,
        stored,
        Math.max(0, lines - stored),
        lines,
        "points",
        ab[1].sim() - ab[0].sim(),
        ProcTree.loadAverage(),
        INGEST_CLIENTS
            + " clients, batches of 5000 lines, "
            + RETRIES.get()
            + " sent again after 429/503");
  }

  // ---- output -----------------------------------------------------------------------------------

  private String line(Row r) {
    return String.format(
        Locale.ROOT,
        "%-7s %-44s cpu %7.2f s over %5.1f s = %5.3f cores; %s; peak RSS %5d MiB; %s/s %9.0f;"
            + " expected %d stored %d lost %d; simulator %.3f cores; load %s %s",
        r.group(),
        r.peer(),
        r.cpuSeconds(),
        r.seconds(),
        r.seconds() > 0 ? r.cpuSeconds() / r.seconds() : 0,
        figure(r),
        r.peakRssKib() / 1024,
        r.workUnit(),
        r.seconds() > 0 ? r.work() / r.seconds() : 0,
        r.expected(),
        r.stored(),
        r.lost(),
        r.seconds() > 0 ? r.simCpuSeconds() / r.seconds() : 0,
        r.load(),
        r.note().isEmpty() ? "" : "(" + r.note() + ")");
  }

  /** CPU-s per 1,000 GPUs per minute for site collection; per million points for ingest. */
  private String figure(Row r) {
    if (r.seconds() <= 0) {
      return "-";
    }
    if (r.group().equals("ingest")) {
      return String.format(
          Locale.ROOT, "%.2f CPU-s per 1M points", r.cpuSeconds() / (r.work() / 1e6));
    }
    String perGpu = String.format(Locale.ROOT, "%.4f CPU-s per 1k GPUs per min", cpuPerKGpuMin(r));
    if (!r.group().equals("dcgm") && r.work() > 0) {
      perGpu +=
          String.format(Locale.ROOT, ", %.1f CPU-us per read", r.cpuSeconds() / r.work() * 1e6);
    }
    return perGpu;
  }

  private double cpuPerKGpuMin(Row r) {
    return r.cpuSeconds() / (gpus / 1000.0) / (r.seconds() / 60.0);
  }

  private static boolean isKilowatch(Row r) {
    return r.peer().startsWith("kilowatch") && !r.peer().startsWith("kilowatch before");
  }

  private String table() {
    StringBuilder b =
        new StringBuilder("| peer | figure | peer's | kilowatch | ratio (kilowatch / peer) |\n");
    b.append("|---|---|---|---|---|\n");
    for (Row r : rows) {
      // A before build is a peer here: the ratio says what the change did.
      if (isKilowatch(r) || r.seconds() <= 0) {
        continue;
      }
      Row kw =
          rows.stream()
              .filter(k -> k.group().equals(r.group()) && isKilowatch(k) && k.seconds() > 0)
              .findFirst()
              .orElse(null);
      if (kw == null) {
        continue;
      }
      if (r.group().equals("ingest")) {
        double pc = r.cpuSeconds() / (r.work() / 1e6);
        double kc = kw.cpuSeconds() / (kw.work() / 1e6);
        b.append(cell(r, "CPU-s per 1M points", pc, kc, "%.2f"));
        b.append(cell(r, "points/s", r.work() / r.seconds(), kw.work() / kw.seconds(), "%.0f"));
      } else {
        b.append(
            cell(
                r, "CPU-s per 1,000 GPUs per minute", cpuPerKGpuMin(r), cpuPerKGpuMin(kw), "%.4f"));
        if (!r.group().equals("dcgm")) {
          b.append(
              cell(
                  r,
                  "CPU-us per read",
                  r.cpuSeconds() / r.work() * 1e6,
                  kw.cpuSeconds() / kw.work() * 1e6,
                  "%.1f"));
        }
        b.append(
            cell(r, r.workUnit() + "/s", r.work() / r.seconds(), kw.work() / kw.seconds(), "%.0f"));
      }
      b.append(cell(r, "peak RSS MiB", r.peakRssKib() / 1024.0, kw.peakRssKib() / 1024.0, "%.0f"));
      b.append(cell(r, "samples lost", r.lost(), kw.lost(), "%.0f"));
    }
    return b.toString();
  }

  private static String cell(Row r, String figure, double peer, double kw, String fmt) {
    return String.format(
        Locale.ROOT,
        "| %s (%s) | %s | " + fmt + " | " + fmt + " | %s |%n",
        r.peer(),
        r.group(),
        figure,
        peer,
        kw,
        peer == 0 ? "-" : String.format(Locale.ROOT, "%.2f", kw / peer));
  }

  // ---- processes and HTTP
  // ------------------------------------------------------------------------

  private Path fresh(String name) throws IOException {
    Path dir = work.resolve(name);
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    return Files.createDirectories(dir);
  }

  static Process start(Path dir, String... cmd) throws IOException {
    Files.createDirectories(dir);
    return new ProcessBuilder(cmd)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("out.txt").toFile())
        .start();
  }

  /** SIGTERM, then a kill after 30 s. */
  static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  static int freePort() throws IOException {
    try (var s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void awaitOk(String url, Duration within) throws Exception {
    awaitStatus(url, within, true);
  }

  /**
   * Until kilowatch answers at all: /api/health says 503 while devices are still down, which on a
   * loaded machine some are in the first polls.
   */
  static void awaitKilowatch(int port) throws Exception {
    awaitStatus("http://127.0.0.1:" + port + "/api/health", Duration.ofSeconds(180), false);
  }

  private static void awaitStatus(String url, Duration within, boolean only200) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        int s =
            HTTP.send(
                    HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (s == 200 || !only200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(url + " not ready within " + within);
      }
      // Polling a process that is starting: nothing to wait on but its port.
      Thread.sleep(250);
    }
  }

  static JsonNode getJson(String url) throws Exception {
    var r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static void postForm(String url, String body) throws Exception {
    var r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  private static String tail(Path out) {
    try {
      List<String> l = Files.readAllLines(out);
      return String.join("\n", l.subList(Math.max(0, l.size() - 10), l.size()));
    } catch (IOException e) {
      return "(no output)";
    }
  }
}
