package io.kilowatch.app;

import io.kilowatch.collector.JobSource;
import io.kilowatch.collector.slurm.SlurmCliSource;
import io.kilowatch.collector.slurm.SlurmRestSource;
import io.kilowatch.config.JobsConfig;
import io.kilowatch.config.SiteConfig;
import java.util.ArrayList;
import java.util.List;

/** The polled job sources of a site's {@code jobs:} section. */
final class JobSources {
  private JobSources() {}

  /**
   * One source per Slurm entry; the Kubernetes entry polls nothing of its own (the dcgm collectors
   * see the pods in their scrapes).
   */
  static List<JobSource> create(SiteConfig site) {
    List<JobSource> out = new ArrayList<>();
    for (JobsConfig.Source s : site.jobs().sources()) {
      switch (s) {
        case JobsConfig.SlurmRest r -> out.add(new SlurmRestSource(r));
        case JobsConfig.SlurmCli c -> out.add(new SlurmCliSource(c));
        case JobsConfig.Kubernetes k -> {}
      }
    }
    return out;
  }
}
