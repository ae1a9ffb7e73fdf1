package io.kilowatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DcgmExpositionTest {

  @Test
  void rendersEveryFieldInDcgmExporterShape() {
    GpuReading gpu =
        new GpuReading(
            0,
            "GPU-6f1c8a42-9d1e-3b4f-8c2a-5e7d9f0a1b2c",
            93.4,
            700.0,
            700.0,
            123_456_789.9,
            86.6,
            91.2,
            87,
            92,
            1785,
            ClockEventReasons.SW_POWER_CAP | ClockEventReasons.SW_THERMAL_SLOWDOWN,
            4_000_000_000L);
    String labels =
        "{gpu=\"0\",UUID=\"GPU-6f1c8a42-9d1e-3b4f-8c2a-5e7d9f0a1b2c\",device=\"nvidia0\","
            + "modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"c1-r1-n1\","
            + "DCGM_FI_DRIVER_VERSION=\"550.90.07\"}";
    String expected =
        """
        # HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).
        # TYPE DCGM_FI_DEV_SM_CLOCK gauge
        DCGM_FI_DEV_SM_CLOCK$L 1785
        # HELP DCGM_FI_DEV_MEMORY_TEMP Memory temperature (in C).
        # TYPE DCGM_FI_DEV_MEMORY_TEMP gauge
        DCGM_FI_DEV_MEMORY_TEMP$L 91
        # HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).
        # TYPE DCGM_FI_DEV_GPU_TEMP gauge
        DCGM_FI_DEV_GPU_TEMP$L 87
        # HELP DCGM_FI_DEV_SLOWDOWN_TEMP Slowdown temperature threshold (in C).
        # TYPE DCGM_FI_DEV_SLOWDOWN_TEMP gauge
        DCGM_FI_DEV_SLOWDOWN_TEMP$L 87
        # HELP DCGM_FI_DEV_SHUTDOWN_TEMP Shutdown temperature threshold (in C).
        # TYPE DCGM_FI_DEV_SHUTDOWN_TEMP gauge
        DCGM_FI_DEV_SHUTDOWN_TEMP$L 92
        # HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
        # TYPE DCGM_FI_DEV_POWER_USAGE gauge
        DCGM_FI_DEV_POWER_USAGE$L 700.000000
        # HELP DCGM_FI_DEV_POWER_MGMT_LIMIT Power management limit (in W).
        # TYPE DCGM_FI_DEV_POWER_MGMT_LIMIT gauge
        DCGM_FI_DEV_POWER_MGMT_LIMIT$L 700.000000
        # HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).
        # TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter
        DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION$L 123456789
        # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
        # TYPE DCGM_FI_DEV_GPU_UTIL gauge
        DCGM_FI_DEV_GPU_UTIL$L 93
        # HELP DCGM_FI_DEV_CLOCKS_EVENT_REASONS Current clock event reasons (bitmask).
        # TYPE DCGM_FI_DEV_CLOCKS_EVENT_REASONS gauge
        DCGM_FI_DEV_CLOCKS_EVENT_REASONS$L 36
        # HELP DCGM_FI_DEV_THERMAL_VIOLATION Throttling duration due to thermal constraints (in ns).
        # TYPE DCGM_FI_DEV_THERMAL_VIOLATION counter
        DCGM_FI_DEV_THERMAL_VIOLATION$L 4000000000
        """
            .replace("$L", labels);

    String text =
        DcgmExposition.render(new NodeReading("c1-r1-n1", "c1", "c1-r1", 1500, List.of(gpu)));

    assertThat(text).isEqualTo(expected);
  }
}
