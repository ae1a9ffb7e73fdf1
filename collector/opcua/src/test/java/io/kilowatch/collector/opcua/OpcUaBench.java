package io.kilowatch.collector.opcua;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.opcua.OpcUaFakeSetup;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;

/**
 * Scale bench, run on demand (see the package README): one kilowatch process holding {@code cdus}
 * OPC UA sessions of {@code items} monitored items each at 1 s sampling, through the real
 * scheduler. The server (a Milo server whose every variable changes each second) runs in a child
 * JVM so that the CPU figure is the collector's alone.
 *
 * <p>Arguments: cdus (64), items per CDU (50), measured seconds (30).
 */
public final class OpcUaBench {
  private OpcUaBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("server")) {
      serve(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      return;
    }
    int cdus = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int items = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    Process server =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                OpcUaBench.class.getName(),
                "server",
                String.valueOf(cdus),
                String.valueOf(items))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      String endpoint = awaitEndpoint(server);
      run(endpoint, cdus, items, seconds);
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String awaitEndpoint(Process server) throws Exception {
    var out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    var line = new java.util.concurrent.CompletableFuture<String>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                String l;
                while ((l = out.readLine()) != null) {
                  if (l.startsWith("READY ")) {
                    line.complete(l.substring(6));
                  }
                }
              } catch (Exception e) {
                line.completeExceptionally(e);
              }
              line.completeExceptionally(new IllegalStateException("server exited"));
            });
    return line.get(120, TimeUnit.SECONDS);
  }

  /** The child: cdus × items variables, every one changing once a second. */
  private static void serve(int cdus, int items) throws Exception {
    var variables = new LinkedHashMap<String, DataValue>();
    for (int c = 0; c < cdus; c++) {
      for (int i = 0; i < items; i++) {
        variables.put(id(c, i), new DataValue(new Variant(0.0)));
      }
    }
    var server =
        new OpcUaFakeServer(
            OpcUaFakeSetup.of(variables).withAdvertisedHost(OpcUaFakeServer.UNRESOLVABLE_HOST));
    var ticker = Executors.newSingleThreadScheduledExecutor();
    var tick = new AtomicLong();
    ticker.scheduleAtFixedRate(
        () -> {
          double v = tick.incrementAndGet();
          for (String id : variables.keySet()) {
            server.set(id, new DataValue(new Variant(v)));
          }
        },
        0,
        1,
        TimeUnit.SECONDS);
    System.out.println("READY " + server.endpoint());
    System.out.flush();
    // Lives until the parent destroys it.
    Thread.sleep(Long.MAX_VALUE);
  }

  private static String id(int cdu, int item) {
    return "cdu-%02d/P%02d".formatted(cdu, item);
  }

  private static void run(String endpoint, int cdus, int items, int seconds) throws Exception {
    var points = new ArrayList<Profile.OpcUaPoint>();
    for (int i = 0; i < items; i++) {
      points.add(
          OpcUaCollectorTest.point(
              "p" + i,
              "nsu=" + OpcUaFakeServer.DEMO_URI + ";s={device}/P%02d".formatted(i),
              "p" + i));
    }
    var profile = new Profile.OpcUa("bench-cdu", points);
    var options =
        new OpcUaOptions(
            OpcUaOptions.Mode.SUBSCRIBE,
            null,
            Duration.ofSeconds(1),
            10,
            OpcUaOptions.Timestamps.SOURCE,
            null,
            null,
            false,
            null);
    var devices = new ArrayList<Device>();
    for (int c = 0; c < cdus; c++) {
      devices.add(
          new Device(
              "cdu-%02d".formatted(c),
              DeviceKind.CDU,
              Location.FACILITY,
              profile.id(),
              new Source.OpcUa(
                  URI.create(endpoint), Source.SecurityPolicy.NONE, null, null, options),
              Duration.ofSeconds(1),
              Duration.ofSeconds(1),
              Map.of()));
    }
    var fields = new AtomicLong();
    var site = TestSites.site(List.of(profile), devices);
    try (var scheduler =
        OpcUaCollectors.scheduler(
            site,
            samples ->
                fields.addAndGet(samples.stream().mapToLong(s -> s.fields().size()).sum()))) {
      long t0 = System.nanoTime();
      scheduler.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (scheduler.statuses().stream().anyMatch(s -> s.state() != DeviceStatus.State.UP)
          && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      long up =
          scheduler.statuses().stream().filter(s -> s.state() == DeviceStatus.State.UP).count();
      System.out.printf(
          "sessions up: %d of %d after %.1f s (%d monitored items)%n",
          up, cdus, (System.nanoTime() - t0) / 1e9, up * items);
      Thread.sleep(3000); // let initial values and the first publishes settle
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long cpu0 = os.getProcessCpuTime();
      long f0 = fields.get();
      long w0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      long wall = System.nanoTime() - w0;
      long cpu = os.getProcessCpuTime() - cpu0;
      long f = fields.get() - f0;
      var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      System.out.printf(
          "over %d s: %.0f notifications/s reached the sink (expected %d/s), collector process CPU"
              + " %.1f%% of one"
              + " core (%d cores here), heap used %d MiB, threads %d%n",
          seconds,
          f / (wall / 1e9),
          cdus * items,
          100.0 * cpu / wall,
          Runtime.getRuntime().availableProcessors(),
          heap >> 20,
          ManagementFactory.getThreadMXBean().getThreadCount());
      long down =
          scheduler.statuses().stream().filter(s -> s.state() != DeviceStatus.State.UP).count();
      System.out.printf("devices not UP at the end: %d%n", down);
    }
  }
}
