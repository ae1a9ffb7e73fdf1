package io.kilowatch.bench;

import io.kilowatch.app.Kilowatch;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.influx.InfluxStore;
import io.kilowatch.testkit.InfluxProcess;
import io.kilowatch.testkit.http.CarbonIntensityApi;
import io.kilowatch.testkit.site.SiteBuilder;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The soak: starts a {@link ScaleSite}, runs kilowatch on it in this process for the given length
 * with faults and a dashboard load, then counts what the simulator answered against what the store
 * holds. {@code main} prints the figures of bench/README.md.
 */
public final class SoakRun {
  private static final Logger log = LoggerFactory.getLogger(SoakRun.class);
  private static final Pattern TIME = Pattern.compile("\"time\":(\\d+)");

  /** An attempt is on time when it starts within this of its due time and ends within interval. */
  static final Duration START_SLACK = Duration.ofSeconds(1);

  private SoakRun() {}

  public static void main(String[] args) throws Exception {
    // Thousands of devices going down on schedule (and all of them at the end) would flood the
    // console; the figures are what this run is for.
    System.setProperty("org.slf4j.simpleLogger.log.io.kilowatch.collector", "error");
    Path work = Files.createTempDirectory("kilowatch-soak");
    SoakOptions options = SoakOptions.parse(args, work);
    SoakReport report = run(options);
    System.out.println(report.render());
  }

  /** The default fault schedule, scaled to the site and spread over the run's first half. */
  static List<Fault> defaultFaults(SoakOptions o) {
    int nodes = (o.gpus() + ScaleSite.GPUS_PER_NODE - 1) / ScaleSite.GPUS_PER_NODE;
    List<Fault> faults = new ArrayList<>(deviceFaults(o, nodes));
    if (o.cdus() > 0) {
      faults.add(Fault.of(Fault.Target.OPCUA_RESTART, FaultMode.OK, 0, at(o, 0.3)));
    }
    return List.copyOf(faults);
  }

  private static List<Fault> deviceFaults(SoakOptions o, int nodes) {
    return List.of(
        Fault.of(Fault.Target.GPU_NODE, FaultMode.SILENT, Math.max(1, nodes / 100), at(o, 0.2)),
        Fault.of(Fault.Target.GPU_NODE, FaultMode.SLOW, Math.max(1, nodes / 200), at(o, 0.3)),
        Fault.of(Fault.Target.GPU_NODE, FaultMode.GARBAGE, Math.max(1, nodes / 200), at(o, 0.4)),
        Fault.of(Fault.Target.PDU, FaultMode.SILENT, Math.max(1, o.pdus() / 100), at(o, 0.25)),
        Fault.of(Fault.Target.PDU, FaultMode.SLOW, Math.max(1, o.pdus() / 200), at(o, 0.35)),
        Fault.of(Fault.Target.PDU, FaultMode.GARBAGE, Math.max(1, o.pdus() / 200), at(o, 0.45)));
  }

  /** A share of the measured run, after the warm-up. */
  private static Duration at(SoakOptions o, double fraction) {
    return o.warmup().plusMillis((long) (o.length().toMillis() * fraction));
  }

