package io.kilowatch.analytics;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.units.Quantity;
import io.kilowatch.store.Run;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.SeriesUnits;
import io.kilowatch.store.Store;
import io.kilowatch.store.Vocabulary;
import io.kilowatch.store.Vocabulary.Gpu;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

/**
 * Energy in kWh per meter, rack, cluster and site for any interval and step, by the rules in
 * analytics/README.md (R0–R5). Every screen, the API, {@code /metrics}, the KPI job and the reports
 * get their energy here.
 *
 * <p>Each device contributes from its cumulative energy counter when the store holds one, else from
 * its power. GPU nodes scraped from dcgm-exporter have no node-level series: their GPUs' {@code
 * gpu} series ({@code energy_mj} counters, else {@code power_w}) stand in for them. The store
 * answers with {@link Run}s (raw readings, or rollup bins that keep what the rules need), so a
 * month answered from rollups equals the month answered from raw readings.
 */
public final class EnergyEngine {

  private final SiteConfig site;
  private final Store store;
  private final ChannelResolver resolver;
  private final AnalyticsConfig settings;
  private final Clock clock;
  private final SeriesUnits units;

  public EnergyEngine(SiteConfig site, Store store) {
    this(site, store, Clock.systemUTC());
  }

  /**
   * @param clock tells the step in progress: its coverage is that of the part already measurable
   */
  public EnergyEngine(SiteConfig site, Store store, Clock clock) {
    this(site, store, clock, new SeriesUnits(site));
  }

  /**
   * @param units the unit of every series; each input is converted to kWh or kW with it
   */
  public EnergyEngine(SiteConfig site, Store store, Clock clock, SeriesUnits units) {
    this.clock = clock;
    this.site = site;
    this.store = store;
    this.resolver = new ChannelResolver(site);
    this.settings = site.analytics();
    this.units = units;
  }

  public SeriesUnits units() {
    return units;
  }

  /**
   * The factor from a series' stored unit to {@code code} ({@code kW.h}, {@code kW}, {@code L}), or
   * NaN when the catalog does not say that the series measures {@code quantity}: such a series is
   * left unknown rather than guessed.
   */
  double factor(Device d, String measurement, String field, Quantity quantity, String code) {
    return units
        .of(d.id(), measurement, field)
        .filter(u -> u.quantity() == quantity)
        .map(u -> u.factorTo(code))
        .orElse(Double.NaN);
  }

  public SiteConfig site() {
    return site;
  }

  Store store() {
    return store;
  }

  long nowMs() {
    return clock.millis();
  }

  long powerGapMs() {
    return settings.powerGapLimit().toMillis();
  }

  private long counterGapMs() {
    return settings.counterGapLimit() == null
        ? Long.MAX_VALUE
        : settings.counterGapLimit().toMillis();
  }

  /**
   * One series (or, for a GPU node, one set of GPU series) a device's energy is computed from.
   *
   * @param power the device's own power series, whose readings fill a counter reset (R1); null for
   *     power inputs
   */
  record Input(
      Device device,
      SeriesQuery query,
      SeriesLedger.Rules rules,
      SeriesQuery power,
      double powerFactor) {
    Input {
      if (Double.isNaN(powerFactor)) {
        // A power series of unknown unit cannot fill a counter reset.
        power = null;
        powerFactor = 0;
      }
    }

    boolean counter() {
      return rules.counter();
    }

    /** Whether the series' unit is known: one that is not contributes no energy, only a gap. */
    boolean unitKnown() {
      return !Double.isNaN(rules.factor());
    }
  }

  private SeriesLedger.Rules rules(Device d, boolean counter, double factor, double width) {
    return rules(counter, factor, width, d.interval().toMillis());
  }

  /** The rules of a series with the site's gap limits; {@code intervalMs} is its poll interval. */
  SeriesLedger.Rules rules(boolean counter, double factor, double width, long intervalMs) {
    return new SeriesLedger.Rules(counter, factor, width, counterGapMs(), powerGapMs(), intervalMs);
  }

