package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebLimitsConfigTest {
  private static SiteConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(yaml, "test.yaml", Path.of("/srv/kilowatch"), Map.of());
  }

  /** The defaults config/README.md documents: a site that says nothing gets exactly these. */
  @Test
  void withoutASettingTheDocumentedDefaultsApply() throws ConfigException {
    var web = parse("site: {name: S}\n").web();

    assertThat(web.rateLimitPerMinute()).isEqualTo(6_000);
    assertThat(web.rateLimitPerAddressPerMinute()).isEqualTo(30_000);
    assertThat(web.ingest())
        .isEqualTo(
            new IngestLimits(
                32 << 20, 100_000, 65_536, 256, 1_024, 500, 1_000_000, 2_000_000, 100_000));
  }

  @Test
  void eachIngestLimitIsReadAndTheOthersKeepTheirDefaults() throws ConfigException {
    var web =
        parse(
                """
                site: {name: S}
                web:
                  rateLimitPerAddressPerMinute: 600
                  ingest: {maxBodyBytes: 4MiB, maxTagValueLength: 64, maxNewSeriesPerMinute: 10}
                """)
            .web();

    assertThat(web.rateLimitPerAddressPerMinute()).isEqualTo(600);
    assertThat(web.ingest().maxBodyBytes()).isEqualTo(4 << 20);
    assertThat(web.ingest().maxTagValueLength()).isEqualTo(64);
    assertThat(web.ingest().maxNewSeriesPerMinute()).isEqualTo(10);
    assertThat(web.ingest().maxFieldsPerLine()).isEqualTo(500);
  }

  @Test
  void anUnknownOrOutOfRangeIngestKeyIsAProblemWithItsPath() {
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                parse(
                    """
                    site: {name: S}
                    web:
                      ingest: {maxFieldsPerLine: 0, maxBodyBytes: 2GiB, maxSerie: 5}
                    """));

    assertThat(e.problems())
        .extracting(ConfigProblem::path)
        .containsExactlyInAnyOrder(
            "web.ingest.maxFieldsPerLine", "web.ingest.maxBodyBytes", "web.ingest.maxSerie");
  }
}
