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
    boolean baselines) {

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
        default -> throw new IllegalArgumentException("unknown option: " + arg);
      }
    }
    return new SoakOptions(
        gpus,
        pdus,
        length,
        interval,
        Duration.ofSeconds(2),
        faults,
        clients,
        workDir,
        cdus,
        restartPause,
        baselines);
  }
}
