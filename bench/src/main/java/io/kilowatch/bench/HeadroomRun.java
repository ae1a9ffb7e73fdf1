package io.kilowatch.bench;

import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.influx.InfluxStore;
import io.kilowatch.testkit.InfluxProcess;
import io.kilowatch.testkit.site.SiteBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 22, headroom: the largest site one kilowatch (or two sharded collectors on one InfluxDB)
 * carries on this machine, by steps. This JVM is the simulator; kilowatch runs in its own
 * process(es) and is charged its own CPU, the simulator's counted apart.
 *
 * <p>On time is seen from the devices: a measured answer more than interval + 1 s after the
 * device's previous answer started late (or a poll was missed), and a device answering fewer times
 * than the window holds intervals missed polls. Lost = answers the simulator gave minus GOOD points
 * in the store, per device.
 *
 * <p>{@code bench/headroom --steps=25000,50000,75000,100000 --minutes=3 [--warmup=45] [--shards=2]
 * [--jfr=dir] [--before=other/kilowatch.jar]}
 */
public final class HeadroomRun {
  private HeadroomRun() {}

  /** One step's result. */
  record Step(
      int gpus,
      int pdus,
      int cdus,
      int shards,
      long pollsDue,
      long pollsOnTime,
      long late,
      long missed,
      long expected,
      long stored,
      long lost,
      double kwCpu,
      double simCpu,
      double storeCpu,
      double seconds,
      long kwRssKib,
      String load) {
    double onTimePct() {
      return pollsDue == 0 ? 0 : 100.0 * pollsOnTime / pollsDue;
    }

    boolean passed() {
      return onTimePct() >= 99.9 && lost == 0;
    }

    String render() {
      return String.format(
          Locale.ROOT,
          "headroom: %d GPUs, %d PDUs, %d CDUs, %s: polls on time %d / %d = %.3f%% (%d late, %d"
              + " missed); samples expected %d stored %d lost %d; kilowatch %.3f cores = %.4f CPU-s"
              + " per 1k GPUs per min, peak RSS %d MiB; simulator %.3f cores (apart)%s; load %s"
              + " -> %s",
          gpus,
          pdus,
          cdus,
          shards == 1 ? "one instance, embedded store" : shards + " sharded collectors on influxd",
          pollsOnTime,
          pollsDue,
          onTimePct(),
          late,
          missed,
          expected,
          stored,
          lost,
          kwCpu / seconds,
          kwCpu / (gpus / 1000.0) / (seconds / 60.0),
          kwRssKib / 1024,
          simCpu / seconds,
          storeCpu > 0
              ? String.format(Locale.ROOT, "; influxd %.3f cores", storeCpu / seconds)
              : "",
          load,
          passed() ? "PASS" : "FAIL");
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      o.put(a.substring(2, eq < 0 ? a.length() : eq), eq < 0 ? "true" : a.substring(eq + 1));
    }
    Duration length =
        o.containsKey("seconds")
            ? Duration.ofSeconds(Long.parseLong(o.get("seconds")))
            : Duration.ofMinutes(Long.parseLong(o.getOrDefault("minutes", "3")));
    Duration warmup = Duration.ofSeconds(Long.parseLong(o.getOrDefault("warmup", "45")));
    int shards = Integer.parseInt(o.getOrDefault("shards", "1"));
    Path jfr = o.containsKey("jfr") ? Files.createDirectories(Path.of(o.get("jfr"))) : null;
    Path work = Files.createDirectories(Path.of(o.getOrDefault("work", "bench/target/headroom")));
    List<Step> steps = new ArrayList<>();
    // --before=<kilowatch.jar of another build>: each step runs that build first, then this one,
    // so a change is measured against its baseline in the same run on the same machine.
    String before = o.get("before");
    List<String> labels = new ArrayList<>();
    for (String s : o.getOrDefault("steps", "25000,50000,75000,100000").split(",")) {
      int gpus = Integer.parseInt(s.strip());
      for (String jar : before == null ? new String[] {null} : new String[] {before, null}) {
        String label = jar == null ? (before == null ? "" : "after:  ") : "before: ";
        if (jar == null) {
          System.clearProperty(PeersRun.JAR_PROPERTY);
        } else {
          System.setProperty(PeersRun.JAR_PROPERTY, jar);
        }
        Path jfrDir =
            jfr == null || before == null
                ? jfr
                : Files.createDirectories(jfr.resolve(jar == null ? "after" : "before"));
        Step step = step(gpus, shards, warmup, length, work, jfrDir);
        System.out.println(label + step.render());
        steps.add(step);
        labels.add(label);
      }
    }
    System.out.println();
    for (int i = 0; i < steps.size(); i++) {
      System.out.println(labels.get(i) + steps.get(i).render());
    }
    System.exit(0);
  }

