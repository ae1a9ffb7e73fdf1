package io.kilowatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.testkit.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The side-by-side baselines against a small running site: each peer (mbpoll, a node-opcua client,
 * influxd) either ran and gave a ratio, or its line says it was skipped and why. Skips locally when
 * a peer is absent; on CI (env {@code CI}) every peer must have run.
 */
class BaselinesTest {
  @TempDir Path work;

  @Test
  void eachBaselineComparesWithItsPeerOrSaysWhyItCouldNot() throws Exception {
    var options =
        new SoakOptions(
            64,
            4,
            Duration.ofSeconds(1),
            Duration.ofSeconds(10),
            Duration.ofSeconds(2),
            false,
            0,
            work,
            2,
            Duration.ZERO,
            true);
    var spec =
        new ScaleSite.Spec(
            64, 4, 2, Duration.ofSeconds(10), Duration.ofSeconds(2), List.of(), Duration.ZERO);
    try (ScaleSite site = ScaleSite.start(spec)) {
      Path yaml = work.resolve("site.yaml");
      Files.writeString(yaml, site.siteYaml(work.resolve("data")));
      SiteConfig config = ConfigLoader.load(yaml);

      Baselines.Report report = Baselines.run(site, config, options);
      System.out.print(report.render());

      List<String> lines = report.lines().stream().map(Baselines.Line::text).toList();
      assertThat(lines).hasSize(3);
      assertThat(lines.get(0)).startsWith("baseline modbus: ");
      assertThat(lines.get(1)).startsWith("baseline opcua: ");
      assertThat(lines.get(2)).startsWith("baseline ingest: embedded store ");
      for (String line : lines) {
        assertThat(line).doesNotContain("failed").containsAnyOf("ratio", "skipped (");
      }
      // The lines above say why a baseline could not run; past here every peer must be present.
      Peer.MBPOLL.require();
      Peer.NODE_OPCUA.require();
      Peer.INFLUXD.require();
      assertThat(lines).noneMatch(l -> l.contains("skipped ("));
      // 2 of the 4 PDUs (the first half), both CDUs, 20 rounds each.
      assertThat(lines.get(0)).contains("(2 PDUs x 20 rounds)");
      assertThat(lines.get(1)).contains("(2 CDUs x 20 rounds");
      assertThat(lines.get(2)).contains("(100000 points");
    }
  }
}
