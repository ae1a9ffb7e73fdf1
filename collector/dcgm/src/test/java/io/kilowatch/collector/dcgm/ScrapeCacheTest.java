package io.kilowatch.collector.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The scrape cache must read every scrape exactly as the parser and the mapper read it alone, on
 * the first scrape and on every later one, whatever changed in between: the cache only saves work.
 * The parser and mapper are held to the exposition format and to recorded scrapes by their own
 * tests; here they are the rule the cache is compared with.
 */
class ScrapeCacheTest {

  /** What the parser and the mapper make of a scrape, in the cache's shape. */
  private static ScrapeCache.Read uncached(String body) {
    var parsed = PrometheusTextParser.parse(body);
    var gpus = new ArrayList<Map.Entry<Map<String, String>, Map<String, Double>>>();
    DcgmGpuMapper.map(parsed.series())
        .forEach((gpu, fields) -> gpus.add(Map.entry(gpu.tags(), fields)));
    return new ScrapeCache.Read(
        gpus,
        parsed.series().stream().anyMatch(s -> s.name().startsWith("DCGM_")),
        parsed.skipped(),
        parsed.firstSkipped());
  }

  @Provide
  Arbitrary<List<String>> scrapeSequences() {
    var shaped = new PrometheusTextPropertyTest().shapedLines();
    // Real lines, with their values swapped for anything a line may end with.
    List<String> recorded =
        Fixtures.read(Fixtures.A800_MIG)
            .lines()
            .filter(l -> l.startsWith("DCGM_"))
            .map(l -> l.substring(0, l.lastIndexOf('}') + 1))
            .toList();
    Arbitrary<String> tail =
        Arbitraries.of(" 1", " 2.5", " NaN", " ERROR - FAILED TO CONVERT TO STRING", "", " 3 17");
    Arbitrary<String> real = Arbitraries.of(recorded).flatMap(text -> tail.map(t -> text + t));
    // Few GPUs and instances, so that series compete for the same GPU field: whole GPU against
    // MIG instances (ids that are numbers, negative or not at all), old and new DCGM names.
    Arbitrary<String> competing =
        Combinators.combine(
                Arbitraries.of(DcgmGpuMapper.FIELDS.keySet()),
                Arbitraries.of("0", "1"),
                Arbitraries.of("", ",UUID=\"GPU-a\"", ",modelName=\"H100\""),
                Arbitraries.of(
                    "",
                    ",GPU_I_ID=\"0\"",
                    ",GPU_I_ID=\"3\"",
                    ",GPU_I_ID=\"-1\"",
                    ",GPU_I_ID=\"x\""),
                tail)
            .as(
                (name, gpu, id, instance, t) ->
                    name + "{gpu=\"" + gpu + "\"" + id + instance + "}" + t);
    // The cache reads bytes: white space outside ASCII (U+2003, U+00A0) and ASCII's odd ones
    // (U+001C) around a line must be what String.strip() makes of them.
    Arbitrary<String> space = Arbitraries.of("", " ", "\r", "\u2003", "\u001C", "\u00A0");
    Arbitrary<String> padded =
        Combinators.combine(space, Arbitraries.oneOf(real, competing), space)
            .as((before, l, after) -> before + l + after);
    Arbitrary<String> line =
        Arbitraries.frequencyOf(
            Tuple.of(3, real), Tuple.of(3, competing), Tuple.of(2, shaped), Tuple.of(1, padded));
    Arbitrary<String> scrape = line.list().ofMaxSize(40).map(ls -> String.join("\n", ls));
    return scrape.list().ofMinSize(1).ofMaxSize(4);
  }

  @Property(tries = 400)
  void everyScrapeReadsAsTheParserAndMapperReadIt(@ForAll("scrapeSequences") List<String> scrapes) {
    var cache = new ScrapeCache();
    for (String body : scrapes) {
      assertThat(cache.read(body)).isEqualTo(uncached(body));
    }
  }

