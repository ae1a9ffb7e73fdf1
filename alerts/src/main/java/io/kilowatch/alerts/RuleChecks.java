package io.kilowatch.alerts;

import io.kilowatch.config.AlertsConfig;
import io.kilowatch.config.Device;
import io.kilowatch.config.Durations;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Vocabulary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code kilowatch validate} and start-up say about rules that load but cannot work as
 * written: warnings, not errors, since the site still runs.
 *
 * <ul>
 *   <li>A rule whose window is shorter than {@value #WINDOW_FACTOR} write intervals of its series
 *       finds no reading in some evaluations: the alert resolves and fires again while nothing
 *       changed.
 *   <li>An instance that polls one shard of the site sees only part of it, so it does not evaluate
 *       series rules at all (see {@link #evaluatesHere}); the instance that sees the whole site
 *       does.
 * </ul>
 */
public final class RuleChecks {
  /** A window must hold at least this many write intervals of its series. */
  public static final int WINDOW_FACTOR = 2;

  /** KPI fields the KPI job writes every {@code analytics.kpiInterval}; the others hourly. */
  private static final Set<String> KPI_EVERY_INTERVAL =
      Set.of(
          Vocabulary.Kpi.RISK_SCORE.name(),
          Vocabulary.Kpi.RISK_LEVEL.name(),
          Vocabulary.Kpi.MINUTES_TO_SLOWDOWN.name());

  private RuleChecks() {}

  /** How often a rule's series is written, and what sets that. */
  record WriteInterval(Duration every, String setBy) {}

  /** The warnings for this site, each a sentence naming the rule; empty when there are none. */
  public static List<String> warnings(SiteConfig site) {
    List<String> out = new ArrayList<>();
    for (AlertsConfig.Rule rule : site.alerts().rules()) {
      if (rule.window() == null || !usesWindow(rule)) {
        continue;
      }
      writeInterval(site, rule)
          .filter(w -> rule.window().compareTo(w.every().multipliedBy(WINDOW_FACTOR)) < 0)
          .ifPresent(
              w ->
                  out.add(
                      "alerts rule '"
                          + rule.name()
                          + "': window "
                          + Durations.format(rule.window())
                          + " is shorter than "
                          + WINDOW_FACTOR
                          + " write intervals of "
                          + rule.measurement()
                          + "."
                          + rule.field()
                          + " ("
                          + Durations.format(w.every())
                          + ", "
                          + w.setBy()
                          + "): some evaluations find no reading, so the alert resolves and"
                          + " fires again while nothing changed; make the window at least "
                          + Durations.format(w.every().multipliedBy(WINDOW_FACTOR))));
    }
    List<String> skipped =
        site.alerts().rules().stream()
            .filter(r -> !evaluatesHere(site, r))
            .map(AlertsConfig.Rule::name)
            .toList();
    if (!skipped.isEmpty()) {
      out.add(
          "collector.shard "
              + site.collector().shard()
              + ": this instance polls part of the site, so it does not evaluate the series rules "
              + String.join(", ", skipped)
              + "; the instance that sees the whole site (collector.shard: none) does. Device-down"
              + " rules run here for the devices this instance polls");
    }
    return out;
  }

  /**
   * Whether this instance evaluates the rule. An instance polling one shard of several sees only
   * its own devices' states; a series rule evaluated on every shard against the shared store would
   * notify once per shard, and an {@code absent} one would report the other shards' devices. So
   * there only {@code device-down} rules run, for the devices polled there.
   */
  public static boolean evaluatesHere(SiteConfig site, AlertsConfig.Rule rule) {
    return site.collector().shard().count() <= 1 || rule.type() == AlertsConfig.Type.DEVICE_DOWN;
  }

  private static boolean usesWindow(AlertsConfig.Rule rule) {
    return switch (rule.type()) {
      case THRESHOLD, RATE, LOAD -> true;
      case ABSENT, DEVICE_DOWN -> false;
    };
  }

  /**
   * The slowest interval at which the series the rule selects are written: the KPI job's cadence
   * for KPI fields, else the poll interval of the slowest device whose profile writes that
   * measurement and field. Empty when unknown (pushed series, GPU nodes' own metrics).
   */
  static Optional<WriteInterval> writeInterval(SiteConfig site, AlertsConfig.Rule rule) {
    if (Vocabulary.Kpi.MEASUREMENT.equals(rule.measurement())) {
      return Optional.of(
          KPI_EVERY_INTERVAL.contains(rule.field())
              ? new WriteInterval(site.analytics().kpiInterval(), "analytics.kpiInterval")
              : new WriteInterval(Duration.ofHours(1), "hourly KPI"));
    }
    String onlyDevice = rule.tags().get("device");
    WriteInterval slowest = null;
    for (Device d : site.allDevices().toList()) {
      if (d.profile() == null
          || d.interval() == null
          || onlyDevice != null && !onlyDevice.equals(d.id())) {
        continue;
      }
      boolean writes =
          site.profile(d.profile()).stream()
              .flatMap(p -> p.points().stream())
              .anyMatch(
                  p ->
                      p.field().equals(rule.field())
                          && Vocabulary.measurementOf(p, d).equals(rule.measurement()));
      if (writes && (slowest == null || d.interval().compareTo(slowest.every()) > 0)) {
        slowest = new WriteInterval(d.interval(), "poll interval of device " + d.id());
      }
    }
    return Optional.ofNullable(slowest);
  }
}
