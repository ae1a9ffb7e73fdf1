package io.kilowatch.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where kilowatch learns which job ran on which GPUs ({@code jobs:} in the site file), for energy
 * per job. Absent: no job sources, no ledger entries.
 *
 * @param sources each scheduler to read jobs from
 */
public record JobsConfig(List<Source> sources) {
  public static final JobsConfig NONE = new JobsConfig(List.of());

  /** Default poll interval of a scheduler source. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

  /** Default timeout of one request or command. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  public JobsConfig {
    sources = List.copyOf(sources);
  }

  /** One scheduler. */
  public sealed interface Source permits SlurmRest, SlurmCli, Kubernetes {
    /**
     * The kilowatch cluster its GPUs are in; {@code null} for Kubernetes (every dcgm node's own).
     */
    String cluster();
  }

  /**
   * Slurm through slurmrestd ({@code type: slurm}).
   *
   * @param cluster kilowatch cluster id
   * @param url slurmrestd's base URL, e.g. {@code http://ctl:6820}
   * @param apiVersion the path's version, e.g. {@code v0.0.38} ({@code /slurm/v0.0.38/jobs})
   * @param user sent as {@code X-SLURM-USER-NAME}
   * @param token a JWT from {@code scontrol token}, sent as {@code X-SLURM-USER-TOKEN}; only from
   *     the environment
   * @param interval poll interval
   * @param timeout request timeout
   * @param nodes Slurm node name to kilowatch device id, where they differ; a node not listed is
   *     the device of the same id
   */
  public record SlurmRest(
      String cluster,
      URI url,
      String apiVersion,
      String user,
      String token,
      Duration interval,
      Duration timeout,
      Map<String, String> nodes)
      implements Source {
    public SlurmRest {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(url, "url");
      nodes = Map.copyOf(nodes);
    }

    /** Without the token, so logs and messages never carry it. */
    @Override
    public String toString() {
      return "SlurmRest[cluster=%s, url=%s, apiVersion=%s, user=%s, interval=%s, timeout=%s, nodes=%s]"
          .formatted(cluster, url, apiVersion, user, interval, timeout, nodes);
    }
  }

  /** Default look-back of {@code sacct}: jobs that ended within it are reported. */
  public static final Duration DEFAULT_SACCT_WINDOW = Duration.ofHours(1);

  /** Which Slurm command a {@code slurm-cli} source runs ({@code command:}). */
  public enum SlurmCommand {
    /** {@code squeue --json}: what slurmctld knows now, with GPU indexes of running jobs. */
    SQUEUE,
    /** {@code sacct --json}: the accounting database (slurmdbd); ended jobs, GPU counts only. */
    SACCT
  }

  /**
   * Slurm through its commands ({@code type: slurm-cli}): {@code squeue --json} or {@code sacct
   * --json} on this host.
   *
   * @param cluster kilowatch cluster id
   * @param slurmConf slurm.conf to use ({@code SLURM_CONF}), or {@code null} for the host's
   * @param command squeue or sacct
   * @param window sacct only: jobs that ended within this long before each poll are read
   * @param interval poll interval
   * @param timeout command timeout
   * @param nodes as for {@link SlurmRest}
   */
  public record SlurmCli(
      String cluster,
      Path slurmConf,
      SlurmCommand command,
      Duration window,
      Duration interval,
      Duration timeout,
      Map<String, String> nodes)
      implements Source {
    public SlurmCli {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(command, "command");
      Objects.requireNonNull(window, "window");
      nodes = Map.copyOf(nodes);
    }

    /** {@code squeue --json}. */
    public SlurmCli(
        String cluster,
        Path slurmConf,
        Duration interval,
        Duration timeout,
        Map<String, String> nodes) {
      this(cluster, slurmConf, SlurmCommand.SQUEUE, DEFAULT_SACCT_WINDOW, interval, timeout, nodes);
    }
  }

  /**
   * Pods from the {@code pod}/{@code namespace}/{@code container} labels dcgm-exporter puts on each
   * GPU's series ({@code type: kubernetes}); needs no connection of its own.
   */
  public record Kubernetes() implements Source {
    @Override
    public String cluster() {
      return null;
    }
  }
}