  public static SoakReport run(SoakOptions o) throws Exception {
    List<Fault> faults = o.faults() ? defaultFaults(o) : List.of();
    var spec =
        new ScaleSite.Spec(
            o.gpus(), o.pdus(), o.cdus(), o.interval(), o.timeout(), faults, o.opcuaRestartPause());
    String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    try (ScaleSite site = ScaleSite.start(spec);
        AlertReceiver receiver = new AlertReceiver(secret);
        CarbonIntensityApi carbon = new CarbonIntensityApi();
        InfluxProcess influx = o.influx() ? startInfluxd() : null;
        Outages outages = new Outages()) {
      Path yaml = o.workDir().resolve("site.yaml");
      SiteBuilder siteConfig = site.siteConfig(o.workDir().resolve("data"));
      if (influx != null) {
        SoakYaml.withInfluxStore(siteConfig, influx.url(), o.workDir().resolve("data"));
      }
      SoakYaml.withAlertsAndCarbon(siteConfig, o, receiver.url(), carbon.baseUrl());
      Files.writeString(yaml, siteConfig.toYaml());
      var env = new HashMap<>(System.getenv());
      env.put(SoakYaml.SECRET_VARIABLE, secret);
      SiteConfig config = ConfigLoader.load(yaml, env);
      var os = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class);
      Instant launched = Instant.now();
      if (o.warmup().isZero()) {
        site.measureFrom(launched.toEpochMilli());
      }
      SoakReport report;
      try (Kilowatch app = Kilowatch.start(config, 0)) {
        if (o.outages()) {
          scheduleOutages(o, outages, receiver, carbon, influx);
        }
        var cycles = new CycleWatch(o.interval());
        // With a warm-up every attempt is the warm-up's until it ends.
        cycles.measureFrom(o.warmup().isZero() ? launched : Instant.MAX);
        var api = new ApiLoad(app.url(), site.nodes());
        var carbonProbe = new CarbonProbe(app.url(), outages);
        Thread watcher =
            Thread.ofPlatform()
                .name("soak-cycles")
                .daemon()
                .start(
                    () -> {
                      while (!Thread.currentThread().isInterrupted()) {
                        cycles.observe(app.statuses());
                        try {
                          Thread.sleep(500);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                    });
        if (!o.warmup().isZero()) {
          log.info("soak: warming up for {}s (not measured)", o.warmup().toSeconds());
          Thread.sleep(o.warmup().toMillis());
          Instant measured = Instant.now();
          site.measureFrom(measured.toEpochMilli());
          cycles.measureFrom(measured);
        }
        Instant started = Instant.now();
        long cpuStart = os.getProcessCpuTime();
        api.start(o.dashboardClients());
        carbonProbe.start();
        Instant end = started.plus(o.length());
        while (Instant.now().isBefore(end)) {
          Thread.sleep(
              Math.min(10_000, Math.max(1, Duration.between(Instant.now(), end).toMillis())));
          log.info(
              "soak: {}s of {}s, written {} dropped {} queue {}",
              Duration.between(started, Instant.now()).toSeconds(),
              o.length().toSeconds(),
              app.writer().written(),
              app.writer().dropped(),
              app.writer().depth());
        }
        api.stop();
        carbonProbe.stop();
        watcher.interrupt();
        watcher.join(5_000);
        long cpuNanos = os.getProcessCpuTime() - cpuStart;
        Duration wall = Duration.between(started, Instant.now());
        // Alerts first, while the devices a fault never touched are still up: every notification
        // kilowatch queued must reach the receiver (retries after its outage included).
        var alerts = AlertTally.await(app, receiver, site.answered(), Duration.ofMinutes(6));
        // Stop answering, then wait out in-flight polls and the writer's flush so every answer
        // the simulator counted has had its chance to reach the store.
        site.silenceAll();
        awaitDrained(app, o.interval().plus(o.timeout()).plusSeconds(3));
        StoreOutage.awaitReplayed(app.store(), Duration.ofMinutes(5));
        List<ScaleSite.Answered> answered = site.answered();
        var loss = count(app, answered, cycles, launched.minusSeconds(60), o.interval());
        var restarts = OpcUaRestartCheck.of(app, site.opcUaRestarts());
        report =
            new SoakReport(
                o,
                wall,
                cycles.summary(answered, site.opcUaRestarts(), o.timeout()),
                loss,
                api.summary(),
                cpuNanos,
                os.getAvailableProcessors(),
                peakRssKb(),
                Runtime.getRuntime().maxMemory(),
                app.writer().written(),
                app.writer().dropped(),
                restarts,
                null,
                alerts,
                carbonProbe.summary(carbon),
                StoreOutage.summarize(app.store(), outages.happened()),
                outages.happened(),
                started);
      }
      if (o.baselines()) {
        report = report.withBaselines(Baselines.run(site, config, o));
      }
      return report;
    }
  }

  private static InfluxProcess startInfluxd() {
    Path influxd =
        InfluxProcess.findInfluxd()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "--store=influxdb needs influxd on the PATH (Debian: apt-get install"
                            + " influxdb)"));
    InfluxProcess influx = InfluxProcess.start(influxd, false);
    // kilowatch writes into a database the operator made; here the soak is the operator.
    try (var store = InfluxStore.open(influx.config(SoakYaml.INFLUX_DATABASE))) {
      store.createDatabase();
    } catch (RuntimeException e) {
      influx.close();
      throw e;
    }
    return influx;
  }

  /**
   * The receiver is away while the first faults raise alerts, the intensity API later, and the
   * store (InfluxDB only: the embedded store lives in this process) in between.
   */
  static void scheduleOutages(
      SoakOptions o,
      Outages outages,
      AlertReceiver receiver,
      CarbonIntensityApi carbon,
      InfluxProcess influx) {
    outages.schedule(
        new Outages.Window("alert receiver", at(o, 0.40), at(o, 0.70)),
        new Outages.Part() {
          @Override
          public void down() {
            receiver.setDown(true);
          }

          @Override
          public void up() {
            receiver.setDown(false);
          }
        });
    outages.schedule(
        new Outages.Window(CarbonProbe.WHAT, at(o, 0.55), at(o, 0.75)),
        new Outages.Part() {
          @Override
          public void down() {
            carbon.setDown(true);
          }

          @Override
          public void up() {
            carbon.setDown(false);
          }
        });
    if (influx != null) {
      outages.schedule(
          new Outages.Window(StoreOutage.WHAT, at(o, 0.35), at(o, 0.60)),
          new Outages.Part() {
            @Override
            public void down() {
              influx.stop();
            }

            @Override
            public void up() {
              influx.start();
            }
          });
    }
  }

  private static void awaitDrained(Kilowatch app, Duration wait) throws InterruptedException {
    Instant until = Instant.now().plus(wait);
    while (Instant.now().isBefore(until)) {
      Thread.sleep(250);
    }
    Instant deadline = Instant.now().plusSeconds(30);
    while (app.writer().depth() > 0 && Instant.now().isBefore(deadline)) {
      Thread.sleep(100);
    }
    Thread.sleep(1_500); // one flush period past an empty queue: the last batch is committed
  }

  /** Per source type: devices up all run, answers they gave, GOOD points the store holds. */
  record Loss(
      String source,
      int upDevices,
      int faultedDevices,
      long expected,
      long stored,
      long lost,
      long failedPolls,
      List<String> lostDevices) {}

  /**
   * Expected = a device's measured answers; stored = its GOOD points from half an interval before
   * its first measured answer, when none of its polls is in flight, so the warm-up boundary splits
   * no poll between the two counts.
   */
  private static List<Loss> count(
      Kilowatch app,
      List<ScaleSite.Answered> answered,
      CycleWatch cycles,
      Instant from,
      Duration interval) {
    Instant to = Instant.now().plusSeconds(1);
    Map<String, Long> cut = new HashMap<>();
    for (ScaleSite.Answered a : answered) {
      cut.put(
          a.deviceId(),
          a.firstMeasuredMs() == 0
              ? Long.MAX_VALUE
              : a.firstMeasuredMs() - interval.toMillis() / 2);
    }
    Map<String, Long> gpuPoints =
        goodPointsByDevice(app, SeriesQuery.of("gpu", "power_w"), from, to, cut);
    Map<String, Long> pduPoints =
        goodPointsByDevice(app, SeriesQuery.of("pdu", "power_w"), from, to, cut);
    Map<String, Long> cduPoints =
        goodPointsByDevice(
            app, SeriesQuery.of("cooling_loop", OpcUaRestartCheck.COUNTED_FIELD), from, to, cut);
    List<Loss> out = new ArrayList<>();
    for (String source : List.of("dcgm", "modbus", "opcua")) {
      if (answered.stream().noneMatch(a -> a.source().equals(source))) {
        continue;
      }
      Map<String, Long> stored =
          switch (source) {
            case "dcgm" -> gpuPoints;
            case "modbus" -> pduPoints;
            default -> cduPoints;
          };
      int up = 0;
      int faulted = 0;
      long expected = 0;
      long have = 0;
      long lost = 0;
      long failedPolls = 0;
      List<String> lostDevices = new ArrayList<>();
      for (ScaleSite.Answered a : answered) {
        if (!a.source().equals(source)) {
          continue;
        }
        if (a.faulted()) {
          faulted++;
          continue;
        }
        up++;
        failedPolls += cycles.failed(a.deviceId());
        long want = a.measuredAnswers() * a.series();
        long got = stored.getOrDefault(a.deviceId(), 0L);
        expected += want;
        have += got;
        if (got < want) {
          lost += want - got;
          if (lostDevices.size() < 10) {
            lostDevices.add(a.deviceId() + " " + got + "/" + want);
          }
        }
      }
      out.add(new Loss(source, up, faulted, expected, have, lost, failedPolls, lostDevices));
    }
    return out;
  }

  static Map<String, Long> goodPointsByDevice(
      Kilowatch app, SeriesQuery query, Instant from, Instant to) {
    return goodPointsByDevice(app, query, from, to, Map.of());
  }

  /**
   * GOOD points per device tag, from each device's cut (epoch ms) on where one is given. Read in
   * five-minute windows, so a long run at 25,000 GPUs never holds all its points at once.
   */
  static Map<String, Long> goodPointsByDevice(
      Kilowatch app, SeriesQuery query, Instant from, Instant to, Map<String, Long> cutMs) {
    Map<String, Long> out = new HashMap<>();
    Duration window = Duration.ofMinutes(5);
    for (Instant a = from; a.isBefore(to); a = a.plus(window)) {
      Instant b = a.plus(window).isAfter(to) ? to : a.plus(window);
      for (SeriesPoints sp : app.store().read(query, a, b)) {
        String device = sp.key().tags().getOrDefault("device", "?");
        long cut = cutMs.getOrDefault(device, Long.MIN_VALUE);
        long good = 0;
        for (Point p : sp.points()) {
          if (p.quality() == Quality.GOOD && p.time().toEpochMilli() >= cut) {
            good++;
          }
        }
        out.merge(device, good, Long::sum);
      }
    }
    return out;
  }

  static long peakRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (java.io.IOException | NumberFormatException e) {
      // Not Linux: no figure rather than a made-up one.
    }
    return -1;
  }

  /** Watches device statuses: each new attempt's round trip, and whether it was on time. */
  static final class CycleWatch {
    private final Duration interval;
    private final Map<String, DeviceStatus> last = new HashMap<>();
    private final Map<String, Counts> counts = new HashMap<>();

    /** One device's measured attempts, and why those not on time were not. */
    private static final class Counts {
      long attempts;
      long onTime;
      long failed;
      long lateStart;
      long overInterval;
    }

    private final Map<String, Histogram> roundTrips = new HashMap<>();
    // CDU attempts one by one (a few thousand), so those the OPC UA restart took down can be set
    // apart: the server was away on purpose, the devices were not "up" then.
    private final Map<String, List<Attempt>> cduAttempts = new HashMap<>();

    record Attempt(Instant start, boolean onTime) {}

    // When failed attempts happened, by device: few, so kept one by one, to tell a start-up
    // burst from a steady shortfall in the report.
    private final Map<String, List<Instant>> failures = new HashMap<>();
    // Good polls that started more than START_SLACK after their due time, all devices: few.
    private final List<Instant> lateStarts = new ArrayList<>();
    private Instant measureFrom = Instant.MIN;
    private long warmupAttempts;
    private long warmupFailed;

    CycleWatch(Duration interval) {
      this.interval = interval;
    }

    /** Attempts started before this are the warm-up's: counted apart. */
    synchronized void measureFrom(Instant t) {
      measureFrom = t;
    }

    synchronized void observe(List<DeviceStatus> statuses) {
      for (DeviceStatus s : statuses) {
        DeviceStatus prev = last.put(s.deviceId(), s);
        if (s.lastAttempt() == null || s.lastRoundTrip() == null) {
          continue;
        }
        if (prev != null && s.lastAttempt().equals(prev.lastAttempt())) {
          continue;
        }
        if (s.lastAttempt().isBefore(measureFrom)) {
          warmupAttempts++;
          if (s.state() != DeviceStatus.State.UP) {
            warmupFailed++;
          }
          continue;
        }
        String source =
            switch (s.kind()) {
              case GPU_NODE -> "dcgm";
              case CDU -> "opcua";
              default -> "modbus";
            };
        roundTrips
            .computeIfAbsent(source, k -> new Histogram())
            .add(s.lastRoundTrip().toNanos() / 1000);
        boolean startedOnTime =
            prev == null
                || prev.nextAttempt() == null
                || !s.lastAttempt().isAfter(prev.nextAttempt().plus(START_SLACK));
        boolean up = s.state() == DeviceStatus.State.UP;
        boolean inTime = s.lastRoundTrip().compareTo(interval) <= 0;
        boolean onTime = up && startedOnTime && inTime;
        Counts c = counts.computeIfAbsent(s.deviceId(), k -> new Counts());
        c.attempts++;
        if (onTime) {
          c.onTime++;
        } else if (up && !startedOnTime) {
          c.lateStart++;
          lateStarts.add(s.lastAttempt());
        } else if (up) {
          c.overInterval++;
        }
        if (!up) {
          c.failed++;
          failures.computeIfAbsent(s.deviceId(), k -> new ArrayList<>()).add(s.lastAttempt());
        }
        if (source.equals("opcua")) {
          cduAttempts
              .computeIfAbsent(s.deviceId(), k -> new ArrayList<>())
              .add(new Attempt(s.lastAttempt(), onTime));
        }
      }
    }

    /** Failed attempts of one device (timeouts of a device the simulator never faulted). */
    synchronized long failed(String deviceId) {
      Counts c = counts.get(deviceId);
      return c == null ? 0 : c.failed;
    }

    /** Cycle figures for the devices that were up all run. */
    synchronized CycleSummary summary(
        List<ScaleSite.Answered> answered, List<ScaleSite.Restart> restarts, Duration timeout) {
      long attempts = 0;
      long onTime = 0;
      long inRestart = 0;
      long late = 0;
      long overInterval = 0;
      for (ScaleSite.Answered a : answered) {
        Counts c = counts.get(a.deviceId());
        if (c == null || a.faulted()) {
          continue;
        }
        late += c.lateStart;
        overInterval += c.overInterval;
        List<Attempt> one = cduAttempts.get(a.deviceId());
        if (one == null) {
          attempts += c.attempts;
          onTime += c.onTime;
          continue;
        }
        for (Attempt at : one) {
          if (duringRestart(at.start(), restarts, timeout)) {
            inRestart++;
          } else {
            attempts++;
            onTime += at.onTime() ? 1 : 0;
          }
        }
      }
      Map<String, double[]> byType = new HashMap<>();
      roundTrips.forEach(
          (k, h) -> byType.put(k, new double[] {h.quantileMs(0.5), h.quantileMs(0.99), h.count()}));
      var failedByMinute = new java.util.TreeMap<Long, Long>();
      for (ScaleSite.Answered a : answered) {
        if (!a.faulted()) {
          for (Instant t : failures.getOrDefault(a.deviceId(), List.of())) {
            if (cduAttempts.containsKey(a.deviceId()) && duringRestart(t, restarts, timeout)) {
              continue;
            }
            failedByMinute.merge(Duration.between(measureFrom, t).toMinutes(), 1L, Long::sum);
          }
        }
      }
      var lateByMinute = new java.util.TreeMap<Long, Long>();
      for (Instant t : lateStarts) {
        lateByMinute.merge(Duration.between(measureFrom, t).toMinutes(), 1L, Long::sum);
      }
      return new CycleSummary(
          attempts,
          onTime,
          inRestart,
          byType,
          failedByMinute,
          warmupAttempts,
          warmupFailed,
          late,
          overInterval,
          lateByMinute);
    }

    /** From a timeout before the stop (a Read in flight) to an interval after it serves again. */
    private boolean duringRestart(
        Instant start, List<ScaleSite.Restart> restarts, Duration timeout) {
      for (ScaleSite.Restart r : restarts) {
        Instant from = r.stopped().minus(timeout);
        Instant to = (r.serving() == null ? Instant.MAX : r.serving().plus(interval));
        if (!start.isBefore(from) && start.isBefore(to)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * @param duringOpcUaRestart CDU attempts while the OPC UA server was down on purpose, set apart
   */
  record CycleSummary(
      long attempts,
      long onTime,
      long duringOpcUaRestart,
      Map<String, double[]> roundTripMs,
      Map<Long, Long> failedByMinute,
      long warmupAttempts,
      long warmupFailed,
      long lateStarts,
      long overInterval,
      Map<Long, Long> lateStartsByMinute) {}

  /** Dashboard clients and a freshness probe against the running API. */
  static final class ApiLoad {
    private final String base;
    private final int nodes;
    private final HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Histogram latency = new Histogram();
    private final Histogram age = new Histogram();
    private final AtomicLong errors = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    ApiLoad(String base, int nodes) {
      this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
      this.nodes = nodes;
    }

    void start(int clients) {
      for (int i = 0; i < clients; i++) {
        threads.add(Thread.ofVirtual().name("dashboard-" + i).start(this::dashboard));
      }
      threads.add(Thread.ofVirtual().name("freshness").start(this::freshness));
    }

    private void dashboard() {
      while (running) {
        int node = ThreadLocalRandom.current().nextInt(nodes);
        get("/api/overview");
        get(
            "/api/query?measurement=gpu&field=power_w&from=now-15m&tags=device:"
                + ScaleSite.nodeId(node));
        get("/api/query?measurement=pdu&field=power_w&from=now-1h&step=1m&tags=rack:r0");
        pause(1_000);
      }
    }

    private void freshness() {
      pause(15_000);
      while (running) {
        // A node the default faults never touch (they hit the last nodes).
        int node = ThreadLocalRandom.current().nextInt(Math.max(1, nodes / 2));
        String body =
            get(
                "/api/latest?measurement=gpu&field=power_w&window=2m&tags=device:"
                    + ScaleSite.nodeId(node));
        if (body != null) {
          long newest = 0;
          Matcher m = TIME.matcher(body);
          while (m.find()) {
            newest = Math.max(newest, Long.parseLong(m.group(1)));
          }
          if (newest > 0) {
            age.add((System.currentTimeMillis() - newest) * 1000);
          }
        }
        pause(1_000);
      }
    }

    private String get(String path) {
      long t0 = System.nanoTime();
      try {
        var resp =
            http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        latency.add((System.nanoTime() - t0) / 1000);
        if (resp.statusCode() != 200) {
          if (errors.incrementAndGet() <= 3) {
            log.warn("dashboard {} answered {}: {}", path, resp.statusCode(), resp.body());
          }
          return null;
        }
        return resp.body();
      } catch (java.io.IOException e) {
        if (errors.incrementAndGet() <= 3) {
          log.warn("dashboard {} failed: {}", path, e.toString());
        }
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }

    private void pause(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
    }

    void stop() throws InterruptedException {
      running = false;
      for (Thread t : threads) {
        t.join(35_000);
      }
    }

    ApiSummary summary() {
      return new ApiSummary(
          latency.count(),
          errors.get(),
          latency.quantileMs(0.5),
          latency.quantileMs(0.99),
          age.count(),
          age.quantileMs(0.5),
          age.quantileMs(0.99));
    }
  }

  record ApiSummary(
      long requests,
      long errors,
      double p50Ms,
      double p99Ms,
      long ageProbes,
      double ageP50Ms,
      double ageP99Ms) {}
}
