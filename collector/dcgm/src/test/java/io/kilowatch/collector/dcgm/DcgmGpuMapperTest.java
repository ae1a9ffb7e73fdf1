package io.kilowatch.collector.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.collector.dcgm.DcgmGpuMapper.Gpu;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DcgmGpuMapperTest {

  private static Map<Gpu, Map<String, Double>> map(String text) {
    return DcgmGpuMapper.map(PrometheusTextParser.parse(text).series());
  }

  private static Map<String, Double> gpu(Map<Gpu, Map<String, Double>> gpus, String uuid) {
    return gpus.entrySet().stream()
        .filter(e -> uuid.equals(e.getKey().uuid()))
        .findFirst()
        .orElseThrow()
        .getValue();
  }

  @Test
  void mapsEveryGpuOfTheA800Node() {
    var gpus = map(Fixtures.read(Fixtures.A800_MIG));

    assertThat(gpus).hasSize(8);
    assertThat(gpus.keySet())
        .extracting(Gpu::index)
        .containsExactly("0", "1", "2", "3", "4", "5", "6", "7");
    assertThat(gpus.keySet())
        .allSatisfy(g -> assertThat(g.model()).isEqualTo("NVIDIA A800-SXM4-80GB"));
    Map<String, Double> gpu1 = gpu(gpus, "GPU-9e5b8fec-61bf-5124-a0a9-079af1b65cc6");
    assertThat(gpu1)
        .containsEntry("power_w", 55.942)
        .containsEntry("energy_mj", 187554325.0)
        .containsEntry("sm_clock_mhz", 210.0)
        .containsKeys("temp_c", "mem_temp_c", "util_pct", "mem_clock_mhz");
  }

  @Test
  void aGpuInMigModeIsRepresentedOnceByItsLowestInstance() {
    // GPU 0 of the A800 scrape has only MIG-instance series (3, 5, 6), each repeating the
    // device's power: taking one keeps the GPU's power and energy, summing would triple them.
    var gpus = map(Fixtures.read(Fixtures.A800_MIG));

    Map<String, Double> gpu0 = gpu(gpus, "GPU-1f027ee8-6e1e-2b8c-0108-3d370e5f0418");
    assertThat(gpu0).containsEntry("power_w", 78.174).containsEntry("energy_mj", 257858316.0);
    assertThat(gpu0).doesNotContainKey("util_pct"); // absent for the MIG GPU in this scrape
  }

  @Test
  void aWholeGpuSeriesWinsOverInstanceSeries() {
    var gpus =
        map(
            """
            DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",GPU_I_PROFILE="1g.5gb",GPU_I_ID="7"} 301
            DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a"} 300
            DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",GPU_I_PROFILE="1g.5gb",GPU_I_ID="1"} 302
            """);

    assertThat(gpus.values()).containsExactly(Map.of("power_w", 300.0));
  }

  @Test
  void mapsThrottleReasonsPowerLimitAndSlowdownFromTheDatadogFixture() {
    var gpus = map(Fixtures.read(Fixtures.DATADOG));

    // Stitched from captures of two machines: gpu "0" appears with two UUIDs, and stays two GPUs.
    // The unlabeled dummy series and the A10G's DCGM_FI_PROF_* line map to nothing.
    assertThat(gpus.keySet())
        .extracting(Gpu::uuid)
        .containsExactly(
            "GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e", "GPU-9ef1b6d0-3643-5dd7-b823-c0ec20dcf2d5");
    assertThat(gpu(gpus, "GPU-9ef1b6d0-3643-5dd7-b823-c0ec20dcf2d5"))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("clocks_event_reasons", 1.0, "power_limit_w", 70.0, "slowdown_temp_c", 93.0));
    assertThat(gpu(gpus, "GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e"))
        .containsEntry("power_w", 8.969)
        .containsEntry("energy_mj", 128996013.0)
        .containsEntry("temp_c", 25.0);
  }

  @Test
  void theNewClocksEventReasonsNameWinsOverTheOldOne() {
    var gpus =
        map(
            """
            DCGM_FI_DEV_CLOCK_THROTTLE_REASONS{gpu="0",UUID="GPU-a"} 4
            DCGM_FI_DEV_CLOCKS_EVENT_REASONS{gpu="0",UUID="GPU-a"} 36
            DCGM_FI_DEV_THERMAL_VIOLATION{gpu="0",UUID="GPU-a"} 12345
            DCGM_FI_DEV_GPU_TEMP_LIMIT{gpu="0",UUID="GPU-a"} 21
            """);

    assertThat(gpus.values())
        .singleElement()
        .isEqualTo(
            Map.of(
                "clocks_event_reasons", 36.0, "thermal_violation_ns", 12345.0, "margin_c", 21.0));
  }
}
