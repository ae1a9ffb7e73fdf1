package io.kilowatch.collector.nvml;

import io.kilowatch.store.Vocabulary.Tag;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One GPU's readings from one poll.
 *
 * @param index NVML's device index
 * @param uuid {@code GPU-…}, or null when NVML could not say
 * @param model the product name ({@code NVIDIA H100 80GB HBM3}), or null
 * @param values good readings by field ({@code power_w}...)
 * @param errors fields NVML failed to read this time, with the reason; the GPU should have them
 * @param unsupported fields this GPU or driver cannot give at all; never asked again
 */
public record GpuReading(
    int index,
    String uuid,
    String model,
    SortedMap<String, Double> values,
    SortedMap<String, NvmlError> errors,
    SortedMap<String, NvmlError> unsupported) {

  public GpuReading {
    values = Collections.unmodifiableSortedMap(new TreeMap<>(values));
    errors = Collections.unmodifiableSortedMap(new TreeMap<>(errors));
    unsupported = Collections.unmodifiableSortedMap(new TreeMap<>(unsupported));
  }

  /** Tags as the dcgm collector writes them: {@code gpu}, {@code gpu_uuid}, {@code model}. */
  public Map<String, String> tags() {
    var t = new TreeMap<String, String>();
    t.put(Tag.GPU, Integer.toString(index));
    if (uuid != null) {
      t.put(Tag.GPU_UUID, uuid);
    }
    if (model != null) {
      t.put(Tag.MODEL, model);
    }
    return t;
  }
}
