package io.kilowatch.collector.dcgm;

import io.kilowatch.store.Vocabulary;
import io.kilowatch.store.Vocabulary.Tag;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps dcgm-exporter series to one reading per GPU: tags {@code gpu} (index), {@code gpu_uuid} and
 * {@code model}, fields named with their unit ({@code power_w}, {@code energy_mj}...).
 *
 * <p>MIG: with MIG enabled, dcgm-exporter writes each device-level field (power, energy,
 * temperatures, clocks) once per MIG instance (label {@code GPU_I_ID}), repeating the parent GPU's
 * value; summing them would count the GPU's power several times. So a whole-GPU series (no {@code
 * GPU_I_ID}) is used when there is one, and the instances are ignored. When a GPU has only instance
 * series — dcgm-exporter emits no whole-GPU series for a GPU in MIG mode, as in the A800 scrape in
 * the tests — the instance with the lowest {@code GPU_I_ID} stands for the GPU, since they all
 * carry the same device value.
 */
public final class DcgmGpuMapper {
  private DcgmGpuMapper() {}

  /** DCGM field → our field. Several DCGM names may map to one field; the first listed wins. */
  static final Map<String, String> FIELDS = fields();

  private static Map<String, String> fields() {
    var m = new LinkedHashMap<String, String>();
    m.put("DCGM_FI_DEV_POWER_USAGE", Vocabulary.Gpu.POWER_W.name());
    m.put("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", Vocabulary.Gpu.ENERGY_MJ.name());
    m.put("DCGM_FI_DEV_GPU_TEMP", Vocabulary.Gpu.TEMP_C.name());
    m.put("DCGM_FI_DEV_MEMORY_TEMP", Vocabulary.Gpu.MEM_TEMP_C.name());
    m.put("DCGM_FI_DEV_GPU_UTIL", Vocabulary.Gpu.UTIL_PCT.name());
    m.put("DCGM_FI_DEV_SM_CLOCK", Vocabulary.Gpu.SM_CLOCK_MHZ.name());
    m.put("DCGM_FI_DEV_MEM_CLOCK", Vocabulary.Gpu.MEM_CLOCK_MHZ.name());
    m.put("DCGM_FI_DEV_POWER_MGMT_LIMIT", Vocabulary.Gpu.POWER_LIMIT_W.name());
    // The newer name first: exporters that still write both agree, and newer ones drop the old.
    m.put("DCGM_FI_DEV_CLOCKS_EVENT_REASONS", Vocabulary.Gpu.CLOCKS_EVENT_REASONS.name());
    m.put("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", Vocabulary.Gpu.CLOCKS_EVENT_REASONS.name());
    m.put("DCGM_FI_DEV_THERMAL_VIOLATION", Vocabulary.Gpu.THERMAL_VIOLATION_NS.name());
    m.put("DCGM_FI_DEV_GPU_TEMP_LIMIT", Vocabulary.Gpu.MARGIN_C.name());
    m.put("DCGM_FI_DEV_SLOWDOWN_TEMP", Vocabulary.Gpu.SLOWDOWN_TEMP_C.name());
    return java.util.Collections.unmodifiableMap(m);
  }

  /** One GPU's identity. */
  public record Gpu(String index, String uuid, String model) {
    /** Tags for the GPU's samples; the model only when the exporter names it. */
    public Map<String, String> tags() {
      var t = new TreeMap<String, String>();
      t.put(Tag.GPU, index);
      if (uuid != null) {
        t.put(Tag.GPU_UUID, uuid);
      }
      if (model != null) {
        t.put(Tag.MODEL, model);
      }
      return t;
    }
  }

  /** Readings by GPU, in the order GPUs first appear; values may be NaN or infinite. */
  public static Map<Gpu, Map<String, Double>> map(List<PrometheusTextParser.Series> series) {
    // Best candidate per (GPU, field): rank by whole-GPU first, then lowest MIG instance, then
    // preferred DCGM name.
    record Candidate(double value, boolean instance, long instanceId, int nameRank) {}
    Comparator<Candidate> better =
        Comparator.comparing(Candidate::instance)
            .thenComparingLong(Candidate::instanceId)
            .thenComparingInt(Candidate::nameRank);
    var names = List.copyOf(FIELDS.keySet());
    var byGpu = new LinkedHashMap<Gpu, Map<String, Candidate>>();
    for (var s : series) {
      String field = FIELDS.get(s.name());
      String index = s.labels().get(Tag.GPU);
      if (field == null || index == null) {
        // Series without a gpu label cannot be attributed to a GPU.
        continue;
      }
      String uuid = s.labels().get("UUID");
      var gpu = new Gpu(index, uuid, s.labels().get("modelName"));
      String instance = s.labels().get("GPU_I_ID");
      var candidate =
          new Candidate(s.value(), instance != null, instanceId(instance), names.indexOf(s.name()));
      byGpu
          .computeIfAbsent(gpu, g -> new LinkedHashMap<>())
          .merge(field, candidate, (a, b) -> better.compare(a, b) <= 0 ? a : b);
    }
    var out = new LinkedHashMap<Gpu, Map<String, Double>>();
    byGpu.forEach(
        (gpu, fields) -> {
          var values = new TreeMap<String, Double>();
          fields.forEach((f, c) -> values.put(f, c.value()));
          out.put(gpu, values);
        });
    return out;
  }

  static long instanceId(String id) {
    if (id == null) {
      return -1;
    }
    try {
      return Long.parseLong(id);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}
