package io.kilowatch.collector.modbus;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.PollScheduler;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.AddressBase;
import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.Profile.PointKind;
import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.config.Profile.WordOrder;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import io.kilowatch.testkit.modbus.RegisterBank;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Polls N simulated rack PDUs on loopback with the real collector and scheduler at a 10 s cycle,
 * then does the same reads with {@code mbpoll} (libmodbus) as a baseline. Run on demand (see the
 * package README); not a unit test.
 *
 * <p>Arguments: device counts, separate or comma-separated (default 100 1000 2000); system property
 * {@code bench.cycles} (default 2) sets how many 10 s cycles are measured after one cycle of
 * warm-up.
 */
public final class ModbusBench {
  private static final Duration INTERVAL = Duration.ofSeconds(10);
  private static final int MBPOLL_PARALLEL = 4;

  private ModbusBench() {}

  /** The simulator's demo-pdu layout: 9 float32, 1 uint64 energy; 24 registers, one request. */
  static Profile.Modbus profile() {
    var points = new ArrayList<ModbusPoint>();
    String[] names = {
      "power",
      "power-l1",
      "power-l2",
      "power-l3",
      "current-l1",
      "current-l2",
      "current-l3",
      "voltage-l1",
      "voltage-l2",
      "voltage-l3"
    };
    for (int i = 0; i < 9; i++) {
      String phase = names[i].contains("-") ? names[i].substring(names[i].indexOf('-') + 1) : null;
      String field = names[i].split("-")[0] + (names[i].startsWith("power") ? "_w" : "_a");
      if (names[i].startsWith("voltage")) {
        field = "voltage_v";
      }
      points.add(
          new ModbusPoint(
              names[i],
              RegisterType.HOLDING,
              2 * i,
              DataType.FLOAT32,
              WordOrder.ABCD,
              1,
              0,
              "W",
              PointKind.GAUGE,
              null,
              field,
              phase == null ? Map.of() : Map.of("phase", phase)));
    }
    points.add(
        new ModbusPoint(
            "energy",
            RegisterType.HOLDING,
            20,
            DataType.UINT64,
            WordOrder.ABCD,
            0.001,
            0,
            "kWh",
            PointKind.COUNTER,
            null,
            "energy_kwh",
            Map.of()));
    return new Profile.Modbus("bench-pdu", AddressBase.ZERO, points);
  }

  static int[] registerMap() {
    int[] regs = new int[24];
    double[] floats = {7200, 2400, 2400, 2400, 10.4, 10.4, 10.4, 230.1, 230.2, 230.3};
    for (int i = 0; i < 9; i++) {
      System.arraycopy(Words.of(DataType.FLOAT32, WordOrder.ABCD, floats[i]), 0, regs, 2 * i, 2);
    }
    System.arraycopy(Words.of(DataType.UINT64, WordOrder.ABCD, 123456789), 0, regs, 20, 4);
    return regs;
  }