  /** The inputs of one device: its counter, else its power, else its GPUs'. */
  List<Input> inputs(Device d, String energyField, String powerField) {
    String m = resolver.measurement(d, energyField);
    var ds = new ChannelResolver.DeviceSeries(d, new SeriesQuery(m, energyField, deviceTag(d)));
    String pm = powerField == null ? null : resolver.measurement(d, powerField);
    SeriesQuery pq = powerField == null ? null : new SeriesQuery(pm, powerField, deviceTag(d));
    double ef = factor(d, m, energyField, Quantity.ENERGY, KWH);
    double pf = powerField == null ? Double.NaN : factor(d, pm, powerField, Quantity.POWER, KW);
    if (!Double.isNaN(ef) && !ChannelResolver.totals(seriesOf(ds.query()), ds).isEmpty()) {
      return List.of(new Input(d, ds.query(), rules(d, true, ef, width(d, energyField)), pq, pf));
    }
    if (pq != null && !Double.isNaN(pf)) {
      var ps = new ChannelResolver.DeviceSeries(d, pq);
      if (!ChannelResolver.totals(seriesOf(pq), ps).isEmpty()) {
        return List.of(new Input(d, pq, rules(d, false, pf, 0), null, 0));
      }
    }
    if (d.kind() == DeviceKind.GPU_NODE) {
      var gq = new SeriesQuery(Gpu.MEASUREMENT, Gpu.ENERGY_MJ.name(), deviceTag(d));
      var gp = new SeriesQuery(Gpu.MEASUREMENT, Gpu.POWER_W.name(), deviceTag(d));
      double gef = factor(d, gq.measurement(), gq.field(), Quantity.ENERGY, KWH);
      double gpf = factor(d, gp.measurement(), gp.field(), Quantity.POWER, KW);
      if (seriesOf(gq).stream().anyMatch(gq::matches)) {
        return List.of(new Input(d, gq, rules(d, true, gef, 0), gp, gpf));
      }
      if (seriesOf(gp).stream().anyMatch(gp::matches)) {
        return List.of(new Input(d, gp, rules(d, false, gpf, 0), null, 0));
      }
    }
    // Nothing stored yet (or nothing of a known unit): the device still counts, as a series known
    // nowhere.
    return List.of(new Input(d, ds.query(), rules(d, true, ef, width(d, energyField)), pq, pf));
  }

  private static final String KWH = "kW.h";
  private static final String KW = "kW";

  /** How long the list of series of one measurement and field is reused. */
  private static final Duration SERIES_TTL = Duration.ofSeconds(30);

  private record Listed(long atNanos, List<SeriesKey> keys, DeviceKeys index) {}

