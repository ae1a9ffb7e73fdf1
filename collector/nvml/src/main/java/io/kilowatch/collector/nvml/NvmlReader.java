package io.kilowatch.collector.nvml;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every GPU of this machine through NVML, one {@link GpuReading} per GPU per call.
 *
 * <p>The library is loaded and the GPUs enumerated on the first {@link #read()}, and again after a
 * failure of the whole, so a driver that comes up after kilowatch is picked up. A field NVML
 * answers with {@code NOT_SUPPORTED} or {@code FUNCTION_NOT_FOUND} is marked unsupported for that
 * GPU, logged once, and never asked again; any other error makes the field bad for that poll only.
 * A GPU whose handle cannot be had (fallen off the bus) is reported with every field bad, and the
 * other GPUs go on.
 *
 * <p>Not thread-safe beyond {@link #close()}, which may come from another thread.
 */
public final class NvmlReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NvmlReader.class);

  private final String library;
  private NvmlLibrary nvml;
  private List<Gpu> gpus = List.of();
  private volatile boolean closed;

  /** One GPU's handle, identity and what it lacks. */
  private static final class Gpu {
    final int index;
    MemorySegment handle;
    String uuid;
    String model;
    final Map<GpuMetric, NvmlError> unsupported = new EnumMap<>(GpuMetric.class);

    Gpu(int index) {
      this.index = index;
    }
  }

  /**
   * @param library path or soname of NVML (see {@link NvmlLibrary#open(String)})
   */
  public NvmlReader(String library) {
    this.library = library;
  }

  /**
   * Reads every GPU.
   *
   * @throws NvmlException when NVML as a whole is unusable: the library is missing ({@link
   *     NvmlError#LIBRARY_NOT_FOUND}), {@code nvmlInit_v2} failed, or the GPUs cannot be counted
   */
  public synchronized List<GpuReading> read() throws NvmlException {
    if (closed) {
      throw new NvmlException("read", NvmlError.UNINITIALIZED, "reader closed");
    }
    if (nvml == null) {
      open();
    }
    var out = new ArrayList<GpuReading>(gpus.size());
    for (Gpu gpu : gpus) {
      out.add(read(gpu));
    }
    if (out.stream().anyMatch(r -> r.errors().containsValue(NvmlError.UNINITIALIZED))) {
      // The driver was reloaded or NVML shut down under us: handles are stale. Start afresh on
      // the next read (this one's bad fields stand).
      log.warn("NVML answered UNINITIALIZED; loading {} again on the next read", library);
      reset();
    }
    return out;
  }

  private void reset() {
    NvmlLibrary lib = nvml;
    nvml = null;
    gpus = List.of();
    if (lib != null) {
      lib.close();
    }
  }

  private void open() throws NvmlException {
    NvmlLibrary lib = NvmlLibrary.open(library);
    try {
      int count = lib.deviceCount();
      var found = new ArrayList<Gpu>(count);
      for (int i = 0; i < count; i++) {
        found.add(new Gpu(i));
      }
      this.nvml = lib;
      this.gpus = List.copyOf(found);
      log.info("NVML ({}): {} GPUs", library, count);
    } catch (NvmlException | RuntimeException e) {
      lib.close();
      throw e;
    }
  }

  private GpuReading read(Gpu gpu) {
    if (gpu.handle == null) {
      try {
        MemorySegment h = nvml.deviceHandle(gpu.index);
        // Identity is read once: it cannot change while the handle is valid.
        gpu.uuid = optional(gpu, () -> nvml.uuid(h), "uuid");
        gpu.model = optional(gpu, () -> nvml.name(h), "name");
        gpu.handle = h;
      } catch (NvmlException e) {
        var errors = new TreeMap<String, NvmlError>();
        for (GpuMetric m : GpuMetric.values()) {
          if (!gpu.unsupported.containsKey(m)) {
            errors.put(m.field(), e.error());
          }
        }
        log.debug("GPU {}: {}", gpu.index, e.getMessage());
        return new GpuReading(
            gpu.index, gpu.uuid, gpu.model, new TreeMap<>(), errors, unsupportedOf(gpu));
      }
    }
    var values = new TreeMap<String, Double>();
    var errors = new TreeMap<String, NvmlError>();
    for (GpuMetric m : GpuMetric.values()) {
      if (gpu.unsupported.containsKey(m)) {
        continue;
      }
      try {
        values.put(m.field(), m.read(nvml, gpu.handle));
      } catch (NvmlException e) {
        if (e.error().meansUnsupported()) {
          gpu.unsupported.put(m, e.error());
          log.info(
              "GPU {} ({}): {} not available ({}); not asked again",
              gpu.index,
              gpu.uuid,
              m.field(),
              e.getMessage());
        } else {
          errors.put(m.field(), e.error());
        }
      }
    }
    return new GpuReading(gpu.index, gpu.uuid, gpu.model, values, errors, unsupportedOf(gpu));
  }

  @FunctionalInterface
  private interface Call {
    String get() throws NvmlException;
  }

  private static String optional(Gpu gpu, Call call, String what) {
    try {
      return call.get();
    } catch (NvmlException e) {
      log.warn("GPU {}: no {} ({})", gpu.index, what, e.getMessage());
      return null;
    }
  }

  private static TreeMap<String, NvmlError> unsupportedOf(Gpu gpu) {
    var out = new TreeMap<String, NvmlError>();
    gpu.unsupported.forEach((m, e) -> out.put(m.field(), e));
    return out;
  }

  /** The library path or soname this reader loads. */
  public String library() {
    return library;
  }

  @Override
  public void close() {
    closed = true;
    NvmlLibrary lib;
    synchronized (this) {
      lib = nvml;
      nvml = null;
      gpus = List.of();
    }
    if (lib != null) {
      lib.close();
    }
  }
}