  public static void main(String[] args) throws Exception {
    int[] counts =
        args.length == 0
            ? new int[] {100, 1000, 2000}
            : Arrays.stream(args)
                .flatMap(a -> Arrays.stream(a.split("[ ,]+")))
                .filter(a -> !a.isBlank())
                .mapToInt(Integer::parseInt)
                .toArray();
    int cycles = Integer.getInteger("bench.cycles", 2);
    System.out.printf(
        "Modbus bench: %d cores, %s, interval %s, %d measured cycles after 1 warm-up%n",
        Runtime.getRuntime().availableProcessors(), Runtime.version(), INTERVAL, cycles);
    boolean mbpoll = Files.isExecutable(Path.of("/usr/bin/mbpoll"));
    if (!mbpoll) {
      System.out.println("mbpoll not found: baseline skipped (apt-get install mbpoll)");
    }
    var rows = new ArrayList<String>();
    for (int n : counts) {
      rows.add(run(n, cycles, mbpoll));
    }
    System.out.println();
    System.out.println(
        "| devices | steady devices/s | requests/s | poll p50 / p99 ms | cycles complete | CPU"
            + " collector % of 1 core | burst cycle p50 / p99 ms (20 cycles) | burst devices/s | mbpoll"
            + " sweep s | mbpoll devices/s | ratio (burst / mbpoll) | CPU ms per read: kilowatch"
            + " / mbpoll |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
  }

  private static String run(int n, int cycles, boolean withMbpoll) throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    var threads = ManagementFactory.getThreadMXBean();
    Profile.Modbus profile = profile();
    try (var server = ModbusTcpFake.start(n, new RegisterBank(n, registerMap()))) {
      var devices = new ArrayList<Device>();
      for (int i = 0; i < n; i++) {
        devices.add(
            new Device(
                "pdu-" + i,
                DeviceKind.PDU,
                Location.FACILITY,
                profile.id(),
                new Source.Modbus("127.0.0.1", server.ports().get(i), 1),
                INTERVAL,
                Duration.ofSeconds(2),
                Map.of()));
      }
      SiteConfig site = TestSites.site(List.of(profile), devices);

      // Steady state: the real scheduler, every device on its own 10 s slot.
      var durations = new ConcurrentLinkedQueue<Long>();
      var measuring = new java.util.concurrent.atomic.AtomicBoolean();
      var polls = new AtomicIntegerArray(n);
      var samples = new AtomicLong();
      var endpoints = new ModbusEndpoints();
      try (var scheduler =
          new PollScheduler(
              site,
              s -> samples.addAndGet(s.size()),
              Clock.systemUTC(),
              d -> timed(d, profile, site, endpoints, durations, measuring, polls))) {
        scheduler.start();
        Thread.sleep(INTERVAL.toMillis() + 500); // warm-up: first polls and connects
        long req0 = server.requests();
        long cpu0 = os.getProcessCpuTime();
        long srv0 = threads.getThreadCpuTime(server.threadId());
        long t0 = System.nanoTime();
        measuring.set(true);
        Thread.sleep(INTERVAL.toMillis() * cycles);
        measuring.set(false);
        double wall = (System.nanoTime() - t0) / 1e9;
        long cpu =
            os.getProcessCpuTime() - cpu0 - (threads.getThreadCpuTime(server.threadId()) - srv0);
        long req = server.requests() - req0;
        int incomplete = 0;
        for (int i = 0; i < n; i++) {
          if (polls.get(i) < cycles) {
            incomplete++;
          }
        }
        long[] d = durations.stream().mapToLong(Long::longValue).sorted().toArray();
        double devicesPerS = d.length / wall;
        String steady =
            String.format(
                "| %d | %.0f | %.0f | %.2f / %.2f | %d of %d devices polled every cycle | %.1f ",
                n,
                devicesPerS,
                req / wall,
                pct(d, 50) / 1e6,
                pct(d, 99) / 1e6,
                n - incomplete,
                n,
                100.0 * cpu / 1e9 / wall);
        scheduler.close();

        // Burst: every device polled at the same instant, the worst case for one cycle.
        var burstCollectors = new ArrayList<ModbusCollector>();
        var burstEndpoints = new ModbusEndpoints();
        for (Device dev : devices) {
          burstCollectors.add(
              new ModbusCollector(
                  dev,
                  (Source.Modbus) dev.source(),
                  profile,
                  site,
                  Clock.systemUTC(),
                  burstEndpoints));
        }
        burst(burstCollectors); // connects
        long[] cycleNs = new long[20];
        long bcpu0 = os.getProcessCpuTime();
        long bsrv0 = threads.getThreadCpuTime(server.threadId());
        long breq0 = server.requests();
        for (int i = 0; i < cycleNs.length; i++) {
          cycleNs[i] = burst(burstCollectors);
        }
        long bcpu =
            os.getProcessCpuTime() - bcpu0 - (threads.getThreadCpuTime(server.threadId()) - bsrv0);
        long breq = server.requests() - breq0;
        burstCollectors.forEach(DeviceCollector::close);
        Arrays.sort(cycleNs);
        long cycleP99 = pct(cycleNs, 99);
        double burstRate = n / (cycleNs[cycleNs.length / 2] / 1e9);
        double kwCpuPerRead = bcpu / 1e6 / breq;
        String burst =
            String.format(
                "| %.0f / %.0f | %.0f ",
                cycleNs[cycleNs.length / 2] / 1e6, cycleP99 / 1e6, burstRate);

        if (!withMbpoll) {
          return steady + burst + "| - | - | - | - |";
        }
        // Baseline: the same read (function 3, 24 registers) by mbpoll, one process per device.
        long m0 = childCpuTicks();
        long mreq0 = server.requests();
        long mt0 = System.nanoTime();
        int failures = mbpollSweep(server.ports());
        double mwall = (System.nanoTime() - mt0) / 1e9;
        long mreq = server.requests() - mreq0;
        double mcpuMs = (childCpuTicks() - m0) * 10.0; // 100 ticks per second
        double mRate = n / mwall;
        if (failures > 0 || mreq != n) {
          System.out.printf("mbpoll: %d failures, %d requests for %d devices%n", failures, mreq, n);
        }
        System.out.printf(
            "%d devices: steady %.0f polls/s, burst cycle %.0f ms, mbpoll sweep %.1f s%n",
            n, devicesPerS, cycleNs[cycleNs.length / 2] / 1e6, mwall);
        return steady
            + burst
            + String.format(
                "| %.1f | %.0f | %.0fx | %.3f / %.2f |",
                mwall, mRate, burstRate / mRate, kwCpuPerRead, mcpuMs / Math.max(1, mreq));
      }
    }
  }

