package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The optional analytics section: defaults, every key, and mistakes reported with their line. */
class AnalyticsConfigTest {
  private static final String SITE = "site: {name: t}\n";

  private static SiteConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(
        yaml, "test.yaml", Path.of("/srv/kilowatch"), Map.of("EM_TOKEN", "s3cret"));
  }

  @Test
  void aSiteWithoutTheSectionGetsTheDefaults() throws Exception {
    assertThat(parse(SITE).analytics()).isEqualTo(AnalyticsConfig.DEFAULT);
  }

  @Test
  void everyKeyIsBound() throws Exception {
    var a =
        parse(
                SITE
                    + """
                    analytics:
                      powerGapLimit: 2m
                      counterGapLimit: 3d
                      coverageThreshold: 0.8
                      rawWindow: 1d
                      kpiInterval: 1m
                      hbmLimitC: 90
                      loops: {c1-cdu: w32, c2: w-plus}
                      water: {device: water-meter, field: water_m3}
                      reuse: {device: heat-meter, field: energy_kwh}
                      declared: {wueLPerKwh: 0.4, erf: 0.12, installedItPowerKw: 800, floorAreaM2: 1200}
                      carbon:
                        source: {type: electricity-maps, zone: FR, token: "${EM_TOKEN}"}
                        fallbackGPerKwh: 56
                        residualMixGPerKwh: 420
                        timeout: 5s
                        instruments:
                          - {name: goo, kind: certificate, from: 2026-01-01T00:00:00Z, mwh: 500}
                          - {name: ppa, kind: ppa, granularity: hour, mwh: 0.5, factorGPerKwh: 12, renewable: false}
                    """)
            .analytics();
    assertThat(a.powerGapLimit()).isEqualTo(Duration.ofMinutes(2));
    assertThat(a.coverageThreshold()).isEqualTo(0.8);
    // rawWindow is still accepted (older files load) and changes nothing.
    assertThat(a.counterGapLimit()).isEqualTo(Duration.ofDays(3));
    assertThat(a.kpiInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(a.hbmLimitC()).isEqualTo(90);
    assertThat(a.loops())
        .containsEntry("c1-cdu", AnalyticsConfig.WaterClass.W32)
        .containsEntry("c2", AnalyticsConfig.WaterClass.W_PLUS);
    assertThat(a.water()).isEqualTo(new AnalyticsConfig.Meter("water-meter", "water_m3"));
    assertThat(a.declared().wueLPerKwh()).isEqualTo(0.4);
    assertThat(a.declared().erf()).isEqualTo(0.12);
    assertThat(a.declared().eed().installedItPowerKw()).isEqualTo(800.0);
    assertThat(a.declared().eed().floorAreaM2()).isEqualTo(1200.0);
    assertThat(a.declared().eed().waterM3()).isNull();
    var c = a.carbon();
    assertThat(c.source())
        .isEqualTo(
            new AnalyticsConfig.IntensitySource.ElectricityMaps(
                URI.create("https://api.electricitymap.org"), "FR", "s3cret"));
    assertThat(c.source().toString()).doesNotContain("s3cret");
    assertThat(c.residualMixGPerKwh()).isEqualTo(420);
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.instruments()).hasSize(2);
    var goo = c.instruments().getFirst();
    assertThat(goo.granularity()).isEqualTo(AnalyticsConfig.Granularity.MONTH);
    assertThat(goo.from()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(goo.renewable()).isTrue();
    assertThat(goo.factorGPerKwh()).isZero();
    assertThat(c.instruments().get(1).renewable()).isFalse();
  }

  @Test
  void anElectricityMapsSourceWithoutAZoneLeavesItToTheSitesGridZone() throws Exception {
    var c =
        parse(
                "site: {name: t, gridZone: DE}\n"
                    + "analytics: {carbon: {source: {type: electricity-maps}}}\n")
            .analytics()
            .carbon();
    assertThat(((AnalyticsConfig.IntensitySource.ElectricityMaps) c.source()).zone()).isNull();
  }

  @Test
  void aCsvProfileIsRelativeToTheConfigFile() throws Exception {
    var c =
        parse(SITE + "analytics: {carbon: {source: {type: csv, file: grid/fr.csv}}}\n")
            .analytics()
            .carbon();
    assertThat(c.source())
        .isEqualTo(
            new AnalyticsConfig.IntensitySource.CsvProfile(Path.of("/srv/kilowatch/grid/fr.csv")));
  }

  @Test
  void gapLimitIsTheOldNameOfPowerGapLimitAndTheLimitIsAtLeastAMinute() throws Exception {
    var a = parse(SITE + "analytics:\n  gapLimit: 7m\n").analytics();
    assertThat(a.powerGapLimit()).isEqualTo(Duration.ofMinutes(7));
    assertThat(a.counterGapLimit()).isNull();
    var both =
        catchThrowableOfType(
            ConfigException.class,
            () -> parse(SITE + "analytics:\n  gapLimit: 7m\n  powerGapLimit: 6m\n"));
    assertThat(both.problems())
        .extracting(ConfigProblem::toString)
        .anySatisfy(p -> assertThat(p).contains("test.yaml:3").contains("old name"));
    var short_ =
        catchThrowableOfType(
            ConfigException.class, () -> parse(SITE + "analytics:\n  powerGapLimit: 30s\n"));
    assertThat(short_.problems())
        .extracting(ConfigProblem::toString)
        .anySatisfy(p -> assertThat(p).contains("powerGapLimit").contains("at least 1m"));
  }

  @Test
  void mistakesAreReportedWithTheirLine() {
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                parse(
                    SITE
                        + """
                        analytics:
                          coverageThreshold: 1.5
                          loops: {c1: w33}
                          carbon:
                            source: {type: watttime}
                            instruments:
                              - {name: x, kind: lease, mwh: 1}
                        """));
    assertThat(e.problems())
        .extracting(ConfigProblem::toString)
        .anySatisfy(p -> assertThat(p).contains("test.yaml:3").contains("between 0 and 1"))
        .anySatisfy(p -> assertThat(p).contains("w33").contains("w32"))
        .anySatisfy(p -> assertThat(p).contains("region"))
        .anySatisfy(p -> assertThat(p).contains("lease"));
  }

  @Test
  void aMeteredOnsiteGenerationIsBoundAndADeclaredOneBesideItIsAnError() throws Exception {
    var c =
        parse(
                SITE
                    + """
                    analytics:
                      carbon:
                        onsiteGeneration: {device: pv-meter, field: energy_kwh}
                        instruments:
                          - {name: goo, kind: certificate, mwh: 500}
                    """)
            .analytics()
            .carbon();
    assertThat(c.onsiteGeneration()).isEqualTo(new AnalyticsConfig.Meter("pv-meter", "energy_kwh"));
    var e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                parse(
                    SITE
                        + """
                        analytics:
                          carbon:
                            onsiteGeneration: {device: pv-meter, field: energy_kwh}
                            instruments:
                              - {name: roof, kind: onsite, mwh: 5}
                        """));
    // file:line: key.path: message, pointing at the instrument's kind
    assertThat(e.problems())
        .extracting(ConfigProblem::toString)
        .singleElement()
        .satisfies(
            p ->
                assertThat(p)
                    .startsWith("test.yaml:6:")
                    .contains("kind")
                    .contains("roof")
                    .contains("count it twice"));
  }
}
