package io.kilowatch.collector.slurm;

import io.kilowatch.collector.JobSource;
import io.kilowatch.config.JobsConfig;
import io.kilowatch.jobs.JobRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Jobs from {@code squeue --json} on this host, for sites that run no slurmrestd. It prints the
 * same document as slurmrestd's {@code /jobs} (22.05 serialises both with the v0.0.38 plugin), so
 * {@link SlurmJobs} reads both.
 *
 * <p>With {@code command: sacct}: {@code sacct --json --allusers -S now-<window> -E now}, read by
 * {@link SlurmAccounting}: ended jobs only, their GPUs from the ledger. In 22.05 sacct needs
 * slurmdbd ("slurm_openapi_p_init: slurm not configured with slurmdbd" otherwise, even with
 * jobcomp/filetxt and {@code -c}).
 */
public final class SlurmCliSource implements JobSource {
  private final JobsConfig.SlurmCli config;
  private final SlurmJobs jobs;
  private final SlurmAccounting accounting;
  private final List<String> command;

  public SlurmCliSource(JobsConfig.SlurmCli config) {
    this(config, defaultCommand(config));
  }

  /**
   * squeue, or sacct over the window: Slurm reads {@code now-N} as N seconds before its own clock,
   * so no time zone is involved. Without {@code --allusers} sacct lists only the caller's jobs.
   */
  static List<String> defaultCommand(JobsConfig.SlurmCli config) {
    return switch (config.command()) {
      case SQUEUE -> List.of("squeue", "--json");
      case SACCT ->
          List.of(
              "sacct",
              "--json",
              "--allusers",
              "-S",
              "now-" + config.window().toSeconds(),
              "-E",
              "now");
    };
  }

  /** With another command printing the same JSON (a wrapper that runs squeue elsewhere). */
  public SlurmCliSource(JobsConfig.SlurmCli config, List<String> command) {
    this.config = config;
    this.jobs = new SlurmJobs(config.cluster(), config.nodes());
    this.accounting = new SlurmAccounting(config.cluster());
    this.command = List.copyOf(command);
  }

  @Override
  public String name() {
    return (config.command() == JobsConfig.SlurmCommand.SACCT ? "slurm-sacct " : "slurm-cli ")
        + config.cluster();
  }

  @Override
  public Duration interval() {
    return config.interval();
  }

  @Override
  public List<JobRecord> poll() throws IOException, InterruptedException {
    Path err = Files.createTempFile("kilowatch-squeue", ".err");
    try {
      var pb = new ProcessBuilder(command).redirectError(err.toFile());
      if (config.slurmConf() != null) {
        pb.environment().put("SLURM_CONF", config.slurmConf().toString());
      }
      Process p = pb.start();
      p.getOutputStream().close();
      // Read on a virtual thread so a command that hangs with a full pipe still times out.
      var out = new java.util.concurrent.CompletableFuture<byte[]>();
      Thread.ofVirtual()
          .name(command.getFirst() + "-read")
          .start(
              () -> {
                try {
                  out.complete(p.getInputStream().readAllBytes());
                } catch (IOException e) {
                  out.completeExceptionally(e);
                }
              });
      if (!p.waitFor(config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in " + config.timeout());
      }
      byte[] body;
      try {
        body = out.get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IOException("reading " + String.join(" ", command) + ": " + e, e);
      }
      if (p.exitValue() != 0) {
        String text = Files.readString(err, StandardCharsets.UTF_8).strip();
        throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + text);
      }
      if (config.command() == JobsConfig.SlurmCommand.SACCT) {
        return accounting.parse(body).stream().map(SlurmAccounting.AccountedJob::job).toList();
      }
      return jobs.parse(body);
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
