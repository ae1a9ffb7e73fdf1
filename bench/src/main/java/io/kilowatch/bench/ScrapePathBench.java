package io.kilowatch.bench;

import io.kilowatch.collector.dcgm.DcgmCollector;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Source;
import io.kilowatch.testkit.TestSites;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dcgm scrape path alone (GET, parse, readings, samples) on one platform thread, against the
 * simulator's exporters on loopback: CPU and bytes allocated per scrape, counted for the polling
 * thread only, so the exporters' side is not in the figures; and the whole process's CPU per
 * scrape, exporters included, for what other threads do for a scrape (the read loop that reads the
 * answers). To compare two builds, run it with each build's module jars on the class path,
 * alternately (bench/README.md, "The scrape path").
 *
 * <pre>java -cp … io.kilowatch.bench.ScrapePathBench [nodes=64] [rounds=5] [scrapesPerRound=20000]
 * </pre>
 */
public final class ScrapePathBench {
  private ScrapePathBench() {}

  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int perRound = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    var process =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (var exporters = new GpuNodeServer(nodes * 8, 8)) {
      var devices = new ArrayList<Device>();
      for (int n = 0; n < nodes; n++) {
        var source = new Source.Dcgm(URI.create(exporters.url(n)));
        devices.add(
            new Device(
                "n" + n,
                DeviceKind.GPU_NODE,
                new Location("c1", "c1-r1"),
                null,
                source,
                Duration.ofSeconds(10),
                Duration.ofSeconds(5),
                Map.of()));
      }
      var site = TestSites.siteWithRack(List.of(), devices);
      var collectors = new ArrayList<DcgmCollector>();
      for (Device d : devices) {
        collectors.add(new DcgmCollector(d, (Source.Dcgm) d.source(), site, Clock.systemUTC()));
      }
      long samples = 0;
      // Round 0 warms the JIT up and is not printed.
      for (int round = 0; round <= rounds; round++) {
        long cpu0 = threads.getCurrentThreadCpuTime();
        long all0 = process.getProcessCpuTime();
        long bytes0 = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < perRound; i++) {
          samples += collectors.get(i % nodes).poll().size();
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        long all = process.getProcessCpuTime() - all0;
        long bytes = threads.getCurrentThreadAllocatedBytes() - bytes0;
        if (round > 0) {
          System.out.printf(
              "round %d: %.1f CPU-us per scrape, %.1f KB allocated per scrape, process %.1f CPU-us"
                  + " per scrape with the exporters (%d scrapes of 8 GPUs)%n",
              round,
              cpu / 1e3 / perRound,
              bytes / 1024.0 / perRound,
              all / 1e3 / perRound,
              perRound);
        }
      }
      System.out.println("samples " + samples);
      collectors.forEach(DcgmCollector::close);
    }
  }
}