  private final Map<List<String>, Listed> listed = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Every series of a measurement and field, listed once per {@link #SERIES_TTL}: a site with
   * thousands of PDUs would otherwise scan the catalogue once per PDU.
   */
  private DeviceKeys index(String measurement, String field) {
    long now = System.nanoTime();
    List<String> k = List.of(measurement, field);
    Listed l = listed.get(k);
    if (l == null || now - l.atNanos() > SERIES_TTL.toNanos()) {
      var keys = store.listSeries(new SeriesQuery(measurement, field, Map.of()));
      l = new Listed(now, keys, new DeviceKeys(keys));
      listed.put(k, l);
    }
    return l.index();
  }

  /** How old a listing may be before a device missing from it makes it listed again. */
  private static final Duration MISSING_TTL = Duration.ofSeconds(2);

  /**
   * The listed series of one measurement and field that can belong to the query's device. A device
   * not in a listing older than {@link #MISSING_TTL} has it listed again: on a site just started,
   * most meters' first readings land after the first listing, and each would otherwise count as
   * known nowhere (and its group with it) until the listing expired.
   */
  private java.util.Collection<SeriesKey> seriesOf(SeriesQuery q) {
    var found = index(q.measurement(), q.field()).candidates(q);
    if (found.isEmpty()) {
      List<String> k = List.of(q.measurement(), q.field());
      Listed l = listed.get(k);
      if (l != null && System.nanoTime() - l.atNanos() > MISSING_TTL.toNanos()) {
        listed.remove(k, l);
        found = index(q.measurement(), q.field()).candidates(q);
      }
    }
    return found;
  }

  /** The series that hold an input: the device's total, or every GPU of a GPU node. */
  private List<SeriesKey> keysOf(Input in) {
    if (!in.unitKnown()) {
      return List.of();
    }
    var idx = index(in.query().measurement(), in.query().field());
    if (in.device().kind() == DeviceKind.GPU_NODE
        && in.query().measurement().equals(Gpu.MEASUREMENT)) {
      return idx.matching(in.query());
    }
    return ChannelResolver.totals(
        idx.matching(in.query()), new ChannelResolver.DeviceSeries(in.device(), in.query()));
  }

  private static Map<String, String> deviceTag(Device d) {
    return Map.of(Vocabulary.Tag.DEVICE, d.id());
  }

  /**
   * A counter's range in its own unit: 2^bits × scale for an integer Modbus register (a UINT32 kWh
   * counter with scale 0.001 wraps at 4,294,967.296 kWh), 0 where it cannot wrap in practice (64
   * bits, floats, self-describing sources).
   */
  double width(Device d, String field) {
    if (d.source() instanceof io.kilowatch.config.Source.Push push) {
      return push.counterWidth(field).orElse(0);
    }
    if (d.profile() == null) {
      return 0;
    }
    var profile = site.profile(d.profile());
    if (profile.isPresent() && profile.get() instanceof Profile.Snmp snmp) {
      // An SNMP counter (Counter32, Unsigned32, a vendor's INTEGER) wraps at 2^32 x scale; a
      // Counter64 never does in practice. Only a scalar is a device's total (a column is per row).
      for (Profile.SnmpPoint p : snmp.scalars()) {
        if (p.field().equals(field)
            && p.tags().isEmpty()
            && p.kind() == Profile.PointKind.COUNTER) {
          return p.counterBits() == 32 ? p.counter().wrapSpan() : 0;
        }
      }
      return 0;
    }
    if (profile.isEmpty() || !(profile.get() instanceof Profile.Modbus mb)) {
      return 0;
    }
    for (Profile.ModbusPoint p : mb.points()) {
      if (p.field().equals(field) && p.tags().isEmpty()) {
        double scale = p.scale() == 0 ? 1 : Math.abs(p.scale());
        return switch (p.dataType()) {
          case UINT16, INT16 -> 65536.0 * scale;
          case UINT32, INT32 -> 4294967296.0 * scale;
          default -> 0;
        };
      }
    }
    return 0;
  }

  // ---- selections -------------------------------------------------------------------------

  /** The inputs of every device the channels select that also passes {@code keep}. */
  List<Input> inputs(List<Channel> channels, BiPredicate<Channel, Device> keep) {
    var out = new ArrayList<Input>();
    for (Channel c : channels) {
      for (Device d : resolver.devices(c)) {
        if (keep.test(c, d)) {
          out.addAll(inputs(d, c.energyField(), c.powerField()));
        }
      }
    }
    return out;
  }

  /** Energy of every device the channels select, summed. */
  public EnergySeries channels(
      String name, List<Channel> channels, Instant from, Instant to, StepPlan.Step step) {
    return group(name, inputs(channels, (c, d) -> true), plan(from, to, step)).series();
  }

  /** Each device of the channels on its own. */
  public Map<String, EnergySeries> perDevice(
      List<Channel> channels, Instant from, Instant to, StepPlan.Step step) {
    var out = new LinkedHashMap<String, EnergySeries>();
    StepPlan plan = plan(from, to, step);
    for (Channel c : channels) {
      for (Device d : resolver.devices(c)) {
        out.put(d.id(), group(d.id(), inputs(d, c.energyField(), c.powerField()), plan).series());
      }
    }
    return out;
  }

  /**
   * One device's energy, read with the fields of the energy-model channel that selects it (its
   * {@code energyField} and {@code powerField}), else {@code energy_kwh} and {@code power_w}.
   */
  public EnergySeries device(String id, Instant from, Instant to, StepPlan.Step step) {
    var d = site.device(id);
    StepPlan plan = plan(from, to, step);
    if (d.isEmpty()) {
      return group(id, List.of(), plan).series();
    }
    Channel found = null;
    var m = site.energy();
    if (m != null) {
      for (var list : List.of(m.facility(), m.it(), m.cooling(), m.losses(), m.other())) {
        for (Channel c : list) {
          if (found == null && resolver.devices(c).contains(d.get())) {
            found = c;
          }
        }
      }
    }
    String energyField = found == null ? "energy_kwh" : found.energyField();
    String powerField = found == null ? "power_w" : found.powerField();
    return group(id, inputs(d.get(), energyField, powerField), plan).series();
  }

  /** IT energy of one rack or cluster: the energy model's IT channels located there. */
  public EnergySeries itOf(
      String clusterId, String rackId, Instant from, Instant to, StepPlan.Step step) {
    return group(
            rackId != null ? rackId : clusterId, itInputs(clusterId, rackId), plan(from, to, step))
        .series();
  }

  List<Input> itInputs(String clusterId, String rackId) {
    if (site.energy() == null) {
      return List.of();
    }
    return inputs(
        site.energy().it(),
        (c, d) ->
            d.location() != null
                && (clusterId == null || clusterId.equals(d.location().cluster()))
                && (rackId == null || rackId.equals(d.location().rack())));
  }

  /** Energy of the devices the channels select that also pass {@code keep}, summed. */
  public EnergySeries select(
      String name,
      List<Channel> channels,
      BiPredicate<Channel, Device> keep,
      Instant from,
      Instant to,
      StepPlan.Step step) {
    return group(name, inputs(channels, keep), plan(from, to, step)).series();
  }

  /**
   * Increase of any cumulative counter of one device (a water meter, a heat meter) in {@code code}
   * ({@code L}, {@code kW.h}), converted from the counter's own unit, by the counter rules; unknown
   * when the counter's unit is not one of {@code quantity}.
   */
  public EnergySeries counter(
      String deviceId,
      String field,
      Quantity quantity,
      String code,
      Instant from,
      Instant to,
      StepPlan.Step step) {
    var d = site.device(deviceId);
    StepPlan plan = plan(from, to, step);
    if (d.isEmpty()) {
      return group(deviceId, List.of(), plan).series();
    }
    String m = resolver.measurement(d.get(), field);
    double factor = factor(d.get(), m, field, quantity, code);
    var q = new SeriesQuery(m, field, deviceTag(d.get()));
    var in = new Input(d.get(), q, rules(d.get(), true, factor, width(d.get(), field)), null, 0);
    return group(deviceId, List.of(in), plan).series();
  }

  StepPlan plan(Instant from, Instant to, StepPlan.Step step) {
    return StepPlan.of(from, to, step, site.site().timezone());
  }

  // ---- groups -----------------------------------------------------------------------------

  /** The energy of a group of inputs over a plan, with each series' ledger kept for R5. */
  final class Group {
    final String name;
    final StepPlan plan;
    final long[] edges;
    final long nowMs;
    final List<Input> inputs;
    final List<SeriesLedger> ledgers;
    final List<Input> ledgerInputs;
    final IntervalSet known;
    final EnergySource source;

    private Group(String name, StepPlan plan, List<Input> inputs, long nowMs) {
      this.name = name;
      this.plan = plan;
      this.edges = edges(plan);
      this.nowMs = nowMs;
      this.inputs = inputs;
      this.ledgers = new ArrayList<>();
      this.ledgerInputs = new ArrayList<>();
      var led = ledgers(inputs, plan);
      EnergySource src = EnergySource.NONE;
      // A group with no channels (no loss meter, no "other") holds nothing, known everywhere; a
      // configured device without any series is known nowhere.
      IntervalSet k = IntervalSet.of(edges[0], end());
      for (Input in : inputs) {
        List<SeriesLedger> ls = led.get(in);
        if (ls.isEmpty()) {
          k = IntervalSet.EMPTY;
          continue;
        }
        src = src.combine(in.counter() ? EnergySource.COUNTER : EnergySource.INTEGRATED);
        for (SeriesLedger l : ls) {
          ledgers.add(l);
          ledgerInputs.add(in);
          k = k.intersect(l.known);
        }
      }
      this.known = k;
      this.source = src;
    }

    /** The end of what can be measured: the period's end, or now. */
    long end() {
      return Math.min(edges[edges.length - 1], Math.max(edges[0], nowMs));
    }

    int size() {
      return edges.length - 1;
    }

    /** Time of step {@code i} that can be measured, ms. */
    long length(int i) {
      return Math.max(0, Math.min(edges[i + 1], nowMs) - edges[i]);
    }

    /** Energy per step over each series' own known time (R3). */
    double[] kwh() {
      double[] out = new double[size()];
      for (SeriesLedger l : ledgers) {
        for (int i = 0; i < out.length; i++) {
          out[i] += l.kwh[i];
        }
      }
      return out;
    }

    /** Energy per step inside {@code window}: Σ over the series of their energy there (R5). */
    double[] kwhIn(IntervalSet window) {
      return EnergyEngine.this.kwhIn(this, window);
    }

    /** Share of each step's measurable time inside {@code set}. */
    double coverage(IntervalSet set, int i) {
      long len = length(i);
      return len == 0 ? 0 : (double) set.measure(edges[i], edges[i] + len) / len;
    }

    double coverage(IntervalSet set) {
      long len = end() - edges[0];
      return len <= 0 ? 0 : (double) set.measure(edges[0], end()) / len;
    }

    /** Whether any series of the group was known somewhere in {@code [a, b)}. */
    boolean anyKnown(long a, long b) {
      for (SeriesLedger l : ledgers) {
        if (l.known.measure(a, b) > 0) {
          return true;
        }
      }
      return false;
    }

    Applied applied() {
      Applied a = Applied.NONE;
      for (SeriesLedger l : ledgers) {
        a = a.plus(l.applied);
      }
      return a;
    }

    EnergySeries series() {
      int n = size();
      var withSeries =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<Input, Boolean>());
      withSeries.addAll(ledgerInputs);
      var silent = inputs.stream().filter(in -> !withSeries.contains(in)).toList();
      double[] v = kwh();
      var steps = new ArrayList<EnergySeries.Step>(n);
      double total = 0;
      double gotAll = 0;
      double wantAll = 0;
      for (int i = 0; i < n; i++) {
        boolean any = false;
        double got = 0;
        double want = 0;
        for (int k = 0; k < ledgers.size(); k++) {
          SeriesLedger l = ledgers.get(k);
          any |= l.known.measure(edges[i], edges[i + 1]) > 0;
          double e = expected(ledgerInputs.get(k), i);
          got += Math.min(l.samples[i], e);
          want += e;
        }
        // An input without any series expects its readings too.
        for (Input in : silent) {
          want += expected(in, i);
        }
        gotAll += got;
        wantAll += want;
        if (any) {
          total += v[i];
        }
        steps.add(
            new EnergySeries.Step(
                plan.start(i),
                plan.end(i),
                any ? v[i] : null,
                inputs.isEmpty() ? 0 : coverage(known, i),
                want == 0 ? 0 : got / want));
      }
      Applied a = applied();
      return new EnergySeries(
          name,
          source,
          steps,
          inputs.isEmpty() ? 0 : coverage(known),
          wantAll == 0 ? 0 : gotAll / wantAll,
          total,
          a.resets().size(),
          a.wraps(),
          a.gapsLeft(),
          a);
    }

    private double expected(Input in, int i) {
      long len = length(i);
      return len <= 0 ? 0 : Math.max(1.0, (double) len / in.device().interval().toMillis());
    }
  }

