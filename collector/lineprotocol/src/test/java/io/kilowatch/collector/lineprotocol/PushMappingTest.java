package io.kilowatch.collector.lineprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.collector.Readings;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one rule that says which series a pushed line lands in. */
class PushMappingTest {
  static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

  static final SiteConfig SITE = site();

  private static SiteConfig site() {
    try {
      return ConfigLoader.parse(
          """
          site: {name: Hall}
          clusters:
            - id: c1
              racks:
                - id: c1-r1
                  devices:
                    - id: pdu_A
                      kind: pdu
                      tags: {feed: a}
                      source: {type: push, match: {pdu: A, bus: "1"}, measurement: power}
                    - {id: n1, kind: gpu-node, source: {type: dcgm, url: "http://127.0.0.1:9400/metrics"}}
          devices:
            - {id: it_A, kind: meter, interval: 1m, source: {type: push, match: {meter: it_A}, measurement: energy}}
            - {id: e_B, kind: meter, source: {type: push, match: {meter: it_B}, measurement: energy}}
          """,
          "site.yaml",
          Path.of("/srv"),
          Map.of());
    } catch (io.kilowatch.config.ConfigException e) {
      throw new AssertionError(e.problems().toString(), e);
    }
  }

  private static final PushMapping MAPPING = PushMapping.of(SITE);

  private static Sample line(String text) throws LineProtocolException {
    return LineProtocolParser.parseLine(text, Precision.S, Instant.EPOCH);
  }

  @Test
  void aMatchedLineIsStoredAsThePollOfItsDeviceWouldBe() throws Exception {
    var mapped =
        MAPPING.map(line("power,pdu=A,bus=1,phase=L1 power_w=1200,current_a=5.2 1772366400"));

    assertThat(mapped.matched()).isTrue();
    assertThat(mapped.device().id()).isEqualTo("pdu_A");
    // The collectors' own grouping of the same readings: the one rule for a device's series.
    var poll = new Readings(SITE, mapped.device(), T);
    poll.add("pdu", Map.of("phase", "L1"), "power_w", 1200, Quality.GOOD);
    poll.add("pdu", Map.of("phase", "L1"), "current_a", 5.2, Quality.GOOD);
    assertThat(mapped.samples()).isEqualTo(poll.samples());
    assertThat(mapped.samples())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.measurement()).isEqualTo("pdu");
              assertThat(s.time()).isEqualTo(T);
              assertThat(s.tags())
                  .containsExactlyEntriesOf(
                      new java.util.TreeMap<>(
                          Map.of(
                              "cluster", "c1",
                              "device", "pdu_A",
                              "feed", "a",
                              "phase", "L1",
                              "rack", "c1-r1",
                              "site", "Hall")));
              assertThat(s.fields()).isEqualTo(Map.of("current_a", 5.2, "power_w", 1200.0));
            });
  }

  @Test
  void identityTagsWinOverTheLinesOwnAndAPartialMatchIsNoMatch() throws Exception {
    var mapped =
        MAPPING.map(line("energy,meter=it_A,site=elsewhere,rack=r9 energy_kwh=1 1772366400"));
    var partial = MAPPING.map(line("power,pdu=A power_w=1 1772366400"));

    assertThat(mapped.samples().getFirst().tags())
        .isEqualTo(Map.of("device", "it_A", "site", "Hall", "rack", "r9"));
    assertThat(mapped.samples().getFirst().measurement()).isEqualTo("meter");
    assertThat(partial.matched()).isFalse();
  }

  @Test
  void aMeasurementInTheSourceMustBeTheLinesToo() throws Exception {
    assertThat(MAPPING.map(line("energy,meter=it_B energy_kwh=3 1772366400")).device().id())
        .isEqualTo("e_B");
    assertThat(MAPPING.map(line("power,meter=it_B power_w=3 1772366400")).matched()).isFalse();
  }

  @Test
  void aDeviceTagNamingAPolledDeviceIsStoredAsItIsAndNamingAPushDeviceIsMapped() throws Exception {
    var polled = MAPPING.map(line("gpu,device=n1,gpu=0 power_w=300 1772366400"));
    var pushed = MAPPING.map(line("energy,device=it_A energy_kwh=9 1772366400"));

    assertThat(polled.device().id()).isEqualTo("n1");
    assertThat(polled.samples())
        .containsExactly(
            Sample.of(
                T,
                "gpu",
                Map.of("device", "n1", "gpu", "0", "site", "Hall"),
                Map.of("power_w", 300.0)));
    assertThat(pushed.device().id()).isEqualTo("it_A");
    assertThat(pushed.samples())
        .containsExactly(
            Sample.of(
                T, "meter", Map.of("device", "it_A", "site", "Hall"), Map.of("energy_kwh", 9.0)));
  }

  @Test
  void anUnmatchedLineIsStoredAsItIsWithTheSiteName() throws Exception {
    var mapped = MAPPING.map(line("power,meter=it_Z,site=Other power_w=1 1772366400"));
    var noSite = MAPPING.map(line("power,device=unknown power_w=1 1772366400"));

    assertThat(mapped.matched()).isFalse();
    assertThat(mapped.device()).isNull();
    assertThat(mapped.samples())
        .containsExactly(
            Sample.of(
                T, "power", Map.of("meter", "it_Z", "site", "Other"), Map.of("power_w", 1.0)));
    assertThat(noSite.samples().getFirst().tags())
        .isEqualTo(Map.of("device", "unknown", "site", "Hall"));
  }
}