  /** Bytes that are not UTF-8 read as the text the JDK decodes them to (U+FFFD for each). */
  @Test
  void bytesThatAreNotUtf8ReadAsTheirDecodedText() {
    var out = new java.io.ByteArrayOutputStream();
    out.writeBytes(
        "DCGM_FI_DEV_GPU_TEMP{gpu=\"0\",modelName=\"H".getBytes(StandardCharsets.US_ASCII));
    out.write(0xFF);
    out.write(0xC3);
    out.writeBytes(
        "\"} 61\nDCGM_FI_DEV_POWER_USAGE{gpu=\"0\"} 3".getBytes(StandardCharsets.US_ASCII));
    out.write(0xE2);
    out.writeBytes("\n".getBytes(StandardCharsets.US_ASCII));
    byte[] body = out.toByteArray();
    var cache = new ScrapeCache();

    for (int scrape = 0; scrape < 2; scrape++) {
      assertThat(cache.read(body, body.length))
          .isEqualTo(uncached(new String(body, StandardCharsets.UTF_8)));
    }
    assertThat(cache.read(body, body.length).skipped()).isEqualTo(1);
  }

  @Test
  void aRecordedScrapeReadTwiceIsTheSameAndItsGpusKeepTheirTagMaps() {
    String body = Fixtures.read(Fixtures.A800_MIG);
    var cache = new ScrapeCache();
    var first = cache.read(body);
    int remembered = cache.size();
    var second = cache.read(body);

    assertThat(first).isEqualTo(uncached(body));
    assertThat(second).isEqualTo(first);
    // Eight MIG-mode GPUs, each read from its lowest instance (the mapper's rule).
    assertThat(second.gpus()).hasSize(8);
    assertThat(cache.size()).isEqualTo(remembered);
    for (int i = 0; i < first.gpus().size(); i++) {
      assertThat(second.gpus().get(i).getKey()).isSameAs(first.gpus().get(i).getKey());
    }
  }

  @Test
  void aRememberedSeriesWithAnUnreadableValueIsSkippedAndCounted() {
    String good =
        "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-a\",modelName=\"H100\"} 350.5\n"
            + "DCGM_FI_DEV_GPU_TEMP{gpu=\"0\",UUID=\"GPU-a\",modelName=\"H100\"} 61\n";
    String bad =
        "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-a\",modelName=\"H100\"} ERROR - FAILED TO"
            + " CONVERT TO STRING\n"
            + "DCGM_FI_DEV_GPU_TEMP{gpu=\"0\",UUID=\"GPU-a\",modelName=\"H100\"} 62\n";
    var cache = new ScrapeCache();
    cache.read(good);
    var read = cache.read(bad);

    assertThat(read.skipped()).isEqualTo(1);
    assertThat(read.firstSkipped()).contains("ERROR - FAILED TO CONVERT TO STRING");
    assertThat(read.gpus()).hasSize(1);
    assertThat(read.gpus().get(0).getValue()).isEqualTo(Map.of("temp_c", 62.0));
  }

  @Test
  void seriesThatLeaveTheScrapeAreForgotten() {
    var cache = new ScrapeCache();
    for (int pod = 0; pod < 50; pod++) {
      // Each scrape names another pod: 32 new series texts each time, none seen again.
      var body = new StringBuilder();
      for (int gpu = 0; gpu < 32; gpu++) {
        body.append("DCGM_FI_DEV_POWER_USAGE{gpu=\"")
            .append(gpu)
            .append("\",pod=\"job-")
            .append(pod)
            .append("\"} 300\n");
      }
      assertThat(cache.read(body.toString()).gpus()).hasSize(32);
    }
    // At most twice what the last scrape used, plus a little slack, not 50 scrapes' worth.
    assertThat(cache.size()).isLessThanOrEqualTo(2 * 32 + 64);
  }
}