  static long[] edges(StepPlan plan) {
    long[] e = new long[plan.edges().size()];
    for (int i = 0; i < e.length; i++) {
      e[i] = plan.edges().get(i).toEpochMilli();
    }
    return e;
  }

  Group group(String name, List<Input> inputs, StepPlan plan) {
    return new Group(name, plan, inputs, clock.millis());
  }

  // ---- reading the store -------------------------------------------------------------------

  /** Ledgers computed within one {@link #shared} call: a report reads each series once. */
  private final ThreadLocal<Map<List<Object>, List<SeriesLedger>>> memo = new ThreadLocal<>();

  /** Told of every run the engine reads, for a report's input hash. */
  public interface RunListener {
    void read(SeriesQuery query, Instant from, Instant to, SeriesKey key, List<Run> runs);
  }

  private final ThreadLocal<RunListener> listener = new ThreadLocal<>();

  /** Tells this thread's listener, if any, of a read made outside the engine's own scans. */
  void told(SeriesQuery query, Instant from, Instant to, SeriesKey key, List<Run> runs) {
    RunListener l = listener.get();
    if (l != null) {
      l.read(query, from, to, key, runs);
    }
  }

  /** Runs {@code work}, telling {@code l} of every read it makes on this thread. */
  public <T> T listening(RunListener l, Supplier<T> work) {
    RunListener before = listener.get();
    listener.set(l);
    try {
      return work.get();
    } finally {
      if (before == null) {
        listener.remove();
      } else {
        listener.set(before);
      }
    }
  }

