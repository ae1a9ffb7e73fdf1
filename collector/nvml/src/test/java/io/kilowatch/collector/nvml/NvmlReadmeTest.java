package io.kilowatch.collector.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's example is a valid site file, and its field table names every field we write. */
class NvmlReadmeTest {
  private static final Path README = Path.of("src/main/java/io/kilowatch/collector/nvml/README.md");

  @Test
  void theConfigExampleLoadsAsAnNvmlDevice() throws Exception {
    String text = Files.readString(README);
    int start = text.indexOf("```yaml\n") + "```yaml\n".length();
    String yaml = text.substring(start, text.indexOf("```", start));

    var site = ConfigLoader.parse(yaml, "README.md", Path.of("."), Map.of());

    assertThat(site.device("lab-r1-n1").orElseThrow().source()).isEqualTo(new Source.Nvml(null));
  }

  @Test
  void everyFieldIsDocumented() throws Exception {
    String text = Files.readString(README);
    assertThat(Arrays.stream(GpuMetric.values()).map(m -> "`" + m.field() + "`"))
        .allSatisfy(f -> assertThat(text).contains(f));
  }
}
