package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class YamlTreeTest {
  @TempDir Path dir;

  // The point of building a tree: awkward strings survive the trip through YAML unchanged.
  @Test
  void aTreeWithAwkwardStringsLoadsBackAsTheSameSite() throws Exception {
    String dataDir = dir.resolve("da\"ta: #1").toString();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("site", Map.of("name", "Hall \"A\": north"));
    root.put("store", Map.of("kind", "embedded", "dataDir", dataDir));
    root.put("web", Map.of("port", 8080, "rateLimitPerMinute", 0));
    root.put("clusters", List.of());

    String yaml = YamlTree.emit(root);
    SiteConfig site = ConfigLoader.parse(yaml, "tree.yaml", dir, Map.of());

    assertThat(yaml).startsWith("site:\n");
    assertThat(site.site().name()).isEqualTo("Hall \"A\": north");
    assertThat(site.web().port()).isEqualTo(8080);
  }
}