  /** Runs {@code work} with the series read by its energy queries shared between them. */
  public <T> T shared(Supplier<T> work) {
    if (memo.get() != null) {
      return work.get();
    }
    memo.set(new HashMap<>());
    try {
      return work.get();
    } finally {
      memo.remove();
    }
  }

  /** How far the default (raw-only) store looks for a counter's neighbours beyond a range. */
  private static final Duration REACH = Duration.ofDays(2);

  Duration reach() {
    Duration c = settings.counterGapLimit();
    Duration r = c == null ? REACH : c;
    return r.compareTo(settings.powerGapLimit()) < 0 ? settings.powerGapLimit() : r;
  }

  /** The ledgers of each input over the plan, one store scan per measurement and field. */
  private Map<Input, List<SeriesLedger>> ledgers(List<Input> inputs, StepPlan plan) {
    long[] edges = edges(plan);
    var shared = memo.get();
    Map<Input, List<SeriesLedger>> out = new HashMap<>();
    var todo = new LinkedHashMap<List<String>, List<Input>>();
    for (Input in : inputs) {
      List<Object> key = List.of(in, plan.edges());
      if (shared != null && shared.containsKey(key)) {
        out.put(in, shared.get(key));
      } else {
        todo.computeIfAbsent(
                List.of(in.query().measurement(), in.query().field()), k -> new ArrayList<>())
            .add(in);
      }
    }
    for (var g : todo.entrySet()) {
      var byKey = new HashMap<SeriesKey, Input>();
      for (Input in : g.getValue()) {
        out.put(in, new ArrayList<>());
        for (SeriesKey k : keysOf(in)) {
          byKey.putIfAbsent(k, in);
        }
      }
      if (!byKey.isEmpty()) {
        scan(g.getKey(), byKey, edges, out);
      }
      if (shared != null) {
        for (Input in : g.getValue()) {
          shared.put(List.of(in, plan.edges()), out.get(in));
        }
      }
    }
    return out;
  }

