package io.kilowatch.collector.opcua;

import io.kilowatch.collector.PollScheduler;
import io.kilowatch.collector.SampleSink;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import java.time.Clock;

/** OPC UA collectors for a configured device, its profile looked up as the application does. */
final class OpcUaCollectors {
  private OpcUaCollectors() {}

  /** A scheduler polling every device of {@code site} with OPC UA collectors. */
  static PollScheduler scheduler(SiteConfig site, SampleSink sink) {
    return new PollScheduler(site, sink, Clock.systemUTC(), d -> of(d, site));
  }

  static OpcUaCollector of(Device device, SiteConfig site) {
    var profile = (Profile.OpcUa) site.profile(device.profile()).orElseThrow();
    return new OpcUaCollector(
        device, (Source.OpcUa) device.source(), profile, site, Clock.systemUTC());
  }
}
