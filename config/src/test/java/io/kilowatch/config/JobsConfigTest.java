package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code jobs:} section: sources, defaults, and mistakes reported at their line. */
class JobsConfigTest {
  private static final String SITE =
      """
      site: {name: s}
      clusters:
        - {id: c1, name: C1, racks: []}
      """;

  private static SiteConfig parse(String jobs, Map<String, String> env) throws ConfigException {
    return ConfigLoader.parse(SITE + "jobs:\n" + jobs.indent(2), "j.yaml", Path.of("/etc/kw"), env);
  }

  private static List<String> problems(String jobs) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(jobs, Map.of()));
    assertThat(e).as("must fail").isNotNull();
    return e.problems().stream().map(ConfigProblem::toString).toList();
  }

  @Test
  void aSiteWithoutJobsHasNoSources() throws Exception {
    assertThat(ConfigLoader.parse(SITE, "j.yaml", Path.of(""), Map.of()).jobs())
        .isEqualTo(JobsConfig.NONE);
  }

  @Test
  void theThreeKindsBindWithDefaults() throws Exception {
    JobsConfig jobs =
        parse(
                """
                sources:
                  - {type: slurm, cluster: c1, url: "http://127.0.0.1:6820", user: kilowatch, token: "${SLURM_JWT}", nodes: {gpu01: c1-r1-n1}}
                  - {type: slurm-cli, cluster: c1, interval: 30s, slurmConf: slurm/slurm.conf}
                  - {type: slurm-cli, cluster: c1, command: sacct, window: 2h}
                  - {type: kubernetes}
                """,
                Map.of("SLURM_JWT", "eyJ.secret.jwt"))
            .jobs();
    assertThat(jobs.sources())
        .containsExactly(
            new JobsConfig.SlurmRest(
                "c1",
                URI.create("http://127.0.0.1:6820"),
                "v0.0.38",
                "kilowatch",
                "eyJ.secret.jwt",
                Duration.ofMinutes(1),
                Duration.ofSeconds(10),
                Map.of("gpu01", "c1-r1-n1")),
            new JobsConfig.SlurmCli(
                "c1",
                Path.of("/etc/kw/slurm/slurm.conf"),
                Duration.ofSeconds(30),
                Duration.ofSeconds(10),
                Map.of()),
            new JobsConfig.SlurmCli(
                "c1",
                null,
                JobsConfig.SlurmCommand.SACCT,
                Duration.ofHours(2),
                Duration.ofMinutes(1),
                Duration.ofSeconds(10),
                Map.of()),
            new JobsConfig.Kubernetes());
    assertThat(jobs.sources().getFirst().toString()).doesNotContain("eyJ.secret.jwt");
  }

  @Test
  void mistakesAreReportedAtTheirLine() {
    List<String> p =
        problems(
            """
            sources:
              - {type: slurm, cluster: c1, url: "http://h:6820", user: k, token: eyJliteral}
              - {type: slurm, cluster: c2, url: "http://h:6820", user: k, token: "${T}", apiVersion: "0.0.38"}
              - {type: slurm-cli, cluster: c1, intervall: 1m}
              - {type: slurm-cli, cluster: c1, interval: 0s}
              - {type: pbs}
              - {type: slurm, cluster: c1, user: k, token: "${T}"}
              - {type: slurm-cli, cluster: c1, command: scontrol}
              - {type: slurm-cli, cluster: c1, window: 1h}
            """);
    assertThat(p)
        .anySatisfy(
            s -> assertThat(s).contains("j.yaml:6:").contains("token").contains("${VARIABLE}"))
        .anySatisfy(s -> assertThat(s).contains("j.yaml:7:").contains("no cluster 'c2'"))
        .anySatisfy(s -> assertThat(s).contains("j.yaml:7:").contains("v0.0.38"))
        .anySatisfy(s -> assertThat(s).contains("j.yaml:8:").contains("intervall"))
        .anySatisfy(s -> assertThat(s).contains("j.yaml:9:").contains("must be positive"))
        .anySatisfy(s -> assertThat(s).contains("j.yaml:10:").contains("invalid value 'pbs'"))
        .anySatisfy(
            s -> assertThat(s).contains("j.yaml:11:").contains("url").contains("is required"))
        .anySatisfy(s -> assertThat(s).contains("j.yaml:12:").contains("scontrol"))
        .anySatisfy(s -> assertThat(s).contains("j.yaml:13:").contains("only for command: sacct"));
  }
}