  private void scan(
      List<String> kind,
      Map<SeriesKey, Input> byKey,
      long[] edges,
      Map<Input, List<SeriesLedger>> out) {
    long from = edges[0];
    long to = edges[edges.length - 1];
    var query = scanQuery(kind, byKey.keySet());
    RunListener l = listener.get();
    // Series with a reset are walked once the meter's power at the reset is known.
    var withResets = new LinkedHashMap<SeriesKey, List<Run>>();
    store.runs(
        query,
        Instant.ofEpochMilli(from),
        Instant.ofEpochMilli(to),
        reach(),
        (key, runs) -> {
          Input in = byKey.get(key);
          if (in == null) {
            return;
          }
          if (l != null) {
            l.read(query, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to), key, runs);
          }
          if (in.counter()
              && in.power() != null
              && !SeriesLedger.resets(runs, in.rules(), from, to).isEmpty()) {
            withResets.put(key, runs);
            return;
          }
          out.get(in).add(ledger(key, in, runs, edges, null));
        });
    for (var e : withResets.entrySet()) {
      Input in = byKey.get(e.getKey());
      out.get(in)
          .add(ledger(e.getKey(), in, e.getValue(), edges, fills(in, e.getValue(), from, to)));
    }
    // Every series of an input that had no run at all is still one of its series: known nowhere.
    for (var e : byKey.entrySet()) {
      List<SeriesLedger> ls = out.get(e.getValue());
      if (ls.stream().noneMatch(x -> x.key.equals(e.getKey()))) {
        ls.add(new SeriesLedger(e.getKey(), edges.length - 1));
      }
    }
  }

  private SeriesLedger ledger(
      SeriesKey key, Input in, List<Run> runs, long[] edges, Map<Long, Double> fills) {
    var l = new SeriesLedger(key, edges.length - 1);
    var tally = new Applied.Tally();
    var known = new IntervalSet.Builder();
    SeriesLedger.walk(runs, in.rules(), fills, new Spread(edges, l.kwh, null), tally, known);
    l.known = known.build().intersect(edges[0], edges[edges.length - 1]);
    l.applied = tally.done();
    l.fills = fills;
    for (Run r : runs) {
      if (r.lastMs() < edges[edges.length - 1] && r.lastMs() >= l.lastMs) {
        l.lastMs = r.lastMs();
        l.lastKw = in.counter() ? Double.NaN : r.last() * in.rules().factor();
      }
      if (r.firstMs() >= edges[0] && r.firstMs() < edges[edges.length - 1]) {
        int i = java.util.Arrays.binarySearch(edges, r.firstMs());
        i = i >= 0 ? i : -i - 2;
        l.samples[Math.min(i, l.samples.length - 1)] += r.count();
      }
    }
    return l;
  }

  /** The energy of each reset interval from the meter's power at both ends, where it exists. */
  private Map<Long, Double> fills(Input in, List<Run> runs, long from, long to) {
    var ds = new ChannelResolver.DeviceSeries(in.device(), in.power());
    return fills(
        in.rules(),
        in.power(),
        key -> !ChannelResolver.totals(List.of(key), ds).isEmpty(),
        in.powerFactor(),
        runs,
        from,
        to);
  }

  /**
   * The energy of each reset interval of a counter's {@code runs} from its meter's power at both
   * ends (R1), where that exists: {@code power} read for the series {@code ours} accepts, exactly
   * one of them.
   */
  Map<Long, Double> fills(
      SeriesLedger.Rules rules,
      SeriesQuery power,
      java.util.function.Predicate<SeriesKey> ours,
      double powerFactor,
      List<Run> runs,
      long from,
      long to) {
    var out = new HashMap<Long, Double>();
    long limit = powerGapMs();
    for (long[] r : SeriesLedger.resets(runs, rules, from, to)) {
      if (r[1] - r[0] > limit) {
        continue;
      }
      var found = new ArrayList<List<Run>>();
      store.runs(
          power,
          Instant.ofEpochMilli(r[0]),
          Instant.ofEpochMilli(r[1] + 1),
          settings.powerGapLimit(),
          (key, pr) -> {
            if (ours.test(key)) {
              found.add(pr);
            }
          });
      if (found.size() != 1) {
        continue;
      }
      double p0 = SeriesLedger.powerAt(found.getFirst(), r[0], limit);
      double p1 = SeriesLedger.powerAt(found.getFirst(), r[1], limit);
      if (Double.isFinite(p0) && Double.isFinite(p1)) {
        out.put(r[0], (p0 + p1) / 2 * powerFactor * (r[1] - r[0]) / 3_600_000.0);
      }
    }
    return out;
  }

  /**
   * The store query for one scan of a measurement and field: one series' own tags when only one is
   * wanted, else every series of the kind (one query for thousands of PDUs).
   */
  private static SeriesQuery scanQuery(List<String> kind, java.util.Set<SeriesKey> keys) {
    return keys.size() == 1
        ? new SeriesQuery(kind.get(0), kind.get(1), keys.iterator().next().tags())
        : new SeriesQuery(kind.get(0), kind.get(1), Map.of());
  }

  /** Scan ranges closer than this are read as one. */
  private static final long MERGE_MS = Duration.ofHours(6).toMillis();

  /**
   * Σ over the group's series of their energy inside {@code window} (R5), per step: each series'
   * own energy less what it holds in its known time outside the window, read again for just those
   * stretches.
   */
  private double[] kwhIn(Group g, IntervalSet window) {
    int n = g.size();
    double[] out = new double[n];
    var byKind = new LinkedHashMap<List<String>, Map<SeriesKey, Integer>>();
    var outside = new ArrayList<IntervalSet>();
    // Steps where a series has known time inside the window; elsewhere it adds exactly nothing
    // (subtracting its own energy from itself would leave rounding dust).
    var inside = new ArrayList<boolean[]>();
    var rangesBuilder = new LinkedHashMap<List<String>, IntervalSet.Builder>();
    for (int k = 0; k < g.ledgers.size(); k++) {
      SeriesLedger l = g.ledgers.get(k);
      IntervalSet in = l.known.intersect(window);
      boolean[] has = new boolean[n];
      for (int i = 0; i < n; i++) {
        has[i] = in.measure(g.edges[i], g.edges[i + 1]) > 0;
        if (has[i]) {
          out[i] += l.kwh[i];
        }
      }
      inside.add(has);
      IntervalSet d = l.known.minus(window);
      outside.add(d);
      if (d.isEmpty()) {
        continue;
      }
      Input input = g.ledgerInputs.get(k);
      var kind = List.of(input.query().measurement(), input.query().field());
      byKind.computeIfAbsent(kind, x -> new HashMap<>()).put(l.key, k);
      var b = rangesBuilder.computeIfAbsent(kind, x -> new IntervalSet.Builder());
      for (int i = 0; i < d.size(); i++) {
        b.add(d.start(i) - MERGE_MS / 2, d.end(i) + MERGE_MS / 2);
      }
    }
    for (var e : byKind.entrySet()) {
      IntervalSet ranges = rangesBuilder.get(e.getKey()).build();
      var keys = e.getValue();
      var query = scanQuery(e.getKey(), keys.keySet());
      for (int i = 0; i < ranges.size(); i++) {
        long a = Math.max(ranges.start(i), g.edges[0]);
        long b = Math.min(ranges.end(i), g.edges[n]);
        if (b <= a) {
          continue;
        }
        IntervalSet range = IntervalSet.of(a, b);
        store.runs(
            query,
            Instant.ofEpochMilli(a),
            Instant.ofEpochMilli(b),
            reach(),
            (key, runs) -> {
              Integer k = keys.get(key);
              if (k == null) {
                return;
              }
              SeriesLedger l = g.ledgers.get(k);
              double[] excess = new double[n];
              SeriesLedger.walk(
                  runs,
                  g.ledgerInputs.get(k).rules(),
                  l.fills,
                  new Spread(g.edges, excess, outside.get(k).intersect(range)),
                  null,
                  null);
              boolean[] has = inside.get(k);
              for (int s = 0; s < n; s++) {
                if (has[s]) {
                  out[s] -= excess[s];
                }
              }
            });
      }
    }
    return out;
  }
}
