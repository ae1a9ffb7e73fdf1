package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExampleConfigTest {
  private static final Path EXAMPLE = Path.of("examples/site.yaml");

  @Test
  void exampleLoadsWithTheValuesItStates() throws Exception {
    SiteConfig config = ConfigLoader.load(EXAMPLE, Map.of());

    assertThat(config.source()).isEqualTo(EXAMPLE);
    assertThat(config.site())
        .isEqualTo(new Site("Example GPU hall", ZoneId.of("Europe/Paris"), "FR", AshraeClass.A2));
    assertThat(config.allDevices()).hasSize(5);
    assertThat(config.web()).isEqualTo(WebConfig.DEFAULT);
    System.out.println(config);
  }
}
