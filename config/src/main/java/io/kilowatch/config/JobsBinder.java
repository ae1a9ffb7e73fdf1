package io.kilowatch.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Binds the optional {@code jobs:} section. */
final class JobsBinder {
  static final Set<String> JOBS_KEYS = Set.of("sources");
  static final Set<String> SLURM_KEYS =
      Set.of(
          "type", "cluster", "url", "apiVersion", "user", "token", "interval", "timeout", "nodes");
  static final Set<String> SLURM_CLI_KEYS =
      Set.of("type", "cluster", "slurmConf", "command", "window", "interval", "timeout", "nodes");
  static final Set<String> KUBERNETES_KEYS = Set.of("type");
  private static final Pattern API_VERSION = Pattern.compile("v\\d+\\.\\d+\\.\\d+");

  enum Kind {
    SLURM,
    SLURM_CLI,
    KUBERNETES
  }

  private final Binder binder;
  private final Path baseDir;
  private final Set<String> clusters;

  /** {@code clusters}: the site's cluster ids, which a Slurm source must name one of. */
  JobsBinder(Binder binder, Path baseDir, Set<String> clusters) {
    this.binder = binder;
    this.baseDir = baseDir;
    this.clusters = clusters;
  }

  JobsConfig jobs(At at) {
    if (at == null) {
      return JobsConfig.NONE;
    }
    Fields f = binder.fields(at, JOBS_KEYS);
    if (f == null) {
      return JobsConfig.NONE;
    }
    List<JobsConfig.Source> sources = new ArrayList<>();
    boolean kubernetes = false;
    for (At item : f.list("sources")) {
      Kind kind = Binder.peekEnum(item, "type", Kind.class);
      if (kind == null) {
        Fields any = binder.fields(item, SLURM_KEYS);
        if (any != null) {
          any.requireEnum("type", Kind.class);
        }
        continue;
      }
      JobsConfig.Source s =
          switch (kind) {
            case SLURM -> slurm(binder.fields(item, SLURM_KEYS));
            case SLURM_CLI -> slurmCli(binder.fields(item, SLURM_CLI_KEYS));
            case KUBERNETES -> {
              binder.fields(item, KUBERNETES_KEYS);
              if (kubernetes) {
                binder.problem(item, "only one kubernetes source: it covers every dcgm node");
              }
              kubernetes = true;
              yield new JobsConfig.Kubernetes();
            }
          };
      if (s != null) {
        sources.add(s);
      }
    }
    return new JobsConfig(sources);
  }

  private JobsConfig.SlurmRest slurm(Fields f) {
    if (f == null) {
      return null;
    }
    String cluster = cluster(f);
    var url = f.requireUri("url", Set.of("http", "https"));
    String version = f.optionalString("apiVersion", "v0.0.38");
    if (version != null && !API_VERSION.matcher(version).matches()) {
      binder.problem(
          f.get("apiVersion"),
          "must look like v0.0.38 (the version in slurmrestd's path), got "
              + Binder.shown(f.get("apiVersion")));
    }
    String user = f.requireString("user");
    binder.requireFromEnvironment(f.get("token"), "token");
    String token = f.requireString("token");
    Duration interval = positive(f, "interval", JobsConfig.DEFAULT_INTERVAL);
    Duration timeout = positive(f, "timeout", JobsConfig.DEFAULT_TIMEOUT);
    Map<String, String> nodes = f.stringMap("nodes");
    if (cluster == null || url == null || user == null || token == null) {
      return null;
    }
    return new JobsConfig.SlurmRest(cluster, url, version, user, token, interval, timeout, nodes);
  }

  private JobsConfig.SlurmCli slurmCli(Fields f) {
    if (f == null) {
      return null;
    }
    String cluster = cluster(f);
    Path conf = null;
    String confText = f.optionalString("slurmConf", null);
    if (confText != null) {
      try {
        conf = baseDir.resolve(confText).normalize();
      } catch (InvalidPathException e) {
        binder.problem(f.get("slurmConf"), "not a valid path: " + e.getReason());
      }
    }
    var command =
        f.optionalEnum("command", JobsConfig.SlurmCommand.class, JobsConfig.SlurmCommand.SQUEUE);
    Duration window = positive(f, "window", JobsConfig.DEFAULT_SACCT_WINDOW);
    if (f.get("window") != null && command != JobsConfig.SlurmCommand.SACCT) {
      binder.problem(f.get("window"), "only for command: sacct (squeue has no look-back)");
    }
    Duration interval = positive(f, "interval", JobsConfig.DEFAULT_INTERVAL);
    Duration timeout = positive(f, "timeout", JobsConfig.DEFAULT_TIMEOUT);
    Map<String, String> nodes = f.stringMap("nodes");
    return cluster == null
        ? null
        : new JobsConfig.SlurmCli(
            cluster,
            conf,
            command == null ? JobsConfig.SlurmCommand.SQUEUE : command,
            window,
            interval,
            timeout,
            nodes);
  }

  private String cluster(Fields f) {
    String cluster = f.requireId("cluster");
    if (cluster != null && !clusters.contains(cluster)) {
      binder.problem(
          f.get("cluster"),
          "no cluster '" + cluster + "' in this site; clusters: " + String.join(", ", clusters));
      return null;
    }
    return cluster;
  }

  private Duration positive(Fields f, String key, Duration fallback) {
    Duration d = f.optionalDuration(key, fallback);
    if (d != null && !d.isPositive()) {
      binder.problem(f.get(key), "must be positive, got " + Binder.shown(f.get(key)));
      return fallback;
    }
    return d == null ? fallback : d;
  }
}
