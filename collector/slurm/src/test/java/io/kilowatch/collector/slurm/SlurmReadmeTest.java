package io.kilowatch.collector.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.JobsConfig;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.testkit.RepoRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The package README's configuration example is a working configuration. */
class SlurmReadmeTest {
  @Test
  void readmeExampleLoadsAndItsSourcesPollTheNamedPaths() throws Exception {
    Path readme =
        RepoRoot.resolve("collector/slurm/src/main/java/io/kilowatch/collector/slurm/README.md");
    String text = Files.readString(readme);
    int start = text.indexOf("```yaml\n");
    int end = text.indexOf("```", start + 8);
    SiteConfig site =
        ConfigLoader.parse(
            text.substring(start + 8, end),
            "README.md",
            Path.of(""),
            Map.of("SLURM_JWT", "eyJ.x.y"));

    assertThat(site.jobs().sources()).hasSize(3);
    var rest = (JobsConfig.SlurmRest) site.jobs().sources().get(0);
    var source = new SlurmRestSource(rest);
    assertThat(source.endpoint().toString())
        .isEqualTo("http://slurmctl.example.net:6820/slurm/v0.0.38/jobs");
    // The README's rule: gpu02 is mapped, gpu01 is the device of its own name.
    var jobs = new SlurmJobs(rest.cluster(), rest.nodes());
    assertThat(jobs.device("gpu02")).isEqualTo("c1-r1-n2");
    assertThat(jobs.device("gpu01")).isEqualTo("gpu01");
    assertThat(site.device("gpu01")).isPresent();
    assertThat(site.jobs().sources().get(1)).isInstanceOf(JobsConfig.SlurmCli.class);
    // command: sacct with window: 2h asks for the 7200 s before each poll, all users' jobs.
    var sacct = (JobsConfig.SlurmCli) site.jobs().sources().get(2);
    assertThat(sacct.command()).isEqualTo(JobsConfig.SlurmCommand.SACCT);
    assertThat(SlurmCliSource.defaultCommand(sacct))
        .containsExactly("sacct", "--json", "--allusers", "-S", "now-7200", "-E", "now");
    assertThat(new SlurmCliSource(sacct).name()).isEqualTo("slurm-sacct c1");
  }
}
