package io.kilowatch.bench;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.PollScheduler;
import io.kilowatch.collector.snmp.SnmpCollector;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.RepoRoot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Issue 23's SNMP bench: {@code --pdus} simulated Raritan PDUs ({@link SnmpAgents}, in a process of
 * their own) polled by kilowatch's SNMP collector under its real {@link PollScheduler} every {@code
 * --interval} for {@code --seconds} after a warm-up, with the shipped profile {@code
 * config/profiles/snmp-raritan-pdu2.yaml}; then, on the same agents in the same run, net-snmp's
 * {@code snmpbulkwalk} walking each PDU's PDU2-MIB subtree, one process per walk, and the same
 * processes walking an empty subtree (what a process costs before its walk).
 *
 * <pre>
 * bench/snmp-bench --pdus=2000 --seconds=120
 * </pre>
 *
 * <p>Prints: polls on time (a good poll that started within 1 s of its slot and ended inside the
 * interval, over the slots of the measured window), poll time p50/p99 per PDU, kilowatch's
 * CPU-seconds over the window (this JVM: the scheduler, the collectors and the bench's counting;
 * the agents are in the other process, measured apart), requests kilowatch sent against responses
 * the agents sent, good polls against power samples handed on, and net-snmp's reads/s and CPU per
 * read against kilowatch's, with the machine's load average.
 */
public final class SnmpBench {
  private static final String COMMUNITY_VARIABLE = "SNMP_BENCH_COMMUNITY";
  private static final String PDU2 = "1.3.6.1.4.1.13742.6";

  /** One poll of one PDU: when it started and took, whether it was good, requests it sent. */
  private record Poll(int pdu, long startNanos, long nanos, boolean good, long requests) {}

  private SnmpBench() {}

