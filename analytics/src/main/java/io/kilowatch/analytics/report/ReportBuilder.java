package io.kilowatch.analytics.report;

import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.CarbonReport;
import io.kilowatch.analytics.ChannelResolver;
import io.kilowatch.analytics.EnergySeries;
import io.kilowatch.analytics.KpiStatus;
import io.kilowatch.analytics.PueReport;
import io.kilowatch.analytics.StepPlan;
import io.kilowatch.analytics.carbon.IntensityCache;
import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.units.Quantity;
import io.kilowatch.store.Store;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Report} from the analytics engines. All energy, PUE and carbon figures come from
 * {@code Analytics}; this class only arranges them, adds provenance and hashes the input.
 */
public final class ReportBuilder {
  /**
   * Told after each month (and the final whole-period step) is done. A step that throws stops the
   * build, the exception leaving {@link #build}: how a cancelled or overdue report is stopped month
   * by month.
   */
  public interface Progress {
    void step(int done, int total, String what);

    Progress NONE = (d, t, w) -> {};
  }

  private final Analytics analytics;
  private final Store store;
  private final String version;
  private final String configSha256;
  private volatile io.kilowatch.jobs.JobLedger jobs;

  /** The ledger whose jobs the report's job section is made of; without one the report has none. */
  public ReportBuilder jobs(io.kilowatch.jobs.JobLedger ledger) {
    this.jobs = ledger;
    return this;
  }

  public ReportBuilder(Analytics analytics, Store store, String version, String configSha256) {
    this.analytics = analytics;
    this.store = store;
    this.version = version;
    this.configSha256 = configSha256;
  }

  /**
   * A builder for a loaded site: the config hash is that of the file the site was loaded from
   * ({@code site.source()}), or of no bytes when it was built in code.
   */
  public static ReportBuilder forSite(SiteConfig site, Store store, String version)
      throws java.io.IOException {
    return forSite(new Analytics(site, store, java.time.Clock.systemUTC()), store, version);
  }

  /**
   * A builder on the process's shared {@link Analytics}, so a report reuses the carbon intensity
   * the API and the KPI job already fetched.
   */
  public static ReportBuilder forSite(Analytics analytics, Store store, String version)
      throws java.io.IOException {
    SiteConfig site = analytics.site();
    byte[] config =
        site.source() == null ? new byte[0] : java.nio.file.Files.readAllBytes(site.source());
    return new ReportBuilder(analytics, store, version, sha256(config));
  }

  /** SHA-256 of some bytes, lower-case hex. */
  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** How a cluster report's energy figures are allocated (reference.md §1, per-cluster PUE). */
  static final String ALLOCATION_RULE =
      "per-cluster PUE: E_IT from the cluster's IT meters; cooling = its own cooling devices (CDUs)"
          + " + it_share x the cooling no cluster is attributed; losses and other = it_share x the"
          + " site's; E_DC = E_IT + cooling + losses + other; it_share = E_IT,cluster / E_IT,site"
          + " over the period. Emissions and renewables: hour by hour, in proportion to the"
          + " cluster's part of each hour's E_DC";

