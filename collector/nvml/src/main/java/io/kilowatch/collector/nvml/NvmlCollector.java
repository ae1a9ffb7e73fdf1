package io.kilowatch.collector.nvml;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.Readings;
import io.kilowatch.config.Device;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Vocabulary;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The GPUs of the machine kilowatch runs on, read through NVML: one {@code gpu} sample per GPU with
 * the fields and tags the dcgm collector uses ({@link GpuMetric}).
 *
 * <p>The poll fails as a whole (device down) only when NVML is unusable: no library, no driver, no
 * GPUs to count. A field NVML could not read this time is a BAD field; a field the GPU cannot give
 * at all is left out (it is no series).
 */
public final class NvmlCollector implements DeviceCollector {
  public static final String MEASUREMENT = Vocabulary.Gpu.MEASUREMENT;

  private final Device device;
  private final SiteConfig site;
  private final Clock clock;
  private final NvmlReader reader;
  private volatile Map<String, String> pointErrors = Map.of();

  /**
   * @param site for the {@code site} tag; may be null (the agent knows no site)
   */
  public NvmlCollector(Device device, Source.Nvml source, SiteConfig site, Clock clock) {
    this.device = Objects.requireNonNull(device, "device");
    this.site = site;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.reader = new NvmlReader(source.libraryOrDefault());
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public List<Sample> poll() throws IOException {
    List<GpuReading> gpus;
    try {
      gpus = reader.read();
    } catch (NvmlException e) {
      throw new IOException("NVML " + reader.library() + ": " + e.getMessage(), e);
    }
    var readings = new Readings(site, device, clock.instant());
    var errors = new LinkedHashMap<String, String>();
    for (GpuReading gpu : gpus) {
      var tags = gpu.tags();
      gpu.values().forEach((field, v) -> readings.add(MEASUREMENT, tags, field, v, Quality.GOOD));
      gpu.errors()
          .forEach(
              (field, error) -> {
                readings.add(MEASUREMENT, tags, field, Double.NaN, Quality.BAD);
                errors.put("gpu" + gpu.index() + "." + field, error.name());
              });
    }
    pointErrors = Map.copyOf(errors);
    return readings.samples();
  }

  @Override
  public Map<String, String> pointErrors() {
    return pointErrors;
  }

  @Override
  public void close() {
    reader.close();
  }
}
