package io.kilowatch.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A whole site as described by one YAML file: the root of the configuration model.
 *
 * <p>Built only by {@link ConfigLoader}, which validates everything before constructing it, so code
 * that receives a {@code SiteConfig} may rely on ids being unique and references resolving.
 *
 * @param source the file it was loaded from (for messages), or {@code null} when built in code
 * @param devices facility-level devices that belong to no cluster (main meter, cooling plant)
 * @param collector how this instance collects (which shard of the devices it polls)
 * @param analytics settings of the energy, carbon and risk analytics (defaults when absent)
 * @param alerts alert rules, receivers and routes; {@link AlertsConfig#NONE} when not configured
 * @param jobs where job records come from; {@link JobsConfig#NONE} when not configured
 */
public record SiteConfig(
    Path source,
    Site site,
    StoreConfig store,
    WebConfig web,
    List<Profile> profiles,
    List<Cluster> clusters,
    List<Device> devices,
    EnergyModel energy,
    CollectorConfig collector,
    AnalyticsConfig analytics,
    AlertsConfig alerts,
    JobsConfig jobs) {

  public SiteConfig {
    jobs = jobs == null ? JobsConfig.NONE : jobs;
    collector = collector == null ? CollectorConfig.DEFAULT : collector;
    profiles = List.copyOf(profiles);
    clusters = List.copyOf(clusters);
    devices = List.copyOf(devices);
    analytics = analytics == null ? AnalyticsConfig.DEFAULT : analytics;
    alerts = alerts == null ? AlertsConfig.NONE : alerts;
  }

  /** A site with default collection and analytics settings and no alerting. */
  public SiteConfig(
      Path source,
      Site site,
      StoreConfig store,
      WebConfig web,
      List<Profile> profiles,
      List<Cluster> clusters,
      List<Device> devices,
      EnergyModel energy) {
    this(source, site, store, web, profiles, clusters, devices, energy, null, null, null, null);
  }

  /** A site without job sources. */
  public SiteConfig(
      Path source,
      Site site,
      StoreConfig store,
      WebConfig web,
      List<Profile> profiles,
      List<Cluster> clusters,
      List<Device> devices,
      EnergyModel energy,
      CollectorConfig collector,
      AnalyticsConfig analytics,
      AlertsConfig alerts) {
    this(
        source, site, store, web, profiles, clusters, devices, energy, collector, analytics, alerts,
        null);
  }

  /** Every device of the site, facility-level first, then cluster, then rack devices. */
  public Stream<Device> allDevices() {
    return Stream.concat(
        devices.stream(),
        clusters.stream()
            .flatMap(
                c ->
                    Stream.concat(
                        c.devices().stream(),
                        c.racks().stream().flatMap(r -> r.devices().stream()))));
  }

  /** The same site collected with other settings, e.g. a shard given on the command line. */
  public SiteConfig withAnalytics(AnalyticsConfig analytics) {
    return new SiteConfig(
        source, site, store, web, profiles, clusters, devices, energy, collector, analytics, alerts,
        jobs);
  }

  public SiteConfig withAlerts(AlertsConfig alerts) {
    return new SiteConfig(
        source, site, store, web, profiles, clusters, devices, energy, collector, analytics, alerts,
        jobs);
  }

  public SiteConfig withCollector(CollectorConfig collector) {
    return new SiteConfig(
        source, site, store, web, profiles, clusters, devices, energy, collector, analytics, alerts,
        jobs);
  }

  public SiteConfig withJobs(JobsConfig jobs) {
    return new SiteConfig(
        source, site, store, web, profiles, clusters, devices, energy, collector, analytics, alerts,
        jobs);
  }

  public Optional<Device> device(String id) {
    return id == null ? Optional.empty() : Optional.ofNullable(DeviceIndex.of(this).get(id));
  }

  public Optional<Profile> profile(String id) {
    // A profile whose id was missing is still listed (and reported) while the rest is checked.
    return profiles.stream().filter(p -> java.util.Objects.equals(p.id(), id)).findFirst();
  }

  public Optional<Cluster> cluster(String id) {
    return clusters.stream().filter(c -> c.id().equals(id)).findFirst();
  }
}