  public static void main(String[] args) throws Exception {
    int pdus = 2000;
    int seconds = 120;
    int warmup = 30;
    int interval = 10;
    int timeout = 5;
    int walks = -1;
    Path profile = null;
    for (String a : args) {
      String[] kv = a.split("=", 2);
      switch (kv[0]) {
        case "--pdus" -> pdus = Integer.parseInt(kv[1]);
        case "--seconds" -> seconds = Integer.parseInt(kv[1]);
        case "--minutes" -> seconds = 60 * Integer.parseInt(kv[1]);
        case "--warmup" -> warmup = Integer.parseInt(kv[1]);
        case "--interval" -> interval = Integer.parseInt(kv[1]);
        case "--timeout" -> timeout = Integer.parseInt(kv[1]);
        case "--walks" -> walks = Integer.parseInt(kv[1]);
        case "--profile" -> profile = Path.of(kv[1]);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (walks < 0) {
      walks = pdus;
    }
    if (profile == null) {
      profile = RepoRoot.resolve("config/profiles/snmp-raritan-pdu2.yaml");
    }
    run(pdus, seconds, warmup, interval, timeout, Math.min(walks, pdus), profile.toAbsolutePath());
  }

  private static void run(
      int pdus, int seconds, int warmup, int interval, int timeout, int walks, Path profile)
      throws Exception {
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    String community = HexFormat.of().formatHex(secret);
    System.out.printf(
        Locale.ROOT,
        "snmp bench: %d PDUs, %d s polls (timeout %d s), warm-up %d s, measured %d s; load average"
            + " %s%n",
        pdus,
        interval,
        timeout,
        warmup,
        seconds,
        loadAverage());
    try (Agents agents = Agents.start(pdus, community)) {
      List<Integer> ports = agents.ports;
      SiteConfig site =
          ConfigLoader.parse(
              yaml(ports, profile, interval, timeout),
              "snmp-bench.yaml",
              profile.getParent(),
              Map.of(COMMUNITY_VARIABLE, community));
      kilowatch(site, agents, pdus, seconds, warmup, interval);
      netSnmp(ports.subList(0, walks), community);
    }
    System.out.println("load average at the end: " + loadAverage());
  }

  // ---- kilowatch ------------------------------------------------------------------------------

  private static void kilowatch(
      SiteConfig site, Agents agents, int pdus, int seconds, int warmup, int interval)
      throws Exception {
    var polls = new ConcurrentLinkedQueue<Poll>();
    var powerSamples = new AtomicLongArray(pdus);
    Map<String, Integer> index = new java.util.HashMap<>();
    for (int p = 0; p < pdus; p++) {
      index.put(pduId(p), p);
    }
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long t0 = System.nanoTime();
    // The soak's rule for a poll on time, from the scheduler's own due times (SoakRun.CycleWatch).
    var cycles = new SoakRun.CycleWatch(Duration.ofSeconds(interval));
    cycles.measureFrom(java.time.Instant.MAX);
    long[] cpu = new long[2];
    long[] agentCpu = new long[2];
    long windowStart;
    long windowEnd;
    try (PollScheduler scheduler =
        new PollScheduler(
            site,
            samples -> {
              for (Sample s : samples) {
                // The PDU's total, not an outlet's: the series the energy model reads.
                if (s.quality() == Quality.GOOD
                    && s.measurement().equals("pdu")
                    && s.fields().containsKey("power_w")) {
                  powerSamples.incrementAndGet(index.get(s.tags().get("device")));
                }
              }
            },
            Clock.systemUTC(),
            d -> new Timed(collector(d, site), index.get(d.id()), polls))) {
      scheduler.start();
      Thread watcher =
          Thread.ofPlatform()
              .name("snmp-bench-cycles")
              .daemon()
              .start(
                  () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                      cycles.observe(scheduler.statuses());
                      try {
                        Thread.sleep(500);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }
                  });
      Thread.sleep(Duration.ofSeconds(warmup));
      cycles.measureFrom(java.time.Instant.now());
      windowStart = System.nanoTime();
      cpu[0] = os.getProcessCpuTime();
      agentCpu[0] = agents.cpu();
      Thread.sleep(Duration.ofSeconds(seconds));
      windowEnd = System.nanoTime();
      cpu[1] = os.getProcessCpuTime();
      agentCpu[1] = agents.cpu();
      watcher.interrupt();
      watcher.join(Duration.ofSeconds(5));
      cycles.observe(scheduler.statuses());
    }
    long[] answers = agents.counts();
    long intervalNanos = TimeUnit.SECONDS.toNanos(interval);
    List<Poll> all = new ArrayList<>(polls);
    // Each PDU's slots: the scheduler keeps a fixed rate from a first slot spread over the
    // interval; the phase is the median offset of the PDU's poll starts.
    long[][] starts = new long[pdus][];
    List<List<Poll>> byPdu = new ArrayList<>();
    for (int p = 0; p < pdus; p++) {
      byPdu.add(new ArrayList<>());
    }
    all.forEach(p -> byPdu.get(p.pdu()).add(p));
    long slots = 0;
    long onTime = 0;
    List<Long> durations = new ArrayList<>();
    long good = 0;
    for (int p = 0; p < pdus; p++) {
      List<Poll> mine = byPdu.get(p);
      if (mine.isEmpty()) {
        continue;
      }
      long[] offsets =
          mine.stream()
              .mapToLong(x -> Math.floorMod(x.startNanos() - t0, intervalNanos))
              .sorted()
              .toArray();
      long phase = offsets[offsets.length / 2];
      starts[p] = offsets;
      // Slots whose whole interval lies in the window.
      long first = t0 + phase;
      for (long slot = first; slot + intervalNanos <= windowEnd; slot += intervalNanos) {
        if (slot < windowStart) {
          continue;
        }
        slots++;
        long s = slot;
        boolean hit =
            mine.stream()
                .anyMatch(
                    x ->
                        x.good()
                            && x.startNanos() >= s - TimeUnit.MILLISECONDS.toNanos(100)
                            && x.startNanos() <= s + TimeUnit.SECONDS.toNanos(1)
                            && x.startNanos() + x.nanos() <= s + intervalNanos);
        if (hit) {
          onTime++;
        }
      }
      for (Poll x : mine) {
        if (x.startNanos() >= windowStart && x.startNanos() < windowEnd) {
          durations.add(x.nanos());
          if (x.good()) {
            good++;
          }
        }
      }
    }
    long goodAll = all.stream().filter(Poll::good).count();
    long requests = all.stream().mapToLong(Poll::requests).sum();
    long answered = Arrays.stream(answers).sum();
    long stored = 0;
    for (int p = 0; p < pdus; p++) {
      stored += powerSamples.get(p);
    }
    double windowS = (windowEnd - windowStart) / 1e9;
    double kwCpu = (cpu[1] - cpu[0]) / 1e9;
    double agCpu = (agentCpu[1] - agentCpu[0]) / 1e9;
    long[] sorted = durations.stream().mapToLong(Long::longValue).sorted().toArray();
    List<ScaleSite.Answered> everyPdu = new ArrayList<>();
    for (int p = 0; p < pdus; p++) {
      everyPdu.add(new ScaleSite.Answered(pduId(p), "snmp", false, 0, 1, 0, 0));
    }
    SoakRun.CycleSummary cs = cycles.summary(everyPdu, List.of(), Duration.ofSeconds(interval));
    System.out.printf(
        Locale.ROOT,
        "kilowatch: polls on time %.3f %% (%d of %d attempts: good, started within 1 s of the"
            + " scheduler's due time, ended inside the interval; %d late starts, %d over the"
            + " interval, failed by minute %s); slots of the window with an on-time poll %.3f %%"
            + " (%d of %d, phase from each PDU's median start)%n",
        cs.attempts() == 0 ? 0 : 100.0 * cs.onTime() / cs.attempts(),
        cs.onTime(),
        cs.attempts(),
        cs.lateStarts(),
        cs.overInterval(),
        cs.failedByMinute(),
        slots == 0 ? 0 : 100.0 * onTime / slots,
        onTime,
        slots);
    System.out.printf(
        Locale.ROOT,
        "kilowatch: poll time per PDU p50 %.2f ms, p99 %.2f ms; %d good polls in %.0f s = %.0f"
            + " reads/s%n",
        percentile(sorted, 0.50) / 1e6,
        percentile(sorted, 0.99) / 1e6,
        good,
        windowS,
        good / windowS);
    System.out.printf(
        Locale.ROOT,
        "kilowatch CPU: %.1f CPU-s over %.0f s (%.2f cores), %.3f CPU-ms per read; agents' process"
            + " %.1f CPU-s (%.2f cores)%n",
        kwCpu,
        windowS,
        kwCpu / windowS,
        good == 0 ? 0 : kwCpu * 1000 / good,
        agCpu,
        agCpu / windowS);
    System.out.printf(
        Locale.ROOT,
        "expected vs stored (whole run): requests sent %d, responses the agents sent %d; good"
            + " polls %d, PDU power samples handed on %d, difference %d (polls that ended after"
            + " the scheduler's timeout: it drops their results by design)%n",
        requests,
        answered,
        goodAll,
        stored,
        goodAll - stored);
    // Failed or late polls bunch when the whole machine stalls; per 10 s of the window they show
    // it.
    int buckets = (int) Math.ceil((windowEnd - windowStart) / 1e10);
    long[] bad = new long[Math.max(1, buckets)];
    for (Poll x : all) {
      if (x.startNanos() >= windowStart && x.startNanos() < windowEnd && !x.good()) {
        bad[(int) ((x.startNanos() - windowStart) / 10_000_000_000L)]++;
      }
    }
    System.out.println("failed polls per 10 s of the window: " + Arrays.toString(bad));
    lastKilowatchCpuPerRead = good == 0 ? Double.NaN : kwCpu / good;
    lastKilowatchRate = good / windowS;
  }

  private static double lastKilowatchCpuPerRead;
  private static double lastKilowatchRate;

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static DeviceCollector collector(Device d, SiteConfig site) {
    return new SnmpCollector(
        d,
        (Source.Snmp) d.source(),
        (Profile.Snmp) site.profile(d.profile()).orElseThrow(),
        site,
        Clock.systemUTC());
  }

  /** Times each poll of the collector it wraps. */
  private static final class Timed implements DeviceCollector {
    private final SnmpCollector inner;
    private final int pdu;
    private final ConcurrentLinkedQueue<Poll> polls;

    Timed(DeviceCollector inner, int pdu, ConcurrentLinkedQueue<Poll> polls) {
      this.inner = (SnmpCollector) inner;
      this.pdu = pdu;
      this.polls = polls;
    }

    @Override
    public Device device() {
      return inner.device();
    }

    @Override
    public List<Sample> poll() throws Exception {
      long before = inner.requests();
      long t = System.nanoTime();
      boolean good = false;
      try {
        List<Sample> samples = inner.poll();
        good = samples.stream().allMatch(s -> s.quality() == Quality.GOOD) && !samples.isEmpty();
        return samples;
      } finally {
        polls.add(new Poll(pdu, t, System.nanoTime() - t, good, inner.requests() - before));
      }
    }

    @Override
    public Map<String, String> pointErrors() {
      return inner.pointErrors();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  static String pduId(int p) {
    return String.format(Locale.ROOT, "pdu-%04d", p);
  }

  private static String yaml(List<Integer> ports, Path profile, int interval, int timeout) {
    var b = new StringBuilder();
    b.append("site: {name: snmp bench}\n");
    b.append("profiles:\n  - file: \"").append(profile).append("\"\n");
    b.append("devices:\n");
    for (int p = 0; p < ports.size(); p++) {
      b.append("  - id: ").append(pduId(p)).append('\n');
      b.append("    kind: pdu\n    profile: snmp-raritan-pdu2\n");
      b.append("    interval: ").append(interval).append("s\n");
      b.append("    timeout: ").append(timeout).append("s\n");
      b.append("    source: {type: snmp, host: 127.0.0.1, port: ")
          .append(ports.get(p))
          .append(", version: v2c, community: \"${")
          .append(COMMUNITY_VARIABLE)
          .append("}\"}\n");
    }
    return b.toString();
  }

  // ---- net-snmp -------------------------------------------------------------------------------

  private static void netSnmp(List<Integer> ports, String community) throws Exception {
    if (io.kilowatch.testkit.Peer.find("snmpbulkwalk").isEmpty()) {
      System.out.println("net-snmp: skipped (snmpbulkwalk not found; apt-get install snmp)");
      return;
    }
    // The whole PDU2-MIB subtree the profile reads from (sensors' decimal digits and
    // measurements), every row, in one walk.
    Walks full = walks(ports, community, PDU2);
    // The same processes walking a subtree the agent does not have: start-up and one round trip.
    Walks empty = walks(ports, community, PDU2 + ".99");
    double rate = ports.size() / full.wallS();
    double cpuPerRead = full.cpuS() / ports.size();
    System.out.printf(
        Locale.ROOT,
        "net-snmp snmpbulkwalk, one process per PDU (%d PDUs, one after another, -Cr25): %.0f"
            + " reads/s,"
            + " %.2f CPU-ms per read (%.1f CPU-s), %d values, %d failed%n",
        ports.size(),
        rate,
        cpuPerRead * 1000,
        full.cpuS(),
        full.values(),
        full.failed());
    System.out.printf(
        Locale.ROOT,
        "  process start-up (an empty walk): %.2f CPU-ms and %.2f ms per process, %.0f %% of a"
            + " walk's CPU and %.0f %% of its time%n",
        empty.cpuS() / ports.size() * 1000,
        empty.wallS() / ports.size() * 1000,
        100 * empty.cpuS() / full.cpuS(),
        100 * empty.wallS() / full.wallS());
    longLived(ports, community, rate, cpuPerRead);
    System.out.printf(
        Locale.ROOT,
        "  kilowatch vs net-snmp: %.1fx the reads/s (kilowatch %.0f/s at its 10 s schedule, not"
            + " its ceiling), %.1fx less CPU per read than a process per walk, %.2fx the CPU per"
            + " read of the long-lived net-snmp walker%n",
        lastKilowatchRate / rate,
        lastKilowatchRate,
        cpuPerRead / lastKilowatchCpuPerRead,
        lastKilowatchCpuPerRead / lastLongLivedCpuPerRead);
  }

  private record Walks(double wallS, double cpuS, long values, int failed) {}

  /** Rounds of the long-lived walker over the same PDUs: its start-up is paid once. */
  private static final int LONG_LIVED_ROUNDS = 5;

  /**
   * net-snmp's library in one long-lived process ({@code bench/src/main/c/snmp-walk-many.c}, built
   * here with gcc against libsnmp-dev): the same walks without a process per walk.
   */
  private static void longLived(List<Integer> ports, String community, double rate, double cpu)
      throws Exception {
    Path source = RepoRoot.resolve("bench/src/main/c/snmp-walk-many.c");
    if (io.kilowatch.testkit.Peer.find("gcc").isEmpty()
        || io.kilowatch.testkit.Peer.find("net-snmp-config").isEmpty()) {
      System.out.println(
          "  net-snmp library, one process: skipped (needs gcc and net-snmp-config;"
              + " apt-get install gcc libsnmp-dev)");
      return;
    }
    Path dir = Files.createTempDirectory("snmp-walk-many");
    Path exe = dir.resolve("snmp-walk-many");
    Process cc =
        new ProcessBuilder(
                "bash", "-c", "gcc -O2 -o " + exe + " " + source + " $(net-snmp-config --libs)")
            .redirectErrorStream(true)
            .start();
    String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (cc.waitFor() != 0) {
      System.out.println("  net-snmp library, one process: did not build: " + ccOut.strip());
      return;
    }
    Path list = dir.resolve("ports.txt");
    List<String> lines = new ArrayList<>();
    for (int r = 0; r < LONG_LIVED_ROUNDS; r++) {
      ports.forEach(p -> lines.add(Integer.toString(p)));
    }
    Files.write(list, lines);
    var pb =
        new ProcessBuilder("bash", "-c", exe + " " + PDU2 + " 25 < " + list + "; times")
            .redirectErrorStream(true);
    pb.environment().put(COMMUNITY_VARIABLE, community);
    long t = System.nanoTime();
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    double wall = (System.nanoTime() - t) / 1e9;
    List<String> result = out.lines().toList();
    String[] counts = result.get(result.size() - 3).split(" ");
    String[] children = result.getLast().split(" ");
    double cpuS = seconds(children[0]) + seconds(children[1]);
    int reads = lines.size();
    System.out.printf(
        Locale.ROOT,
        "  net-snmp library, one process (bench/src/main/c/snmp-walk-many.c, %d PDUs x %d"
            + " rounds): %.0f reads/s, %.2f CPU-ms per read, %s values, %s failed; %.0fx the"
            + " reads/s and %.0fx less CPU per read than a process per walk%n",
        ports.size(),
        LONG_LIVED_ROUNDS,
        reads / wall,
        cpuS / reads * 1000,
        counts[1],
        counts[3],
        reads / wall / rate,
        cpu / (cpuS / reads));
    lastLongLivedCpuPerRead = cpuS / reads;
    Files.deleteIfExists(list);
    Files.deleteIfExists(exe);
    Files.deleteIfExists(dir);
  }

  private static double lastLongLivedCpuPerRead = Double.NaN;

  /**
   * One bash runs {@code snmpbulkwalk} once per port, in turn, and reports its children's CPU with
   * {@code times}; the community reaches it through the environment, not its command line.
   */
  private static Walks walks(List<Integer> ports, String community, String root) throws Exception {
    Path list = Files.createTempFile("snmp-bench-ports", ".txt");
    try {
      Files.write(list, ports.stream().map(String::valueOf).toList());
      String script =
          "n=0; f=0; while read -r p; do"
              + " out=$(snmpbulkwalk -v2c -c \"$SNMP_BENCH_COMMUNITY\" -m '' -On -Cr25 -t 5 -r 1"
              + " 127.0.0.1:$p "
              + root
              + ") || f=$((f+1)); n=$((n+$(printf '%s\\n' \"$out\" | grep -c ' = ')));"
              + " done < "
              + list
              + "; echo \"values $n failed $f\"; times";
      var pb = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
      pb.environment().put(COMMUNITY_VARIABLE, community);
      long t = System.nanoTime();
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      double wall = (System.nanoTime() - t) / 1e9;
      List<String> lines = out.lines().toList();
      String[] counts = lines.get(lines.size() - 3).split(" ");
      // times: the shell's own user/sys, then its children's.
      String[] children = lines.getLast().split(" ");
      double cpu = seconds(children[0]) + seconds(children[1]);
      return new Walks(wall, cpu, Long.parseLong(counts[1]), Integer.parseInt(counts[3]));
    } finally {
      Files.deleteIfExists(list);
    }
  }

  /** bash's {@code times} format, e.g. {@code 1m2.345s}. */
  private static double seconds(String t) {
    int m = t.indexOf('m');
    return Integer.parseInt(t.substring(0, m)) * 60
        + Double.parseDouble(t.substring(m + 1, t.length() - 1));
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  // ---- the agents' process --------------------------------------------------------------------

  /** {@link SnmpAgents} in a child JVM on this JVM's class path. */
  private static final class Agents implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final PrintWriter in;
    final List<Integer> ports;

    private Agents(Process process) throws IOException {
      this.process = process;
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      String first = out.readLine();
      if (first == null || !first.startsWith("ports ")) {
        throw new IOException("agents did not start: " + first);
      }
      this.ports = Arrays.stream(first.substring(6).split(",")).map(Integer::valueOf).toList();
    }

    static Agents start(int pdus, String community) throws IOException {
      String java = ProcessHandle.current().info().command().orElse("java");
      var pb =
          new ProcessBuilder(
                  java,
                  "-Xmx512m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  SnmpAgents.class.getName(),
                  "--agents=" + pdus)
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      pb.environment().put(COMMUNITY_VARIABLE, community);
      return new Agents(pb.start());
    }

    private String ask(String command) throws IOException {
      in.println(command);
      String line = out.readLine();
      if (line == null || !line.startsWith(command + " ")) {
        throw new IOException("agents answered " + line + " to " + command);
      }
      return line.substring(command.length() + 1);
    }

    long cpu() throws IOException {
      return Long.parseLong(ask("cpu"));
    }

    long[] counts() throws IOException {
      return Arrays.stream(ask("counts").split(",")).mapToLong(Long::parseLong).toArray();
    }

    @Override
    public void close() throws Exception {
      in.close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
