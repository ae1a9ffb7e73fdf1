package io.kilowatch.collector.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kilowatch.testkit.StubNvml;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The FFM binding against the stub library: every call, its units and its error mapping. */
class NvmlLibraryTest {
  private final StubNvml stub = StubNvml.load(StubNvml.CURRENT);
  private NvmlLibrary nvml;

  @BeforeEach
  void open() throws NvmlException {
    stub.reset(3);
    nvml = NvmlLibrary.open(stub.path());
  }

  @AfterEach
  void close() {
    nvml.close();
  }

  @Test
  void readsEveryFieldOfEveryGpuWithItsUnit() throws NvmlException {
    assertThat(nvml.deviceCount()).isEqualTo(3);
    MemorySegment d2 = nvml.deviceHandle(2);

    assertThat(nvml.name(d2)).isEqualTo("NVIDIA H100 80GB HBM3");
    assertThat(nvml.uuid(d2)).isEqualTo("GPU-00000000-0000-0000-0000-000000000002");
    assertThat(nvml.powerUsageMilliwatts(d2)).isEqualTo(302_000);
    assertThat(nvml.enforcedPowerLimitMilliwatts(d2)).isEqualTo(700_000);
    assertThat(nvml.totalEnergyMillijoules(d2)).isEqualTo(3_000_000);
    assertThat(nvml.temperature(d2, NvmlLibrary.TEMPERATURE_GPU)).isEqualTo(62);
    assertThat(nvml.fieldValue(d2, NvmlLibrary.FI_DEV_MEMORY_TEMP)).isEqualTo(72.0);
    assertThat(nvml.temperatureThreshold(d2, NvmlLibrary.Threshold.SHUTDOWN)).isEqualTo(92);
    assertThat(nvml.temperatureThreshold(d2, NvmlLibrary.Threshold.SLOWDOWN)).isEqualTo(89);
    assertThat(nvml.temperatureThreshold(d2, NvmlLibrary.Threshold.MEM_MAX)).isEqualTo(95);
    assertThat(nvml.temperatureThreshold(d2, NvmlLibrary.Threshold.GPU_MAX)).isEqualTo(87);
    assertThat(nvml.marginTemperature(d2)).isEqualTo(23);
    assertThat(nvml.utilization(d2)).containsExactly(90, 40);
    assertThat(nvml.clockMhz(d2, NvmlLibrary.CLOCK_SM)).isEqualTo(1980);
    assertThat(nvml.clockMhz(d2, NvmlLibrary.CLOCK_MEM)).isEqualTo(2619);
    assertThat(nvml.clocksEventReasons(d2)).isEqualTo(0x4);
    assertThat(nvml.violationTimeNanos(d2, NvmlLibrary.PERF_POLICY_POWER)).isEqualTo(15_000_000);
    assertThat(nvml.violationTimeNanos(d2, NvmlLibrary.PERF_POLICY_THERMAL)).isEqualTo(3_000_000);
  }

  @Test
  void unsignedValuesAboveTheSignedRangeStayPositive() throws NvmlException {
    // A 64-bit bitmask with the top bits set, and a 32-bit power value above 2^31 mW.
    stub.set("reasons", 0, 0x1_0000_0040L).set("power_mw", 0, 0xFFFF_FFF0L);
    MemorySegment d0 = nvml.deviceHandle(0);

    assertThat(nvml.clocksEventReasons(d0)).isEqualTo(0x1_0000_0040L);
    assertThat(nvml.powerUsageMilliwatts(d0)).isEqualTo(4_294_967_280L);
  }

  @Test
  void aReturnCodeBecomesANamedErrorWithTheFunctionAndNvmlsText() throws NvmlException {
    stub.fail("nvmlDeviceGetPowerUsage", 1, NvmlError.GPU_IS_LOST.code());
    MemorySegment d1 = nvml.deviceHandle(1);

    var e = catchThrowableOfType(NvmlException.class, () -> nvml.powerUsageMilliwatts(d1));

    assertThat(e.error()).isEqualTo(NvmlError.GPU_IS_LOST);
    assertThat(e.function()).isEqualTo("nvmlDeviceGetPowerUsage");
    assertThat(e.getMessage()).isEqualTo("nvmlDeviceGetPowerUsage: GPU_IS_LOST (GPU is lost)");
    // The other GPU is unaffected.
    assertThat(nvml.powerUsageMilliwatts(nvml.deviceHandle(0))).isEqualTo(300_000);
  }