  static Step step(int gpus, int shards, Duration warmup, Duration length, Path work, Path jfr)
      throws Exception {
    int pdus = Math.max(1, gpus * 1536 / 25000);
    int cdus = Math.max(1, gpus * 64 / 25000);
    Duration interval = Duration.ofSeconds(10);
    var spec =
        new ScaleSite.Spec(
            gpus,
            pdus,
            cdus,
            interval,
            Duration.ofSeconds(5),
            List.of(),
            ScaleSite.DEFAULT_RESTART_PAUSE);
    Path dir = work.resolve(gpus + "-" + shards);
    delete(dir);
    Files.createDirectories(dir);
    InfluxProcess influx = null;
    List<Process> kws = new ArrayList<>();
    try (ScaleSite site = ScaleSite.start(spec, true)) {
      long influxPid = 0;
      if (shards > 1) {
        influx =
            InfluxProcess.start(
                InfluxProcess.findInfluxd().orElseThrow(() -> new IOException("no influxd")),
                false);
        try (var store = InfluxStore.open(influx.config(SoakYaml.INFLUX_DATABASE))) {
          store.createDatabase();
        }
        influxPid =
            ProcessHandle.current()
                .descendants()
                .filter(h -> h.info().command().orElse("").endsWith("influxd"))
                .mapToLong(ProcessHandle::pid)
                .max()
                .orElse(0);
      }
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < shards; i++) {
        Path data = dir.resolve("data-" + i);
        SiteBuilder b = site.siteConfig(data);
        if (influx != null) {
          SoakYaml.withInfluxStore(b, influx.url(), data);
        }
        Path config = dir.resolve("site-" + i + ".yaml");
        Files.writeString(config, b.toYaml());
        int port = PeersRun.freePort();
        ports.add(port);
        List<String> jvm = new ArrayList<>();
        if (jfr != null) {
          jvm.add(
              "-XX:StartFlightRecording=filename="
                  + jfr.resolve(gpus + "-" + shards + "-" + i + ".jfr").toAbsolutePath()
                  + ",settings=profile");
        }
        kws.add(
            PeersRun.startKilowatch(
                dir.resolve("kw-" + i),
                config,
                port,
                jvm,
                "--shard",
                shards == 1 ? "0/1" : i + "/" + shards));
      }
      for (int port : ports) {
        PeersRun.awaitKilowatch(port);
      }
      long from = System.currentTimeMillis() + warmup.toMillis();
      long to = from + length.toMillis();
      site.restartMeasuring(from, interval.toMillis() + 1_000);
      PeersRun.sleepUntil(from);
      double kwA = cpu(kws);
      double simA = ProcTree.selfCpuSeconds() + site.apartCpuSeconds();
      double stA = influxPid == 0 ? 0 : ProcTree.cpuSeconds(influxPid);
      long t0 = System.nanoTime();
      PeersRun.sleepUntil(to);
      double kwB = cpu(kws);
      double simB = ProcTree.selfCpuSeconds() + site.apartCpuSeconds();
      double stB = influxPid == 0 ? 0 : ProcTree.cpuSeconds(influxPid);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long rss = kws.stream().mapToLong(p -> ProcTree.peakRssKib(p.pid())).sum();
      String load = ProcTree.loadAverage();
      for (String s : List.of("dcgm", "modbus", "opcua")) {
        site.silence(s, true);
      }
      Thread.sleep(spec.timeout().toMillis() + 2_000);
      List<ScaleSite.Answered> answered = site.answered();
      Map<String, Long> lateBy = site.lateAnswers();
      // The writers' last batches: a flush period or two, then a graceful stop flushes the rest.
      Thread.sleep(5_000);
      for (Process p : kws) {
        PeersRun.stop(p);
      }
      Map<String, Long> stored = new HashMap<>();
      Map<String, Long> cuts = new HashMap<>();
      for (ScaleSite.Answered a : answered) {
        cuts.put(
            a.deviceId(),
            a.firstMeasuredMs() == 0
                ? Long.MAX_VALUE
                : a.firstMeasuredMs() - interval.toMillis() / 2);
      }
      var window = Instant.ofEpochMilli(from - 60_000);
      for (SeriesQuery q :
          List.of(
              SeriesQuery.of("gpu", "power_w"),
              SeriesQuery.of("pdu", "power_w"),
              SeriesQuery.of("cooling_loop", OpcUaRestartCheck.COUNTED_FIELD))) {
        if (influx == null) {
          stored.putAll(
              PeersRun.storedByDevice(dir.resolve("data-0"), q, window.toEpochMilli(), cuts));
        } else {
          try (var store = InfluxStore.open(influx.config(SoakYaml.INFLUX_DATABASE))) {
            stored.putAll(count(store.read(q, window, Instant.now().plusSeconds(1)), cuts));
          }
        }
      }
      long due = 0;
      long onTime = 0;
      long late = 0;
      long missed = 0;
      long expected = 0;
      long have = 0;
      long lost = 0;
      long perDevice = length.toMillis() / interval.toMillis();
      for (ScaleSite.Answered a : answered) {
        if (a.deviceId().equals("facility-meter")) {
          continue;
        }
        long answers = a.measuredAnswers();
        long l = lateBy.getOrDefault(a.deviceId(), 0L);
        long m = Math.max(0, perDevice - answers);
        due += Math.max(perDevice, answers);
        onTime += answers - l;
        late += l;
        missed += m;
        long want = answers * a.series();
        long got = stored.getOrDefault(a.deviceId(), 0L);
        expected += want;
        have += got;
        lost += Math.max(0, want - got);
      }
      return new Step(
          gpus,
          pdus,
          cdus,
          shards,
          due,
          onTime,
          late,
          missed,
          expected,
          have,
          lost,
          kwB - kwA,
          simB - simA,
          stB - stA,
          seconds,
          rss,
          load);
    } finally {
      for (Process p : kws) {
        p.destroyForcibly();
      }
      if (influx != null) {
        influx.close();
      }
    }
  }

  private static double cpu(List<Process> kws) {
    return kws.stream().mapToDouble(p -> ProcTree.cpuSeconds(p.pid())).sum();
  }

  private static Map<String, Long> count(List<SeriesPoints> series, Map<String, Long> cuts) {
    Map<String, Long> out = new HashMap<>();
    for (SeriesPoints sp : series) {
      String device = sp.key().tags().getOrDefault("device", "?");
      long cut = cuts.getOrDefault(device, Long.MAX_VALUE);
      long good = 0;
      for (Point p : sp.points()) {
        if (p.quality() == Quality.GOOD && p.time().toEpochMilli() >= cut) {
          good++;
        }
      }
      out.merge(device, good, Long::sum);
    }
    return out;
  }

  private static void delete(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
