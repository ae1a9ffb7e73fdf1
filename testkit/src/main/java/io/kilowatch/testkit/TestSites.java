package io.kilowatch.testkit;

import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Rack;
import io.kilowatch.config.Site;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.config.WebConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/** Builds configuration records in code, as the config loader would. */
public final class TestSites {
  public static final String SITE_NAME = "Test hall";

  private TestSites() {}

  public static Device device(
      String id, DeviceKind kind, Location location, String profile, Source source) {
    return new Device(
        id,
        kind,
        location,
        profile,
        source,
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        Map.of());
  }

  public static Device device(
      String id, DeviceKind kind, Source source, Duration interval, Duration timeout) {
    return new Device(id, kind, Location.FACILITY, null, source, interval, timeout, Map.of());
  }

  /** A site whose devices all sit at facility level. */
  public static SiteConfig site(List<Profile> profiles, List<Device> devices) {
    return new SiteConfig(
        null,
        new Site(SITE_NAME, ZoneId.of("UTC"), null, null),
        StoreConfig.embedded(Path.of("data")),
        WebConfig.DEFAULT,
        profiles,
        List.of(),
        devices,
        null);
  }

  /** A site with one cluster {@code c1} holding one rack {@code c1-r1} with these devices. */
  public static SiteConfig siteWithRack(List<Profile> profiles, List<Device> rackDevices) {
    return new SiteConfig(
        null,
        new Site(SITE_NAME, ZoneId.of("UTC"), null, null),
        StoreConfig.embedded(Path.of("data")),
        WebConfig.DEFAULT,
        profiles,
        List.of(new Cluster("c1", "Cluster 1", List.of(new Rack("c1-r1", rackDevices)), List.of())),
        List.of(),
        null);
  }
}