  @Test
  void everyDocumentedCodeHasAName() {
    for (int code = 0; code <= 30; code++) {
      assertThat(NvmlError.of(code).code()).isEqualTo(code);
    }
    assertThat(NvmlError.of(999)).isEqualTo(NvmlError.UNKNOWN);
    assertThat(NvmlError.of(31)).isEqualTo(NvmlError.UNRECOGNIZED);
    assertThat(NvmlError.NOT_SUPPORTED.meansUnsupported()).isTrue();
    assertThat(NvmlError.FUNCTION_NOT_FOUND.meansUnsupported()).isTrue();
    assertThat(NvmlError.GPU_IS_LOST.meansUnsupported()).isFalse();
  }

  @Test
  void aFieldValueErrorIsTheFieldsOwnCodeEvenWhenTheCallSucceeds() throws NvmlException {
    stub.fail("field82", 0, NvmlError.NOT_SUPPORTED.code());
    MemorySegment d0 = nvml.deviceHandle(0);

    var e =
        catchThrowableOfType(
            NvmlException.class, () -> nvml.fieldValue(d0, NvmlLibrary.FI_DEV_MEMORY_TEMP));

    assertThat(e.error()).isEqualTo(NvmlError.NOT_SUPPORTED);
    assertThat(e.function()).isEqualTo("nvmlDeviceGetFieldValues[82]");
  }

  @Test
  void aMissingLibraryIsLibraryNotFoundWithAClearMessage() {
    var e =
        catchThrowableOfType(
            NvmlException.class, () -> NvmlLibrary.open("/nonexistent/libnvidia-ml.so.1"));

    assertThat(e.error()).isEqualTo(NvmlError.LIBRARY_NOT_FOUND);
    assertThat(e.getMessage())
        .contains("cannot load /nonexistent/libnvidia-ml.so.1")
        .contains("no NVIDIA driver");
  }

  @Test
  void aFailedInitIsReportedAsNvmlSaidIt() {
    stub.initResult(NvmlError.DRIVER_NOT_LOADED.code());

    var e = catchThrowableOfType(NvmlException.class, () -> NvmlLibrary.open(stub.path()));

    assertThat(e.error()).isEqualTo(NvmlError.DRIVER_NOT_LOADED);
    assertThat(e.getMessage()).isEqualTo("nvmlInit_v2: DRIVER_NOT_LOADED (Driver Not Loaded)");
  }

  @Test
  void callsAfterCloseFailInsteadOfTouchingAnUnloadedLibrary() throws NvmlException {
    MemorySegment d0 = nvml.deviceHandle(0);
    nvml.close();

    var e = catchThrowableOfType(NvmlException.class, () -> nvml.powerUsageMilliwatts(d0));

    assertThat(e.error()).isEqualTo(NvmlError.UNINITIALIZED);
  }

  @Test
  void anOlderDriverLacksFunctionsAndTheOlderReasonsNameIsUsed() throws NvmlException {
    StubNvml old = StubNvml.load(StubNvml.OLD_DRIVER).reset(1);
    old.set("reasons", 0, 0x20);
    try (NvmlLibrary lib = NvmlLibrary.open(old.path())) {
      MemorySegment d0 = lib.deviceHandle(0);

      var e = catchThrowableOfType(NvmlException.class, () -> lib.marginTemperature(d0));

      assertThat(e.error()).isEqualTo(NvmlError.FUNCTION_NOT_FOUND);
      assertThat(lib.has("nvmlDeviceGetCurrentClocksEventReasons")).isFalse();
      assertThat(lib.clocksEventReasons(d0)).isEqualTo(0x20);
      assertThat(old.calls("nvmlDeviceGetCurrentClocksThrottleReasons")).isEqualTo(1);
    }
  }
}
