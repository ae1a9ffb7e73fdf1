package io.kilowatch.bench;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One soak run's size and length.
 *
 * @param faults whether to run the default fault schedule
 * @param dashboardClients virtual-thread clients hitting the dashboard API during the run
 * @param cdus CDUs served over OPC UA
 * @param opcuaRestartPause how long the OPC UA server stays down in the restart fault
 * @param baselines whether to run the side-by-side baselines ({@link Baselines}) at the end
 * @param store {@code embedded} (the default) or {@code influxdb}: a real {@code influxd} started
 *     by the soak, which then also goes away for a while (the store outage)
 * @param outages whether the alert receiver, the intensity API and (with InfluxDB) the store go
 *     down on schedule; alert rules and a webhook receiver are configured either way
 * @param warmup how long kilowatch runs on the site before anything is measured (JIT compilation,
 *     first connections, first series); faults and outages happen after it
 */
public record SoakOptions(
    int gpus,
    int pdus,
    Duration length,
    Duration interval,
    Duration timeout,
    boolean faults,
    int dashboardClients,
    Path workDir,
    int cdus,
    Duration opcuaRestartPause,
    boolean baselines,
    String store,
    boolean outages,
    Duration warmup) {

  public SoakOptions {
    if (!store.equals("embedded") && !store.equals("influxdb")) {
      throw new IllegalArgumentException("store must be embedded or influxdb, not " + store);
    }
  }

  /** With the embedded store, and outages when there are faults. */
  public SoakOptions(
      int gpus,
      int pdus,
      Duration length,
      Duration interval,
      Duration timeout,
      boolean faults,
      int dashboardClients,
      Path workDir,
      int cdus,
      Duration opcuaRestartPause,
      boolean baselines) {
    this(
        gpus,
        pdus,
        length,
        interval,
        timeout,
        faults,
        dashboardClients,
        workDir,
        cdus,
        opcuaRestartPause,
        baselines,
        "embedded",
        faults,
        Duration.ZERO);
  }

  /** Without CDUs or baselines. */
  public SoakOptions(
      int gpus,
      int pdus,
      Duration length,
      Duration interval,
      Duration timeout,
      boolean faults,
      int dashboardClients,
      Path workDir) {
    this(
        gpus,
        pdus,
        length,
        interval,
        timeout,
        faults,
        dashboardClients,
        workDir,
        0,
        ScaleSite.DEFAULT_RESTART_PAUSE,
        false);
  }

  public SoakOptions withStore(String kind) {
    return new SoakOptions(
        gpus,
        pdus,
        length,
        interval,
        timeout,
        faults,
        dashboardClients,
        workDir,
        cdus,
        opcuaRestartPause,
        baselines,
        kind,
        outages,
        warmup);
  }

  boolean influx() {
    return store.equals("influxdb");
  }

  public static SoakOptions parse(String[] args, Path workDir) {
    int gpus = 25_000;
    int pdus = 1_536;
    Duration length = Duration.ofMinutes(10);
    Duration interval = Duration.ofSeconds(10);
    boolean faults = true;
    int clients = 4;
    int cdus = 64;
    Duration restartPause = ScaleSite.DEFAULT_RESTART_PAUSE;
    boolean baselines = true;
    String store = "embedded";
    Duration warmup = Duration.ofSeconds(60);
    // Half the poll interval: a 25k-GPU simulator shares kilowatch's two cores, and its own
    // bursts (the OPC UA server rebuilding its address space) delay answers by seconds.
    Duration timeout = Duration.ofSeconds(5);
    for (String arg : args) {
      String[] kv = arg.replaceFirst("^--", "").split("=", 2);
      String v = kv.length > 1 ? kv[1] : "";
      switch (kv[0]) {
        case "gpus" -> gpus = Integer.parseInt(v);
        case "pdus" -> pdus = Integer.parseInt(v);
        case "cdus" -> cdus = Integer.parseInt(v);
        case "opcua-restart-pause" -> restartPause = Duration.ofSeconds(Long.parseLong(v));
        case "no-baselines" -> baselines = false;
        case "minutes" -> length = Duration.ofSeconds(Math.round(Double.parseDouble(v) * 60));
        case "seconds" -> length = Duration.ofSeconds(Long.parseLong(v));
        case "interval" -> interval = Duration.ofSeconds(Long.parseLong(v));
        case "no-faults" -> faults = false;
        case "clients" -> clients = Integer.parseInt(v);
        case "store" -> store = v;
        case "warmup" -> warmup = Duration.ofSeconds(Long.parseLong(v));
        case "timeout" -> timeout = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        default -> throw new IllegalArgumentException("unknown option: " + arg);
      }
    }
    return new SoakOptions(
        gpus,
        pdus,
        length,
        interval,
        timeout,
        faults,
        clients,
        workDir,
        cdus,
        restartPause,
        baselines,
        store,
        faults,
        warmup);
  }
}
