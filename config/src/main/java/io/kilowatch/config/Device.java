package io.kilowatch.config;

import java.time.Duration;
import java.util.Map;

/**
 * One polled (or pushing) device.
 *
 * @param profile id of the {@link Profile} that maps its registers or nodes; {@code null} for
 *     sources that describe themselves (dcgm, nvml, push)
 * @param interval time between polls; for a {@link Source.Push} device, how often its readings are
 *     expected
 * @param timeout how long one poll may take before the device is counted as failed (unused for a
 *     push device)
 * @param tags extra tags added to every sample of this device
 */
public record Device(
    String id,
    DeviceKind kind,
    Location location,
    String profile,
    Source source,
    Duration interval,
    Duration timeout,
    Map<String, String> tags) {

  public Device {
    tags = Map.copyOf(tags);
  }
}
