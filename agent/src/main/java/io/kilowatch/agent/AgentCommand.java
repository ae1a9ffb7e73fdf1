package io.kilowatch.agent;

import io.kilowatch.config.Durations;
import io.kilowatch.config.Source;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs on a GPU node: reads NVML and pushes line protocol to kilowatch or InfluxDB. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description =
        "Read this node's GPUs through NVML every interval and push them to a central kilowatch"
            + " (or InfluxDB), buffering on disk while the target is unreachable.")
public final class AgentCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  static final class Target {
    @Option(
        names = "--target",
        description =
            "Central kilowatch base URL, e.g. http://kilowatch:8080 (POST /api/v2/write).")
    URI kilowatch;

    @Option(
        names = "--influxdb",
        description = "InfluxDB base URL, e.g. http://influx:8086 (v1 POST /write).")
    URI influx;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  @Option(names = "--database", defaultValue = "kilowatch", description = "InfluxDB database.")
  String database;

  @Option(
      names = "--token-env",
      defaultValue = "KILOWATCH_AGENT_TOKEN",
      description = "Environment variable holding the write token (default ${DEFAULT-VALUE}).")
  String tokenEnv;

  @Option(names = "--node", description = "Node id, the device tag (default: the host name).")
  String node;

  @Option(names = "--cluster", description = "Cluster id tag.")
  String cluster;

  @Option(names = "--rack", description = "Rack id tag.")
  String rack;

  @Option(names = "--tag", description = "Extra tag key=value (repeatable).")
  Map<String, String> tags = new LinkedHashMap<>();

  @Option(
      names = "--interval",
      defaultValue = "10s",
      description = "Time between reads (default ${DEFAULT-VALUE}).")
  String interval;

  @Option(
      names = "--nvml-library",
      defaultValue = Source.Nvml.DEFAULT_LIBRARY,
      description = "Path or soname of NVML (default ${DEFAULT-VALUE}).")
  String nvmlLibrary;

  @Option(
      names = "--data-dir",
      defaultValue = "agent-data",
      description = "Where batches wait while the target is down (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--buffer-max-mib",
      defaultValue = "256",
      description =
          "Bound of the disk buffer in MiB; the oldest batches go first (default ${DEFAULT-VALUE}).")
  long bufferMaxMib;

  @Option(
      names = "--timeout",
      defaultValue = "10s",
      description = "HTTP timeout per batch (default ${DEFAULT-VALUE}).")
  String timeout;

  @Override
  public Integer call() throws Exception {
    Duration every;
    Duration httpTimeout;
    try {
      every = Durations.parse(interval);
      httpTimeout = Durations.parse(timeout);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    String token = System.getenv(tokenEnv);
    if (target.kilowatch != null && (token == null || token.isBlank())) {
      System.err.println(
          "warning: $" + tokenEnv + " is not set; the central kilowatch will refuse writes");
    }
    PushTarget push =
        target.kilowatch != null
            ? PushTarget.kilowatch(target.kilowatch, token, httpTimeout)
            : PushTarget.influxV1(target.influx, database, token, httpTimeout);
    String nodeId = node != null ? node : InetAddress.getLocalHost().getHostName();
    var options =
        new AgentOptions(
            nodeId,
            cluster,
            rack,
            tags,
            nvmlLibrary,
            every,
            push,
            dataDir.resolve("agent-buffer"),
            bufferMaxMib * 1024 * 1024,
            Duration.ofSeconds(30));
    var stop = new CountDownLatch(1);
    try (var agent = new NodeAgent(options, Clock.systemUTC())) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "agent-shutdown"));
      agent.start();
      System.out.println(
          "kilowatch agent "
              + nodeId
              + ": reading NVML every "
              + interval
              + ", pushing to "
              + push.writeUri());
      stop.await();
    }
    return 0;
  }
}
