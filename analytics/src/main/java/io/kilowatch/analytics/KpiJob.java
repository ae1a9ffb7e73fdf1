package io.kilowatch.analytics;

import io.kilowatch.config.Wording;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.Vocabulary.Kpi;
import io.kilowatch.store.Vocabulary.Tag;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes derived KPIs back into the store as measurement {@code kpi}, so their history is as cheap
 * to chart as any meter: hourly PUE, energies and emissions (site and per cluster) once each hour
 * is complete, and the risk score per cluster every {@code kpiInterval}.
 *
 * <p>Series: {@code kpi,scope=site} and {@code kpi,scope=cluster,cluster=<id>}; fields {@code pue}
 * (BAD quality, value NaN, when flagged), {@code pue_status} (ordinal of {@link KpiStatus}), {@code
 * facility_energy_kwh}, {@code it_energy_kwh}, {@code coverage}, {@code pue_category}, {@code
 * co2e_location_kg}, {@code co2e_market_kg}, {@code cue_kg_per_kwh}, {@code risk_score}, {@code
 * risk_level} (0 ok … 3 critical), {@code minutes_to_slowdown}. Hourly values are stamped with the
 * hour's start.
 */
public final class KpiJob implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KpiJob.class);

  /** On start, hours this far back are computed (again): a restart leaves no hole. */
  static final Duration BACKFILL = Duration.ofHours(6);

  /** Hours are written once their data has settled (late readings, store rollups). */
  static final Duration SETTLE = Duration.ofMinutes(2);

  private final Analytics analytics;
  private final Store store;
  private final Clock clock;
  private final Duration interval;
  private Instant nextHour;
  private volatile Thread thread;
  private volatile boolean closing;

  public KpiJob(Analytics analytics, Store store, Clock clock) {
    this.analytics = analytics;
    this.store = store;
    this.clock = clock;
    this.interval = analytics.site().analytics().kpiInterval();
  }

  public synchronized void start() {
    if (thread != null) {
      return;
    }
    // Platform: the KPI pass is CPU and store reads (native calls) for seconds at a large site;
    // on a virtual thread it would hold a carrier the poll loops need to wake on time.
    thread =
        Thread.ofPlatform()
            .daemon()
            .name("kpi-job")
            .start(
                () -> {
                  while (!closing) {
                    try {
                      runOnce(clock.instant());
                    } catch (RuntimeException e) {
                      log.warn(
                          "KPI job failed; next try in {}: {}",
                          Wording.duration(interval),
                          e.toString());
                    }
                    try {
                      Thread.sleep(interval);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return;
                    }
                  }
                });
  }

  /** Computes and writes what is due at {@code now}; returns what it wrote. */
  public synchronized List<Sample> runOnce(Instant now) {
    var out = new ArrayList<Sample>();
    Instant lastComplete = now.minus(SETTLE).truncatedTo(ChronoUnit.HOURS);
    if (nextHour == null) {
      nextHour = lastComplete.minus(BACKFILL);
    }
    // Without an energy model there is no PUE or carbon to write; risk still is.
    if (nextHour.isBefore(lastComplete) && analytics.site().energy() != null) {
      out.addAll(hourly(nextHour, lastComplete));
      nextHour = lastComplete;
    }
    out.addAll(risk(now));
    if (!out.isEmpty()) {
      store.write(out);
    }
    return out;
  }

  private List<Sample> hourly(Instant from, Instant to) {
    var out = new ArrayList<Sample>();
    var hour = new StepPlan.Step.Fixed(Duration.ofHours(1));
    PueReport pue = analytics.pue().compute(from, to, hour);
    CarbonReport carbon = analytics.carbon().compute(from, to, hour);
    for (int i = 0; i < pue.steps().size(); i++) {
      PueReport.StepPue s = pue.steps().get(i);
      CarbonReport.StepCarbon c = i < carbon.steps().size() ? carbon.steps().get(i) : null;
      var tags = Map.of(Tag.SCOPE, "site");
      out.add(pueSample(s.start(), tags, s.pue(), s.status()));
      var f = new TreeMap<String, Double>();
      put(f, Kpi.FACILITY_ENERGY_KWH.name(), s.facilityKwh());
      put(f, Kpi.IT_ENERGY_KWH.name(), s.itKwh());
      f.put(Kpi.COVERAGE.name(), s.coverage());
      f.put(Kpi.PUE_CATEGORY.name(), (double) pue.category());
      f.put(Kpi.PUE_STATUS.name(), (double) s.status().ordinal());
      if (c != null) {
        put(f, Kpi.CO2E_LOCATION_KG.name(), c.locationKg());
        put(f, Kpi.CO2E_MARKET_KG.name(), c.marketKg());
        if (c.locationKg() != null && s.itKwh() != null && s.itKwh() > 0) {
          f.put(Kpi.CUE_KG_PER_KWH.name(), c.locationKg() / s.itKwh());
        }
      }
      out.add(Sample.of(s.start(), Kpi.MEASUREMENT, tags, f));
    }
    // Per cluster, hour by hour: one-hour PUE reports so each hour carries its own status.
    for (Instant h = from; h.isBefore(to); h = h.plus(Duration.ofHours(1))) {
      PueReport one = analytics.pue().compute(h, h.plus(Duration.ofHours(1)), hour);
      for (PueReport.ClusterPue c : one.clusters()) {
        var tags = Map.of(Tag.SCOPE, "cluster", Tag.CLUSTER, c.cluster());
        out.add(pueSample(h, tags, c.pue(), c.status()));
        var f = new TreeMap<String, Double>();
        f.put(Kpi.IT_ENERGY_KWH.name(), c.itKwh());
        f.put(Kpi.FACILITY_ENERGY_KWH.name(), c.facilityShareKwh());
        f.put(Kpi.PUE_STATUS.name(), (double) c.status().ordinal());
        out.add(Sample.of(h, Kpi.MEASUREMENT, tags, f));
      }
    }
    return out;
  }

  private static void put(Map<String, Double> f, String k, Double v) {
    if (v != null) {
      f.put(k, v);
    }
  }

  /** A flagged PUE is stored as BAD (NaN), so charts show a gap, never a good-looking value. */
  private static Sample pueSample(
      Instant t, Map<String, String> tags, Double pue, KpiStatus status) {
    boolean ok = status == KpiStatus.OK && pue != null;
    return new Sample(
        t,
        Kpi.MEASUREMENT,
        new TreeMap<>(tags),
        new TreeMap<>(Map.of(Kpi.PUE.name(), ok ? pue : Double.NaN)),
        ok ? Quality.GOOD : Quality.BAD);
  }

  private List<Sample> risk(Instant now) {
    var out = new ArrayList<Sample>();
    // Assessed afresh and kept: the API answers from it until the next poll could change it.
    RiskReport r = analytics.risk().recent(now, Duration.ZERO);
    for (Risk c : r.clusters()) {
      var f = new TreeMap<String, Double>();
      f.put(Kpi.RISK_SCORE.name(), c.score());
      f.put(Kpi.RISK_LEVEL.name(), (double) c.level().ordinal());
      if (c.minutesToSlowdown() != null) {
        f.put(Kpi.MINUTES_TO_SLOWDOWN.name(), c.minutesToSlowdown());
      }
      out.add(
          Sample.of(now, Kpi.MEASUREMENT, Map.of(Tag.SCOPE, "cluster", Tag.CLUSTER, c.id()), f));
    }
    return out;
  }

  @Override
  public void close() {
    closing = true;
    Thread t = thread;
    if (t == null) {
      return;
    }
    t.interrupt();
    try {
      if (!t.join(Duration.ofSeconds(10))) {
        log.warn("KPI job did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
