package io.kilowatch.collector.nvml;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NVML bound through {@code java.lang.foreign}: each method calls one NVML function and turns a
 * return code other than success into an {@link NvmlException} naming the function and the code.
 *
 * <p>Symbols are looked up when first used, so a driver that lacks a function (an older one, or a
 * function NVIDIA removed) fails only the calls of that function, with {@link
 * NvmlError#FUNCTION_NOT_FOUND}, the same code NVML itself uses for it.
 *
 * <p>Device handles are {@code nvmlDevice_t} pointers, valid until {@link #close()}. Calls are
 * serialised: NVML is thread-safe, but closing must not unload the library under a running call.
 */
public final class NvmlLibrary implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NvmlLibrary.class);

  /** NVML_DEVICE_NAME_V2_BUFFER_SIZE and NVML_DEVICE_UUID_V2_BUFFER_SIZE. */
  private static final int STRING_BUFFER = 96;

  /** {@code nvmlMarginTemperature_v1}: sizeof(struct) | version 1 << 24. */
  static final int MARGIN_TEMPERATURE_V1 = 0x0100_0008;

  /**
   * {@code nvmlFieldValue_t}: fieldId, scopeId, timestamp, latencyUsec, valueType, return, value.
   */
  private static final long FIELD_VALUE_SIZE = 40;

  private static final long FIELD_VALUE_TYPE = 24;
  private static final long FIELD_RETURN = 28;
  private static final long FIELD_VALUE = 32;

  public static final int TEMPERATURE_GPU = 0;
  public static final int CLOCK_SM = 1;
  public static final int CLOCK_MEM = 2;
  public static final int PERF_POLICY_POWER = 0;
  public static final int PERF_POLICY_THERMAL = 1;
  public static final int FI_DEV_MEMORY_TEMP = 82;

  /** {@code nvmlTemperatureThresholds_t}. */
  public enum Threshold {
    SHUTDOWN(0),
    SLOWDOWN(1),
    MEM_MAX(2),
    GPU_MAX(3);

    final int code;

    Threshold(int code) {
      this.code = code;
    }
  }

  private static final FunctionDescriptor DEV_PTR =
      FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
  private static final FunctionDescriptor DEV_INT_PTR =
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
  private static final FunctionDescriptor DEV_PTR_INT =
      FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);

  private final String library;
  private final Arena arena;
  private final SymbolLookup lookup;
  private final Linker linker = Linker.nativeLinker();
  private final Map<String, Optional<MethodHandle>> handles = new HashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private boolean closed;

  private NvmlLibrary(String library, Arena arena, SymbolLookup lookup) {
    this.library = library;
    this.arena = arena;
    this.lookup = lookup;
  }

  /**
   * Loads NVML and initialises it ({@code nvmlInit_v2}).
   *
   * @param library a path (anything with a {@code /}) or a soname searched the way {@code dlopen}
   *     does
   * @throws NvmlException {@link NvmlError#LIBRARY_NOT_FOUND} when the library cannot be loaded (no
   *     NVIDIA driver here), or the code {@code nvmlInit_v2} returned (for instance {@link
   *     NvmlError#DRIVER_NOT_LOADED} on a machine with the library but no GPU)
   */
  public static NvmlLibrary open(String library) throws NvmlException {
    Arena arena = Arena.ofShared();
    SymbolLookup lookup;
    try {
      lookup =
          library.contains("/")
              ? SymbolLookup.libraryLookup(Path.of(library), arena)
              : SymbolLookup.libraryLookup(library, arena);
    } catch (IllegalArgumentException e) {
      arena.close();
      throw new NvmlException(
          "dlopen",
          NvmlError.LIBRARY_NOT_FOUND,
          "cannot load " + library + ": no NVIDIA driver on this machine, or set the library path");
    }
    var nvml = new NvmlLibrary(library, arena, lookup);
    try {
      nvml.check("nvmlInit_v2", nvml.call("nvmlInit_v2", FunctionDescriptor.of(JAVA_INT)));
    } catch (NvmlException | RuntimeException e) {
      arena.close();
      throw e;
    }
    return nvml;
  }

  public String library() {
    return library;
  }

  public int deviceCount() throws NvmlException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment count = a.allocate(JAVA_INT);
      check(
          "nvmlDeviceGetCount_v2",
          call("nvmlDeviceGetCount_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS), count));
      return count.get(JAVA_INT, 0);
    }
  }

  public MemorySegment deviceHandle(int index) throws NvmlException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      check(
          "nvmlDeviceGetHandleByIndex_v2",
          call(
              "nvmlDeviceGetHandleByIndex_v2",
              FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS),
              index,
              out));
      return out.get(ADDRESS, 0);
    }
  }

  public String name(MemorySegment device) throws NvmlException {
    return string("nvmlDeviceGetName", device);
  }

  public String uuid(MemorySegment device) throws NvmlException {
    return string("nvmlDeviceGetUUID", device);
  }

  /** Board power in mW (a one-second average on Ampere and newer). */
  public long powerUsageMilliwatts(MemorySegment device) throws NvmlException {
    return unsignedInt("nvmlDeviceGetPowerUsage", device);
  }

  public long enforcedPowerLimitMilliwatts(MemorySegment device) throws NvmlException {
    return unsignedInt("nvmlDeviceGetEnforcedPowerLimit", device);
  }

  /**
   * Energy in mJ since the driver was loaded (it restarts from zero when the driver reloads). A
   * 64-bit unsigned counter: mJ would take 290 million years to pass {@code Long.MAX_VALUE}.
   */
  public long totalEnergyMillijoules(MemorySegment device) throws NvmlException {
    return unsignedLong("nvmlDeviceGetTotalEnergyConsumption", device);
  }

  public long temperature(MemorySegment device, int sensor) throws NvmlException {
    return unsignedIntWith("nvmlDeviceGetTemperature", device, sensor);
  }

  public long temperatureThreshold(MemorySegment device, Threshold type) throws NvmlException {
    return unsignedIntWith("nvmlDeviceGetTemperatureThreshold", device, type.code);
  }

  /** Degrees to the nearest slowdown threshold ({@code nvmlMarginTemperature_v1_t}). */
  public int marginTemperature(MemorySegment device) throws NvmlException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment margin = a.allocate(8, 4);
      margin.set(JAVA_INT, 0, MARGIN_TEMPERATURE_V1);
      check(
          "nvmlDeviceGetMarginTemperature",
          call("nvmlDeviceGetMarginTemperature", DEV_PTR, device, margin));
      return margin.get(JAVA_INT, 4);
    }
  }

  /**
   * One field through {@code nvmlDeviceGetFieldValues}; the field's own return code counts, not
   * only the call's.
   */
  public double fieldValue(MemorySegment device, int fieldId) throws NvmlException {
    String fn = "nvmlDeviceGetFieldValues";
    try (Arena a = Arena.ofConfined()) {
      MemorySegment v = a.allocate(FIELD_VALUE_SIZE, 8);
      v.set(JAVA_INT, 0, fieldId);
      check(
          fn, call(fn, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), device, 1, v));
      int rc = v.get(JAVA_INT, FIELD_RETURN);
      if (rc != 0) {
        throw new NvmlException(fn + "[" + fieldId + "]", NvmlError.of(rc), errorString(rc));
      }
      int type = v.get(JAVA_INT, FIELD_VALUE_TYPE);
      return switch (type) {
        case 0 -> v.get(java.lang.foreign.ValueLayout.JAVA_DOUBLE, FIELD_VALUE);
        case 1 -> Integer.toUnsignedLong(v.get(JAVA_INT, FIELD_VALUE));
        case 2, 3 -> unsignedToDouble(v.get(JAVA_LONG, FIELD_VALUE));
        case 4 -> v.get(JAVA_LONG, FIELD_VALUE);
        case 5 -> v.get(JAVA_INT, FIELD_VALUE);
        case 6 -> Short.toUnsignedInt(v.get(java.lang.foreign.ValueLayout.JAVA_SHORT, FIELD_VALUE));
        default ->
            throw new NvmlException(
                fn + "[" + fieldId + "]", NvmlError.UNRECOGNIZED, "value type " + type);
      };
    }
  }

  /** GPU and memory utilisation in percent. */
  public int[] utilization(MemorySegment device) throws NvmlException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment u = a.allocate(8, 4);
      check(
          "nvmlDeviceGetUtilizationRates",
          call("nvmlDeviceGetUtilizationRates", DEV_PTR, device, u));
      return new int[] {u.get(JAVA_INT, 0), u.get(JAVA_INT, 4)};
    }
  }

  public long clockMhz(MemorySegment device, int clockType) throws NvmlException {
    return unsignedIntWith("nvmlDeviceGetClockInfo", device, clockType);
  }

  /**
   * The clocks-event (throttle) reasons bitmask. Drivers before 535 only have the older name of the
   * same function, so that one is used when the new one is missing.
   */
  public long clocksEventReasons(MemorySegment device) throws NvmlException {
    try {
      return unsignedLong("nvmlDeviceGetCurrentClocksEventReasons", device);
    } catch (NvmlException e) {
      if (e.error() != NvmlError.FUNCTION_NOT_FOUND) {
        throw e;
      }
      return unsignedLong("nvmlDeviceGetCurrentClocksThrottleReasons", device);
    }
  }

  /** Cumulative time in ns that clocks were held down by a policy (power or thermal). */
  public long violationTimeNanos(MemorySegment device, int policy) throws NvmlException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment v = a.allocate(16, 8);
      check(
          "nvmlDeviceGetViolationStatus",
          call("nvmlDeviceGetViolationStatus", DEV_INT_PTR, device, policy, v));
      return v.get(JAVA_LONG, 8);
    }
  }

  /** NVML's own text for a return code. */
  public String errorString(int code) {
    try {
      Object s = call("nvmlErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT), code);
      MemorySegment text = (MemorySegment) s;
      return text.equals(MemorySegment.NULL) ? "" : text.reinterpret(256).getString(0);
    } catch (NvmlException | RuntimeException e) {
      return "";
    }
  }

  /** Whether the library exports {@code function}. */
  public boolean has(String function) {
    return lookup.find(function).isPresent();
  }

  /** {@code nvmlShutdown}, then unloads the library; waits at most two seconds for a call. */
  @Override
  public void close() {
    try {
      if (!lock.tryLock(2, TimeUnit.SECONDS)) {
        log.warn("NVML call still running after 2 s; leaving {} loaded", library);
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        int rc = (int) invoke("nvmlShutdown", FunctionDescriptor.of(JAVA_INT));
        if (rc != 0) {
          log.debug("nvmlShutdown returned {}", NvmlError.of(rc));
        }
      } catch (NvmlException | RuntimeException e) {
        log.debug("nvmlShutdown failed: {}", e.toString());
      }
      arena.close();
    } finally {
      lock.unlock();
    }
  }

  // ---- plumbing ----

  private String string(String fn, MemorySegment device) throws NvmlException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(STRING_BUFFER);
      check(fn, call(fn, DEV_PTR_INT, device, buf, STRING_BUFFER));
      return buf.getString(0);
    }
  }

  private long unsignedInt(String fn, MemorySegment device) throws NvmlException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(JAVA_INT);
      check(fn, call(fn, DEV_PTR, device, out));
      return Integer.toUnsignedLong(out.get(JAVA_INT, 0));
    }
  }

  private long unsignedIntWith(String fn, MemorySegment device, int arg) throws NvmlException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(JAVA_INT);
      check(fn, call(fn, DEV_INT_PTR, device, arg, out));
      return Integer.toUnsignedLong(out.get(JAVA_INT, 0));
    }
  }

  private long unsignedLong(String fn, MemorySegment device) throws NvmlException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(JAVA_LONG);
      check(fn, call(fn, DEV_PTR, device, out));
      long v = out.get(JAVA_LONG, 0);
      if (v < 0) {
        throw new NvmlException(
            fn, NvmlError.UNRECOGNIZED, Long.toUnsignedString(v) + " overflows");
      }
      return v;
    }
  }

  private static double unsignedToDouble(long v) {
    return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
  }

  private void check(String fn, Object rc) throws NvmlException {
    int code = (int) rc;
    if (code != 0) {
      throw new NvmlException(fn, NvmlError.of(code), code == 999 ? "" : errorString(code));
    }
  }

  private Object call(String fn, FunctionDescriptor descriptor, Object... args)
      throws NvmlException {
    lock.lock();
    try {
      if (closed) {
        throw new NvmlException(fn, NvmlError.UNINITIALIZED, "library closed");
      }
      return invoke(fn, descriptor, args);
    } finally {
      lock.unlock();
    }
  }

  private Object invoke(String fn, FunctionDescriptor descriptor, Object... args)
      throws NvmlException {
    MethodHandle h =
        handles
            .computeIfAbsent(
                fn, name -> lookup.find(name).map(s -> linker.downcallHandle(s, descriptor)))
            .orElseThrow(
                () -> new NvmlException(fn, NvmlError.FUNCTION_NOT_FOUND, "not in " + library));
    try {
      return h.invokeWithArguments(args);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(fn + " failed", t);
    }
  }
}