  private static DeviceCollector timed(
      Device d,
      Profile.Modbus profile,
      SiteConfig site,
      ModbusEndpoints endpoints,
      ConcurrentLinkedQueue<Long> durations,
      java.util.concurrent.atomic.AtomicBoolean measuring,
      AtomicIntegerArray polls) {
    int index = Integer.parseInt(d.id().substring(4));
    var c =
        new ModbusCollector(
            d, (Source.Modbus) d.source(), profile, site, Clock.systemUTC(), endpoints);
    return new DeviceCollector() {
      @Override
      public Device device() {
        return d;
      }

      @Override
      public List<io.kilowatch.store.Sample> poll() throws Exception {
        long t = System.nanoTime();
        var s = c.poll();
        if (measuring.get()) {
          durations.add(System.nanoTime() - t);
          polls.incrementAndGet(index);
        }
        return s;
      }

      @Override
      public void close() {
        c.close();
      }
    };
  }

  /** Polls every collector at once on virtual threads; returns the wall time of the cycle. */
  private static long burst(List<ModbusCollector> collectors) throws Exception {
    var failed = new AtomicInteger();
    long t = System.nanoTime();
    try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (var c : collectors) {
        exec.submit(
            () -> {
              try {
                c.poll();
              } catch (Exception e) {
                failed.incrementAndGet();
              }
            });
      }
    }
    long ns = System.nanoTime() - t;
    if (failed.get() > 0) {
      System.out.println("burst: " + failed.get() + " polls failed");
    }
    return ns;
  }

  private static int mbpollSweep(List<Integer> ports) throws Exception {
    var failures = new AtomicInteger();
    var permits = new Semaphore(MBPOLL_PARALLEL);
    try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int port : ports) {
        permits.acquire();
        exec.submit(
            () -> {
              try {
                Process p =
                    new ProcessBuilder(
                            "/usr/bin/mbpoll",
                            "-m",
                            "tcp",
                            "-a",
                            "1",
                            "-r",
                            "1",
                            "-c",
                            "24",
                            "-t",
                            "4:hex",
                            "-1",
                            "-o",
                            "2",
                            "-p",
                            Integer.toString(port),
                            "127.0.0.1")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                  failures.incrementAndGet();
                  p.destroyForcibly();
                }
              } catch (Exception e) {
                failures.incrementAndGet();
              } finally {
                permits.release();
              }
            });
      }
    }
    return failures.get();
  }

  /** CPU used by reaped child processes (utime + stime of children), in clock ticks. */
  private static long childCpuTicks() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // Fields after the command: state is index 0, so cutime (field 16) is index 13, cstime 14.
    return Long.parseLong(f[13]) + Long.parseLong(f[14]);
  }

  private static long pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }
}
