package io.kilowatch.collector.dcgm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Recorded dcgm-exporter scrapes from src/test/resources/dcgm (see SOURCE.md there). */
final class Fixtures {
  static final String A800_MIG = "dcgm-exporter_a800-sxm4-80gb_x8_mig_metrics.txt";
  static final String DATADOG = "datadog-integrations-core_dcgm_fixture_metrics.txt";
  static final String NVIDIA_DOCS_A100 =
      "nvidia-cloud-native-docs_a100_mig_metrics_rst-excerpt.txt";

  private Fixtures() {}

  static String read(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/dcgm/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
