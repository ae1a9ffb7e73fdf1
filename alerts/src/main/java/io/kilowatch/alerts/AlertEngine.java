package io.kilowatch.alerts;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.kilowatch.config.AlertsConfig;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStateListener;
import io.kilowatch.store.SeriesUnits;
import io.kilowatch.store.Store;
import io.kilowatch.time.Sleeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerting for one site: evaluates every rule on a schedule, keeps each alert instance's state
 * (saved under the data directory, so a restart neither re-fires nor forgets), applies silences,
 * groups notifications and delivers them through a persistent outbox.
 *
 * <pre>{@code
 * AlertEngine alerts = AlertEngine.open(site, store, dataDir.resolve("alerts"), Clock.systemUTC(),
 *     DeliveryOptions.DEFAULT);
 * scheduler.addListener(alerts.deviceListener());
 * alerts.start();
 * }</pre>
 */
public final class AlertEngine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertEngine.class);
  static final int HISTORY_LIMIT = 500;
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  private final SiteConfig site;
  private final AlertsConfig config;
  private final Clock clock;
  private final Sleeper sleeper;
  private final RuleEvaluator evaluator;
  private final Dispatcher dispatcher;
  private final Outbox outbox;
  private final Deliverer deliverer;
  private final StateFile stateFile;
  private final Map<String, Alert> instances = new LinkedHashMap<>();
  private final Deque<AlertEvent> history = new ArrayDeque<>();
  private final Map<String, Silence> silences = new LinkedHashMap<>();
  private volatile boolean running;
  private Thread evaluation;

  private AlertEngine(
      SiteConfig site,
      Store store,
      Path dir,
      Clock clock,
      Sleeper sleeper,
      DeliveryOptions options,
      SeriesUnits units) {
    this.site = site;
    this.config = site.alerts();
    this.clock = clock;
    this.sleeper = sleeper;
    ObjectMapper json = stateJson();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create alert state directory " + dir, e);
    }
    this.evaluator = new RuleEvaluator(site, store, units);
    this.dispatcher = new Dispatcher(config);
    this.outbox = new Outbox(dir.resolve("outbox"), json);
    Map<String, AlertsConfig.Receiver> receivers = new HashMap<>();
    config.receivers().forEach(r -> receivers.put(r.name(), r));
    this.deliverer = new Deliverer(outbox, receivers, options, clock, sleeper);
    this.stateFile = new StateFile(dir.resolve("state.json"), json);
    StateFile.Saved saved = stateFile.load();
    var ruleNames =
        config.rules().stream()
            .filter(r -> RuleChecks.evaluatesHere(site, r))
            .map(AlertsConfig.Rule::name)
            .toList();
    // Instances of rules no longer configured (or not evaluated here) are dropped: nothing would
    // ever resolve them.
    saved.alerts().stream()
        .filter(a -> ruleNames.contains(a.rule()))
        .forEach(a -> instances.put(a.fingerprint(), a));
    history.addAll(saved.history());
    saved.silences().forEach(s -> silences.put(s.id(), s));
    dispatcher.restore(saved.groups());
  }

  /**
   * Opens (or creates) the alert state in {@code dir}, in real time; nothing runs until {@link
   * #start()}.
   *
   * @param clock the time rules are evaluated at and delivery retries are scheduled by
   */
  public static AlertEngine open(
      SiteConfig site, Store store, Path dir, Clock clock, DeliveryOptions options) {
    return open(site, store, dir, clock, Sleeper.SYSTEM, options);
  }

  /**
   * As above, with the evaluation schedule and the waits between delivery attempts waited out by
   * {@code sleeper}.
   */
  public static AlertEngine open(
      SiteConfig site,
      Store store,
      Path dir,
      Clock clock,
      Sleeper sleeper,
      DeliveryOptions options) {
    return open(site, store, dir, clock, sleeper, options, new SeriesUnits(site));
  }

  /**
   * As above, with the catalog of series units shared with the rest of the instance (it holds the
   * units OPC UA servers declared).
   */
  public static AlertEngine open(
      SiteConfig site,
      Store store,
      Path dir,
      Clock clock,
      Sleeper sleeper,
      DeliveryOptions options,
      SeriesUnits units) {
    return new AlertEngine(site, store, dir, clock, sleeper, options, units);
  }

  /** Evaluates on the configured schedule and delivers in the background. */
  public synchronized void start() {
    startDelivery();
    running = true;
    evaluation = Thread.ofVirtual().name("alert-evaluation").start(this::evaluationLoop);
  }

  /** Delivers the outbox in the background without scheduled evaluation (tests evaluate). */
  public void startDelivery() {
    deliverer.start();
  }

  /** Feeds {@code device-down} rules; register with the poll scheduler before it starts. */
  public DeviceStateListener deviceListener() {
    return (previous, current) -> evaluator.deviceState(current.deviceId(), current.state());
  }

  public AlertsConfig config() {
    return config;
  }

  private void evaluationLoop() {
    Duration every = config.evaluationInterval();
    while (running) {
      try {
        evaluate(clock.instant());
      } catch (RuntimeException e) {
        log.error("alert evaluation failed; next try in {}", every, e);
      }
      try {
        sleeper.sleep(every);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Evaluates every rule once at {@code now}, moves instances through their states, queues due
   * notifications and saves the state.
   *
   * @return the pending and firing alerts after this evaluation
   */
  public synchronized List<Alert> evaluate(Instant now) {
    List<Alert> resolvedNow = new ArrayList<>();
    for (AlertsConfig.Rule rule : config.rules()) {
      if (!RuleChecks.evaluatesHere(site, rule)) {
        continue;
      }
      List<Observation> observations;
      try {
        observations = evaluator.observe(rule, now);
      } catch (RuntimeException e) {
        // One broken rule (or a store hiccup) must not stop the others; its instances stay as
        // they are rather than resolving on missing data.
        log.warn("rule {} not evaluated: {}", rule.name(), e.toString());
        continue;
      }
      Condition condition = Condition.of(rule);
      Map<String, Observation> seen = new LinkedHashMap<>();
      for (Observation o : observations) {
        SortedMap<String, String> labels = labels(rule, o.labels());
        String fp = Dispatcher.hash(labels.toString());
        seen.put(fp, o);
        Alert fresh =
            new Alert(
                fp,
                rule.name(),
                labels,
                Templates.annotations(
                    rule, labels, o.value(), evaluator.unitOf(rule), config.externalUrl()),
                AlertState.INACTIVE,
                o.value(),
                now,
                null,
                null,
                silencedBy(labels, now),
                null);
        Alert current = instances.get(fp);
        record(
            current,
            Transitions.step(
                current,
                fresh,
                o.value(),
                condition,
                rule.forDuration(),
                rule.keepFiringFor(),
                now),
            fp,
            now,
            resolvedNow);
      }
      for (Alert current : List.copyOf(instances.values())) {
        if (current.rule().equals(rule.name()) && !seen.containsKey(current.fingerprint())) {
          record(
              current,
              Transitions.step(
                  current, current, null, condition, rule.forDuration(), rule.keepFiringFor(), now),
              current.fingerprint(),
              now,
              resolvedNow);
        }
      }
    }
    instances.replaceAll((fp, a) -> a.withSilencedBy(silencedBy(a.labels(), now)));
    List<Alert> firing =
        instances.values().stream().filter(a -> a.state() == AlertState.FIRING).toList();
    List<OutboxMessage> due = dispatcher.update(firing, resolvedNow, now, outbox::waiting);
    for (OutboxMessage m : due) {
      try {
        // The group's newer state replaces what still waits: retries of the older notification
        // would otherwise reach a receiver after this one, contradicting it.
        outbox.supersede(m, outbox.waiting(m.receiver(), m.groupKey()));
      } catch (RuntimeException e) {
        // One refused notification (a full or failing outbox) must not cost the others, nor the
        // saved state: the outbox counts and logs it.
        log.error("alert notification {} not queued: {}", m.id(), e.getMessage());
      }
    }
    // Before the save, which may throw: the queued notifications are on disk already, and an idle
    // delivery loop wakes for nothing but a poke.
    if (!due.isEmpty()) {
      deliverer.poke();
    }
    save(now);
    return alerts();
  }

  private void record(Alert current, Alert next, String fp, Instant now, List<Alert> resolvedNow) {
    AlertState from = current == null ? AlertState.INACTIVE : current.state();
    AlertState to = next == null ? AlertState.INACTIVE : next.state();
    if (from != to) {
      Alert any = next != null ? next : current;
      history.addFirst(new AlertEvent(now, fp, any.rule(), any.labels(), from, to, any.value()));
      while (history.size() > HISTORY_LIMIT) {
        history.removeLast();
      }
      if (to == AlertState.FIRING || to == AlertState.RESOLVED) {
        log.info(
            "alert {} {} {} value {}",
            any.rule(),
            to.name().toLowerCase(java.util.Locale.ROOT),
            any.labels(),
            Templates.number(any.value()));
      }
    }
    if (next == null) {
      instances.remove(fp);
    } else if (next.state() == AlertState.RESOLVED) {
      instances.remove(fp);
      resolvedNow.add(next);
    } else {
      instances.put(fp, next);
    }
  }

  private SortedMap<String, String> labels(AlertsConfig.Rule rule, Map<String, String> series) {
    SortedMap<String, String> labels = new TreeMap<>(series);
    labels.putAll(rule.labels());
    labels.put("alertname", rule.name());
    labels.put("severity", rule.severity().name().toLowerCase(java.util.Locale.ROOT));
    if (site.site() != null && site.site().name() != null) {
      labels.putIfAbsent("site", site.site().name());
    }
    return labels;
  }

  private List<String> silencedBy(Map<String, String> labels, Instant now) {
    return silences.values().stream()
        .filter(s -> s.activeAt(now) && s.matches(labels))
        .map(Silence::id)
        .toList();
  }

  private void save(Instant now) {
    stateFile.save(
        new StateFile.Saved(
            now,
            List.copyOf(instances.values()),
            List.copyOf(history),
            List.copyOf(silences.values()),
            dispatcher.groups()));
  }

  /** Pending and firing alerts, firing first, then by rule. */
  public synchronized List<Alert> alerts() {
    return instances.values().stream()
        .sorted(
            Comparator.comparing((Alert a) -> a.state() != AlertState.FIRING)
                .thenComparing(Alert::rule)
                .thenComparing(a -> a.labels().toString()))
        .toList();
  }

  /** State changes, newest first (at most {@value #HISTORY_LIMIT}). */
  public synchronized List<AlertEvent> history() {
    return List.copyOf(history);
  }

  /** Every silence, active, future and expired, newest end first. */
  public synchronized List<Silence> silences() {
    return silences.values().stream()
        .sorted(Comparator.comparing(Silence::endsAt).reversed())
        .toList();
  }

  /**
   * Adds a silence; it takes effect at once for the page and at the next evaluation for delivery.
   */
  public synchronized Silence silence(
      List<Silence.Matcher> matchers,
      Instant startsAt,
      Instant endsAt,
      String createdBy,
      String comment) {
    Silence s =
        new Silence(UUID.randomUUID().toString(), matchers, startsAt, endsAt, createdBy, comment);
    silences.put(s.id(), s);
    Instant now = clock.instant();
    instances.replaceAll((fp, a) -> a.withSilencedBy(silencedBy(a.labels(), now)));
    save(now);
    log.info("silence {} by {} until {}: {}", s.id(), createdBy, endsAt, matchers);
    return s;
  }

  /** Ends a silence now; empty when there is no such silence. */
  public synchronized Optional<Silence> expire(String id) {
    Silence s = silences.get(id);
    if (s == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    Silence ended = s.endsAt().isAfter(now) ? s.expiredAt(now) : s;
    silences.put(id, ended);
    instances.replaceAll((fp, a) -> a.withSilencedBy(silencedBy(a.labels(), now)));
    save(now);
    return Optional.of(ended);
  }

  public Outbox outbox() {
    return outbox;
  }

  /** Firing counts per rule, and delivery per receiver, for {@code /metrics}. */
  public AlertMetrics metrics() {
    Map<String, Integer> firing = new HashMap<>();
    synchronized (this) {
      for (Alert a : instances.values()) {
        if (a.state() == AlertState.FIRING) {
          firing.merge(a.rule(), 1, Integer::sum);
        }
      }
    }
    List<AlertMetrics.Firing> rules =
        config.rules().stream()
            .map(
                r ->
                    new AlertMetrics.Firing(
                        r.name(),
                        r.severity().name().toLowerCase(java.util.Locale.ROOT),
                        firing.getOrDefault(r.name(), 0)))
            .toList();
    Map<String, Integer> pending = new HashMap<>();
    outbox.pending().forEach(m -> pending.merge(m.receiver(), 1, Integer::sum));
    List<AlertMetrics.Receiver> receivers = new ArrayList<>();
    deliverer
        .results()
        .forEach(
            (name, r) ->
                receivers.add(
                    new AlertMetrics.Receiver(
                        name,
                        r.delivered(),
                        r.failed(),
                        pending.getOrDefault(name, 0),
                        r.breaker().name().toLowerCase(java.util.Locale.ROOT))));
    return new AlertMetrics(outbox.counts(), rules, receivers);
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      running = false;
      t = evaluation;
    }
    if (t != null) {
      t.interrupt();
      try {
        if (!t.join(STOP_WAIT)) {
          log.warn("alert evaluation did not stop within {}", STOP_WAIT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    deliverer.close();
    outbox.close();
  }

  /** How the outbox and the state file read and write JSON (ISO times, unknown fields ignored). */
  static ObjectMapper stateJson() {
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }
}
