package io.kilowatch.collector.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.StubNvml;
import io.kilowatch.testkit.TestSites;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The collector over the stub: samples, unsupported fields, errors and GPUs that fail alone. */
class NvmlCollectorTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private final StubNvml stub = StubNvml.load(StubNvml.CURRENT);

  @BeforeEach
  void reset() {
    stub.reset(2);
  }

  private static Device node(String library) {
    return TestSites.device(
        "c1-r1-n1",
        DeviceKind.GPU_NODE,
        new Location("c1", "c1-r1"),
        null,
        new Source.Nvml(library));
  }

  private NvmlCollector collector() {
    Device node = node(stub.path());
    SiteConfig site = TestSites.siteWithRack(List.of(), List.of(node));
    return new NvmlCollector(
        node, (Source.Nvml) node.source(), site, Clock.fixed(T, ZoneOffset.UTC));
  }

  private static Sample good(List<Sample> samples, int gpu) {
    return samples.stream()
        .filter(s -> s.quality() == Quality.GOOD && s.tags().get("gpu").equals("" + gpu))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void onePollGivesOneGpuSampleEachWithTheDcgmFieldNamesAndTags() throws Exception {
    try (var c = collector()) {
      List<Sample> samples = c.poll();

      assertThat(samples).hasSize(2).allMatch(s -> s.measurement().equals("gpu"));
      Sample g1 = good(samples, 1);
      assertThat(g1.time()).isEqualTo(T);
      assertThat(g1.tags())
          .containsOnly(
              entry("site", TestSites.SITE_NAME),
              entry("cluster", "c1"),
              entry("rack", "c1-r1"),
              entry("device", "c1-r1-n1"),
              entry("gpu", "1"),
              entry("gpu_uuid", "GPU-00000000-0000-0000-0000-000000000001"),
              entry("model", "NVIDIA H100 80GB HBM3"));
      assertThat(g1.fields())
          .containsExactlyInAnyOrderEntriesOf(
              Map.ofEntries(
                  entry("power_w", 301.0),
                  entry("power_limit_w", 700.0),
                  entry("energy_mj", 2_000_000.0),
                  entry("temp_c", 61.0),
                  entry("mem_temp_c", 71.0),
                  entry("slowdown_temp_c", 89.0),
                  entry("shutdown_temp_c", 92.0),
                  entry("gpu_max_temp_c", 87.0),
                  entry("mem_max_temp_c", 95.0),
                  entry("margin_c", 24.0),
                  entry("util_pct", 90.0),
                  entry("mem_util_pct", 40.0),
                  entry("sm_clock_mhz", 1980.0),
                  entry("mem_clock_mhz", 2619.0),
                  entry("clocks_event_reasons", 4.0),
                  entry("thermal_violation_ns", 2_000_000.0),
                  entry("power_violation_ns", 10_000_000.0)));
      assertThat(c.pointErrors()).isEmpty();
    }
  }

  @Test
  void anUnsupportedFieldIsLeftOutForThatGpuAndNeverAskedAgain() throws Exception {
    stub.fail("field82", 0, NvmlError.NOT_SUPPORTED.code());
    stub.fail("nvmlDeviceGetViolationStatus", 0, NvmlError.NOT_SUPPORTED.code());
    try (var c = collector()) {
      c.poll();
      int fieldCalls = stub.calls("nvmlDeviceGetFieldValues");
      int violationCalls = stub.calls("nvmlDeviceGetViolationStatus");
      List<Sample> second = c.poll();

      assertThat(good(second, 0).fields())
          .doesNotContainKeys("mem_temp_c", "thermal_violation_ns", "power_violation_ns")
          .containsEntry("power_w", 300.0);
      assertThat(good(second, 1).fields())
          .containsEntry("mem_temp_c", 71.0)
          .containsKey("thermal_violation_ns");
      assertThat(second).allMatch(s -> s.quality() == Quality.GOOD);
      // Only GPU 1 was asked again: one call for its memory temperature, two for violations.
      assertThat(stub.calls("nvmlDeviceGetFieldValues") - fieldCalls).isEqualTo(1);
      assertThat(stub.calls("nvmlDeviceGetViolationStatus") - violationCalls).isEqualTo(2);
    }
  }

  @Test
  void aFunctionTheDriverLacksIsUnsupportedAndTheOlderReasonsFunctionIsUsed() throws Exception {
    StubNvml old = StubNvml.load(StubNvml.OLD_DRIVER).reset(1);
    old.set("reasons", 0, 0x48);
    try (var reader = new NvmlReader(old.path())) {
      GpuReading r = reader.read().getFirst();

      assertThat(r.values())
          .doesNotContainKey("margin_c")
          .containsEntry("clocks_event_reasons", 72.0);
      assertThat(r.unsupported()).containsOnly(entry("margin_c", NvmlError.FUNCTION_NOT_FOUND));
      assertThat(r.errors()).isEmpty();
    }
  }

  @Test
  void aTransientErrorMakesTheFieldBadForThatPollOnly() throws Exception {
    stub.fail("nvmlDeviceGetPowerUsage", 1, NvmlError.UNKNOWN.code());
    try (var c = collector()) {
      List<Sample> samples = c.poll();

      Sample bad =
          samples.stream().filter(s -> s.quality() == Quality.BAD).findFirst().orElseThrow();
      assertThat(bad.tags()).containsEntry("gpu", "1");
      assertThat(bad.fields()).containsOnlyKeys("power_w");
      assertThat(bad.fields().get("power_w")).isNaN();
      assertThat(good(samples, 1).fields()).containsKey("energy_mj").doesNotContainKey("power_w");
      assertThat(good(samples, 0).fields()).containsEntry("power_w", 300.0);
      assertThat(c.pointErrors()).containsOnly(entry("gpu1.power_w", "UNKNOWN"));

      stub.reset(2);
      assertThat(c.poll()).allMatch(s -> s.quality() == Quality.GOOD);
      assertThat(c.pointErrors()).isEmpty();
    }
  }

  @Test
  void aGpuThatFellOffTheBusIsAllBadAndTheOthersGoOn() throws Exception {
    stub.reset(3).fail("nvmlDeviceGetHandleByIndex_v2", 1, NvmlError.GPU_IS_LOST.code());
    try (var reader = new NvmlReader(stub.path())) {
      List<GpuReading> gpus = reader.read();

      assertThat(gpus).extracting(GpuReading::index).containsExactly(0, 1, 2);
      assertThat(gpus.get(1).values()).isEmpty();
      assertThat(gpus.get(1).errors())
          .hasSize(GpuMetric.values().length)
          .containsEntry("power_w", NvmlError.GPU_IS_LOST);
      assertThat(gpus.get(0).values()).hasSize(GpuMetric.values().length);
      assertThat(gpus.get(2).values()).containsEntry("power_w", 302.0);
    }
  }

  @Test
  void theEnergyCounterIsReportedAsReadAcrossADriverReload() throws Exception {
    // NVML's counter restarts at zero when the driver reloads; the store's counter delta treats a
    // drop as a reset, so the collector must pass the drop through, not hide or "fix" it.
    try (var reader = new NvmlReader(stub.path())) {
      stub.set("energy_mj", 0, 9_000_000);
      double before = reader.read().getFirst().values().get("energy_mj");
      stub.set("energy_mj", 0, 1_500);
      double after = reader.read().getFirst().values().get("energy_mj");
      stub.set("energy_mj", 0, 4_500);
      double later = reader.read().getFirst().values().get("energy_mj");

      assertThat(List.of(before, after, later)).containsExactly(9_000_000.0, 1_500.0, 4_500.0);
    }
  }

  @Test
  void afterUninitializedTheReaderStartsAfreshOnTheNextRead() throws Exception {
    // What a driver reload looks like from a running process: calls answer UNINITIALIZED.
    stub.fail("nvmlDeviceGetPowerUsage", -1, NvmlError.UNINITIALIZED.code());
    try (var reader = new NvmlReader(stub.path())) {
      assertThat(reader.read().getFirst().errors())
          .containsEntry("power_w", NvmlError.UNINITIALIZED);
      int inits = stub.calls("nvmlInit_v2");

      stub.reset(2);
      var again = reader.read();

      assertThat(stub.calls("nvmlInit_v2")).isEqualTo(1);
      assertThat(inits).isEqualTo(1);
      assertThat(again).hasSize(2).allSatisfy(r -> assertThat(r.errors()).isEmpty());
      assertThat(again.getFirst().values()).containsEntry("power_w", 300.0);
    }
  }

  @Test
  void noLibraryMeansTheDeviceIsDownWithAClearMessageNotACrash() {
    Device node = node("/nonexistent/libnvidia-ml.so.1");
    try (var c =
        new NvmlCollector(
            node,
            (Source.Nvml) node.source(),
            TestSites.site(List.of(), List.of(node)),
            Clock.systemUTC())) {
      assertThatThrownBy(c::poll)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("LIBRARY_NOT_FOUND")
          .hasMessageContaining("no NVIDIA driver");
    }
  }

  @Test
  void theLibraryIsLoadedAgainOnceItBecomesUsable() throws Exception {
    stub.initResult(NvmlError.DRIVER_NOT_LOADED.code());
    try (var c = collector()) {
      assertThatThrownBy(c::poll).hasMessageContaining("DRIVER_NOT_LOADED");

      stub.initResult(NvmlError.SUCCESS.code());
      assertThat(c.poll()).hasSize(2);
    }
  }
}