  public Report build(Instant from, Instant to, String cluster, Progress progress) {
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from must be before to");
    }
    SiteConfig site = analytics.site();
    if (site.energy() == null) {
      throw new IllegalArgumentException(
          "energy reports are not configured: the site has no energy model (energy: section)");
    }
    if (cluster != null && site.clusters().stream().noneMatch(c -> c.id().equals(cluster))) {
      throw new IllegalArgumentException("unknown cluster: " + cluster);
    }
    var input = InputHash.start(store, site, from, to);
    return analytics
        .energy()
        .listening(input, () -> build(from, to, cluster, progress, site, input));
  }

  private Report build(
      Instant from,
      Instant to,
      String cluster,
      Progress progress,
      SiteConfig site,
      InputHash input) {
    var zone = site.site().timezone();
    var params = new Report.Params(site.site().name(), from, to, cluster, zone.getId());
    StepPlan plan = StepPlan.of(from, to, new StepPlan.Step.Month(), zone);
    int total = plan.size() + 2;
    var months = new ArrayList<Report.Month>();
    double peakKw = Double.NaN;
    var whole = new StepPlan.Step.Whole();
    var hour = new StepPlan.Step.Fixed(Duration.ofHours(1));
    EnergyModel model = site.energy();
    for (int i = 0; i < plan.size(); i++) {
      Instant s = max(plan.start(i), from);
      Instant e = min(plan.end(i), to);
      var month =
          analytics
              .energy()
              .shared(
                  () -> {
                    PueReport p = analytics.pue().compute(s, e, whole);
                    CarbonReport c = analytics.carbon().compute(s, e, whole);
                    EnergySeries it =
                        cluster == null
                            ? analytics.energy().channels("it", model.it(), s, e, hour)
                            : analytics.energy().itOf(cluster, null, s, e, hour);
                    return new Object[] {p, c, it};
                  });
      PueReport p = (PueReport) month[0];
      CarbonReport c = (CarbonReport) month[1];
      for (var st : ((EnergySeries) month[2]).steps()) {
        if (st.kwh() != null) {
          double hours = Duration.between(st.start(), st.end()).toMillis() / 3_600_000.0;
          double kw = st.kwh() / hours;
          peakKw = Double.isNaN(peakKw) ? kw : Math.max(peakKw, kw);
        }
      }
      months.add(month(s, e, p, c, cluster));
      progress.step(
          i + 1, total, "month " + s.atZone(zone).toLocalDate().toString().substring(0, 7));
    }
    var intensity = new IntensityCache.Hourly[1];
    var all =
        analytics
            .energy()
            .shared(
                () ->
                    new Object[] {
                      analytics.pue().compute(from, to, whole),
                      analytics.carbon().compute(from, to, whole, h -> intensity[0] = h),
                      meters(from, to, cluster),
                      jobs(from, to, cluster)
                    });
    PueReport pue = (PueReport) all[0];
    CarbonReport carbon = (CarbonReport) all[1];
    @SuppressWarnings("unchecked")
    var meters = (List<Report.MeterCoverage>) all[2];
    var jobSection = (Report.Jobs) all[3];
    progress.step(total - 1, total, "whole period");
    var hash = input.finish(intensity[0], from.truncatedTo(java.time.temporal.ChronoUnit.HOURS));
    progress.step(total, total, "input hash");
    double hours = Duration.between(from, to).toMillis() / 3_600_000.0;
    var clusterRows = clusters(pue, carbon, cluster);
    Double peak = Double.isNaN(peakKw) ? null : peakKw;
    var headline =
        cluster == null
            ? siteHeadline(pue, peak, hours)
            : clusterHeadline(pue, cluster, peak, hours);
    var co2 = carbon(carbon, cluster, headline);
    var detail = detail(from, to, cluster, site, months);
    var provenance =
        new Report.Provenance(
            version,
            configSha256,
            site.store().kind().name().toLowerCase(java.util.Locale.ROOT),
            params,
            hash.sha256(),
            hash.points(),
            hash.series(),
            hash.runs(),
            hash.intensityHours());
    return new Report(
        provenance,
        headline,
        months,
        clusterRows,
        co2,
        Eed.fields(site, headline, co2, pue),
        meters,
        jobSection,
        detail);
  }

  /** Two months: up to this many days a report breaks down by day, beyond by month. */
  static final long DAYS_BY_DAY = 62;

  /** Up to this many hours a report's charts show hours. */
  static final long HOURS_BY_HOUR = 48;

  /**
   * The breakdowns at the period's resolution and the settings the methodology quotes. Each step is
   * computed as a window of its own, exactly as a month is, so a day's figures are those a report
   * of that day would give.
   */
  private Report.Detail detail(
      Instant from, Instant to, String cluster, SiteConfig site, List<Report.Month> months) {
    var zone = site.site().timezone();
    Duration length = Duration.between(from, to);
    boolean byDay = length.compareTo(Duration.ofDays(DAYS_BY_DAY)) <= 0;
    List<Report.Month> breakdown =
        byDay ? windows(from, to, cluster, new StepPlan.Step.Day(), zone) : months;
    String breakdownStep = byDay ? "day" : "month";
    boolean byHour = length.compareTo(Duration.ofHours(HOURS_BY_HOUR)) <= 0;
    List<Report.Month> chart =
        byHour
            ? windows(from, to, cluster, new StepPlan.Step.Fixed(Duration.ofHours(1)), zone)
            : breakdown;
    var a = site.analytics();
    var carbon = a.carbon();
    var instruments = new ArrayList<String>();
    for (var i : carbon.instruments()) {
      instruments.add(
          String.format(
              java.util.Locale.ROOT,
              "%s: %s, %s MWh, %s to %s, %s g/kWh%s",
              i.name(),
              i.kind().name().toLowerCase(java.util.Locale.ROOT),
              BigDecimalText.of(i.mwh()),
              i.from(),
              i.to(),
              BigDecimalText.of(i.factorGPerKwh()),
              i.granularity() == null
                  ? ""
                  : ", matched by " + i.granularity().name().toLowerCase(java.util.Locale.ROOT)));
    }
    return new Report.Detail(
        breakdownStep,
        breakdown,
        byHour ? "hour" : breakdownStep,
        chart,
        a.coverageThreshold(),
        site.site().gridZone(),
        duration(a.powerGapLimit()),
        a.counterGapLimit() == null ? null : duration(a.counterGapLimit()),
        carbon.residualMixGPerKwh(),
        carbon.fallbackGPerKwh(),
        instruments);
  }

  private List<Report.Month> windows(
      Instant from, Instant to, String cluster, StepPlan.Step step, java.time.ZoneId zone) {
    StepPlan plan = StepPlan.of(from, to, step, zone);
    var whole = new StepPlan.Step.Whole();
    var out = new ArrayList<Report.Month>();
    for (int i = 0; i < plan.size(); i++) {
      Instant s = max(plan.start(i), from);
      Instant e = min(plan.end(i), to);
      if (!s.isBefore(e)) {
        continue;
      }
      var r =
          analytics
              .energy()
              .shared(
                  () ->
                      new Object[] {
                        analytics.pue().compute(s, e, whole),
                        analytics.carbon().compute(s, e, whole)
                      });
      out.add(month(s, e, (PueReport) r[0], (CarbonReport) r[1], cluster));
    }
    return out;
  }

  static String duration(Duration d) {
    return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
  }

  /** A number as written in a sentence: no trailing zeros, no exponent. */
  static final class BigDecimalText {
    private BigDecimalText() {}

    static String of(double v) {
      return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
  }

  /** The job section (J1–J5), or null without a ledger. */
  private Report.Jobs jobs(Instant from, Instant to, String cluster) {
    var ledger = jobs;
    if (ledger == null) {
      return null;
    }
    var r =
        analytics
            .jobs()
            .attribute(
                from,
                to,
                cluster,
                ledger.overlapping(from, to),
                io.kilowatch.analytics.JobAttribution.Detail.SUMMARY,
                io.kilowatch.analytics.JobAttribution.Scope.CLUSTER);
    var t = r.totals();
    return new Report.Jobs(
        r.jobs().size(),
        t.clusterItKwh(),
        t.jobsItKwh(),
        t.idleItKwh(),
        t.facilityKwh(),
        t.idleFacilityKwh(),
        t.locationKg(),
        t.marketKg(),
        t.coverage(),
        r.accounts().stream()
            .map(
                a ->
                    new Report.JobAccount(
                        a.account(),
                        a.jobs(),
                        a.gpuHours(),
                        a.itKwh(),
                        a.facilityKwh(),
                        a.locationKg(),
                        a.marketKg()))
            .toList(),
        r.jobs().stream()
            .limit(Report.TOP_JOBS)
            .map(
                j ->
                    new Report.TopJob(
                        j.job().id(),
                        j.job().account(),
                        j.job().user(),
                        j.gpuHours(),
                        j.itKwh(),
                        j.facilityKwh(),
                        j.locationKg(),
                        j.marketKg(),
                        j.coverage()))
            .toList());
  }

  private static Report.Headline siteHeadline(PueReport pue, Double peakKw, double hours) {
    var w = pue.window();
    return new Report.Headline(
        w.facilityKwh(),
        w.itKwh(),
        w.coolingKwh(),
        // Without a loss meter the engine reports 0 metered losses; the report shows the
        // derived remainder, marked computed.
        w.powerDeliveryDerived()
            ? w.facilityKwh() - w.itKwh() - w.coolingKwh() - w.otherKwh()
            : w.lossesKwh(),
        w.otherKwh(),
        w.pue(),
        w.status().name(),
        pue.category(),
        pue.itLevel(),
        w.coverage(),
        w.ppueCooling(),
        w.ppuePowerDelivery(),
        w.powerDeliveryDerived(),
        peakKw,
        hours > 0 ? w.itKwh() / hours : null,
        null,
        null);
  }

  /** A cluster's energy figures over a window, allocated as the PUE engine allocates them. */
  record ClusterEnergy(
      double facilityKwh,
      double itKwh,
      double coolingKwh,
      double lossesKwh,
      double otherKwh,
      double itShare,
      PueReport.ClusterPue pue) {

    static ClusterEnergy of(PueReport p, String cluster) {
      var w = p.window();
      var k =
          p.clusters().stream()
              .filter(x -> x.cluster().equals(cluster))
              .findFirst()
              .orElseThrow(() -> new IllegalArgumentException("unknown cluster: " + cluster));
      // The engine's share over a one-step window: E_IT,cluster / E_IT,site.
      double share = w.itKwh() > 0 ? k.itKwh() / w.itKwh() : 0;
      double attributed = p.clusters().stream().mapToDouble(PueReport.ClusterPue::coolingKwh).sum();
      double cooling = k.coolingKwh() + share * (w.coolingKwh() - attributed);
      double other = share * w.otherKwh();
      // Without a loss meter the losses are what the cluster's part of E_DC leaves.
      double losses =
          w.powerDeliveryDerived()
              ? k.facilityShareKwh() - k.itKwh() - cooling - other
              : share * w.lossesKwh();
      return new ClusterEnergy(k.facilityShareKwh(), k.itKwh(), cooling, losses, other, share, k);
    }
  }

  private static Report.Headline clusterHeadline(
      PueReport pue, String cluster, Double peakKw, double hours) {
    var c = ClusterEnergy.of(pue, cluster);
    boolean ok = c.pue().status() == KpiStatus.OK;
    return new Report.Headline(
        c.facilityKwh(),
        c.itKwh(),
        c.coolingKwh(),
        c.lossesKwh(),
        c.otherKwh(),
        c.pue().pue(),
        c.pue().status().name(),
        pue.category(),
        pue.itLevel(),
        c.pue().coverage(),
        ok ? (c.itKwh() + c.coolingKwh()) / c.itKwh() : null,
        ok ? (c.itKwh() + c.lossesKwh()) / c.itKwh() : null,
        pue.window().powerDeliveryDerived(),
        peakKw,
        hours > 0 ? c.itKwh() / hours : null,
        c.itShare(),
        ALLOCATION_RULE);
  }

  /** Site emissions, or the cluster's hourly allocated part with its own CUE and REF. */
  private Report.Carbon carbon(CarbonReport carbon, String cluster, Report.Headline h) {
    var t = carbon.totals();
    var ci = carbon.intensity();
    Double location = t.locationKg();
    Double market = t.marketKg();
    Double cueLocation = t.cueLocation();
    Double cueMarket = t.cueMarket();
    var renewables = t.renewables();
    Double ref = t.ref();
    if (cluster != null) {
      var cc =
          carbon.clusters().stream().filter(x -> x.cluster().equals(cluster)).findFirst().get();
      location = cc.locationKg();
      market = cc.marketKg();
      cueLocation = location == null || h.itKwh() <= 0 ? null : location / h.itKwh();
      cueMarket = market == null || h.itKwh() <= 0 ? null : market / h.itKwh();
      renewables = cc.renewables();
      // The renewables were shared hour by hour like E_DC, so REF is over that same E_DC.
      ref =
          t.ref() == null || cc.facilityShareKwh() <= 0
              ? null
              : renewables.totalKwh() / cc.facilityShareKwh();
    }
    return new Report.Carbon(
        location,
        market,
        cueLocation,
        cueMarket,
        t.status().name(),
        t.coverage(),
        ci.source(),
        ci.coverage(),
        ci.sourceHours(),
        ci.carriedForwardHours(),
        ci.fallbackHours(),
        renewables.totalKwh(),
        renewables,
        ref,
        t.wue().value(),
        t.wue().basis(),
        t.erf().value(),
        t.erf().basis());
  }

  private static Report.Month month(
      Instant s, Instant e, PueReport p, CarbonReport c, String cluster) {
    var w = p.window();
    var t = c.totals();
    Double intensity = c.steps().isEmpty() ? null : c.steps().getFirst().intensityGPerKwh();
    if (cluster != null) {
      var k = ClusterEnergy.of(p, cluster);
      var cc = c.clusters().stream().filter(x -> x.cluster().equals(cluster)).findFirst();
      return new Report.Month(
          s,
          e,
          k.facilityKwh(),
          k.itKwh(),
          k.coolingKwh(),
          k.facilityKwh() - k.itKwh() - k.coolingKwh(),
          k.pue().pue(),
          k.pue().status().name(),
          k.pue().coverage(),
          cc.map(CarbonReport.ClusterCarbon::locationKg).orElse(null),
          cc.map(CarbonReport.ClusterCarbon::marketKg).orElse(null),
          intensity);
    }
    boolean any = w.status() != KpiStatus.NO_DATA;
    return new Report.Month(
        s,
        e,
        any ? w.facilityKwh() : null,
        any ? w.itKwh() : null,
        any ? w.coolingKwh() : null,
        any ? w.facilityKwh() - w.itKwh() - w.coolingKwh() : null,
        w.pue(),
        w.status().name(),
        w.coverage(),
        t.locationKg(),
        t.marketKg(),
        intensity);
  }

  private static List<Report.ClusterRow> clusters(PueReport p, CarbonReport c, String only) {
    var out = new ArrayList<Report.ClusterRow>();
    for (var k : p.clusters()) {
      if (only != null && !only.equals(k.cluster())) {
        continue;
      }
      var cc = c.clusters().stream().filter(x -> x.cluster().equals(k.cluster())).findFirst();
      out.add(
          new Report.ClusterRow(
              k.cluster(),
              k.itKwh(),
              k.coolingKwh(),
              k.overheadKwh(),
              k.facilityShareKwh(),
              k.pue(),
              k.status().name(),
              cc.map(CarbonReport.ClusterCarbon::locationKg).orElse(null),
              cc.map(CarbonReport.ClusterCarbon::marketKg).orElse(null)));
    }
    return out;
  }

  private List<Report.MeterCoverage> meters(Instant from, Instant to, String cluster) {
    var site = analytics.site();
    var m = site.energy();
    var a = site.analytics();
    String gap = a.powerGapLimit().toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    String counterGap =
        a.counterGapLimit() == null
            ? "counters: every interval counts whatever its length"
            : "counters: intervals over "
                + a.counterGapLimit().toString().substring(2).toLowerCase(java.util.Locale.ROOT)
                + " not bridged";
    String rule =
        counterGap
            + "; power: holes over "
            + gap
            + " not bridged (energy missing, coverage lower); a wrap adds the register's width;"
            + " a reset is filled from the meter's power at both ends when the hole is at most "
            + gap
            + ", else with what the new register counted (analytics/README.md, R1-R2)";
    var out = new ArrayList<Report.MeterCoverage>();
    var whole = new StepPlan.Step.Whole();
    var roles =
        List.of(
            Map.entry("facility", m.facility()),
            Map.entry("it", m.it()),
            Map.entry("cooling", m.cooling()),
            Map.entry("losses", m.losses()),
            Map.entry("other", m.other()));
    for (var role : roles) {
      var per = analytics.energy().perDevice(role.getValue(), from, to, whole);
      for (var e : per.entrySet()) {
        if (cluster != null && role.getKey().equals("it") && !inCluster(e.getKey(), cluster)) {
          continue;
        }
        var s = e.getValue();
        out.add(
            new Report.MeterCoverage(
                role.getKey(),
                e.getKey(),
                s.source().name(),
                s.coverage(),
                s.steps().isEmpty() ? null : s.steps().getFirst().kwh(),
                s.resets(),
                s.wraps(),
                s.applied().gapsLeft(),
                rule,
                s.applied()));
      }
    }
    var onsite = a.carbon().onsiteGeneration();
    for (var meter : new AnalyticsConfig.Meter[] {a.water(), a.reuse(), onsite}) {
      if (meter != null) {
        boolean water = meter == a.water();
        var s =
            analytics
                .energy()
                .counter(
                    meter.device(),
                    meter.field(),
                    water ? Quantity.VOLUME : Quantity.ENERGY,
                    water ? "L" : "kW.h",
                    from,
                    to,
                    whole);
        out.add(
            new Report.MeterCoverage(
                meter == a.water() ? "water" : meter == onsite ? "onsite-generation" : "reuse",
                meter.device(),
                s.source().name(),
                s.coverage(),
                null,
                s.resets(),
                s.wraps(),
                s.applied().gapsLeft(),
                rule,
                s.applied()));
      }
    }
    return out;
  }

  private boolean inCluster(String deviceId, String cluster) {
    return analytics
        .site()
        .device(deviceId)
        .map(d -> d.location() != null && cluster.equals(d.location().cluster()))
        .orElse(false);
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  static ChannelResolver resolver(SiteConfig site) {
    return new ChannelResolver(site);
  }
}
