package io.kilowatch.analytics;

import io.kilowatch.analytics.carbon.Intensities;
import io.kilowatch.analytics.carbon.IntensityCache;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.SeriesUnits;
import io.kilowatch.store.Store;
import java.time.Clock;

/** The analytics engines of one site, built once and shared by the API and the KPI job. */
public final class Analytics {
  private final SiteConfig site;
  private final EnergyEngine energy;
  private final PueEngine pue;
  private final CarbonEngine carbon;
  private final RiskEngine risk;
  private final JobAttribution jobs;

  public Analytics(SiteConfig site, Store store, Clock clock) {
    this(site, store, clock, new SeriesUnits(site));
  }

  /**
   * @param units the unit of every series, shared with the collectors that learn some of them
   */
  public Analytics(SiteConfig site, Store store, Clock clock, SeriesUnits units) {
    this.site = site;
    this.energy = new EnergyEngine(site, store, clock, units);
    this.pue = new PueEngine(energy);
    IntensityCache cache =
        Intensities.cache(
            site.analytics().carbon(), site.site().timezone(), site.site().gridZone(), clock);
    this.carbon = new CarbonEngine(energy, pue, cache);
    this.risk = new RiskEngine(site, store, units);
    this.jobs = new JobAttribution(energy, pue, carbon);
  }

  public SiteConfig site() {
    return site;
  }

  public SeriesUnits units() {
    return energy.units();
  }

  public EnergyEngine energy() {
    return energy;
  }

  public PueEngine pue() {
    return pue;
  }

  public CarbonEngine carbon() {
    return carbon;
  }

  public RiskEngine risk() {
    return risk;
  }

  public JobAttribution jobs() {
    return jobs;
  }
}
