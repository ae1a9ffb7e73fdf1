package io.kilowatch.analytics;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Bucket;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.Vocabulary;
import io.kilowatch.store.Vocabulary.Gpu;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Energy in kWh per meter channel, rack, cluster and site for any interval and step.
 *
 * <p>Each device contributes from its cumulative energy counter when the store holds one, else by
 * integrating its power. GPU nodes scraped from dcgm-exporter have no node-level series: their
 * GPUs' {@code gpu} series ({@code energy_mj} counters, else {@code power_w}) stand in for them.
 *
 * <p>Intervals up to {@code rawWindow} are computed from raw readings (exact gap, reset and wrap
 * handling, see {@link SeriesEnergy}); longer ones from the store's rollups through {@link
 * Aggregate#COUNTER_DELTA} and {@link Aggregate#MEAN}, which is exact for counters up to the
 * store's own reset rule and for power up to the bucket mean (the raw readings are gone by then).
 */
public final class EnergyEngine {

  private final SiteConfig site;
  private final Store store;
  private final ChannelResolver resolver;
  private final AnalyticsConfig settings;

  private final java.time.Clock clock;

  public EnergyEngine(SiteConfig site, Store store) {
    this(site, store, java.time.Clock.systemUTC());
  }

  /**
   * @param clock tells the step in progress: readings are expected only up to now, so the current
   *     step's coverage is that of the part already measurable
   */
  public EnergyEngine(SiteConfig site, Store store, java.time.Clock clock) {
    this.clock = clock;
    this.site = site;
    this.store = store;
    this.resolver = new ChannelResolver(site);
    this.settings = site.analytics();
  }

  public SiteConfig site() {
    return site;
  }

  /** One series a device's energy is computed from. */
  record Input(Device device, SeriesQuery query, boolean counter, double factor, double modulus) {}

  /** The inputs of one device: its counter, else its power, else its GPUs'. */
  List<Input> inputs(Device d, String energyField, String powerField) {
    String m = resolver.measurement(d, energyField);
    var ds = new ChannelResolver.DeviceSeries(d, new SeriesQuery(m, energyField, deviceTag(d)));
    if (!ChannelResolver.totals(seriesOf(ds.query()), ds).isEmpty()) {
      return List.of(
          new Input(
              d, ds.query(), true, FieldUnit.of(energyField).factor(), modulus(d, energyField)));
    }
    String pm = resolver.measurement(d, powerField);
    var ps = new ChannelResolver.DeviceSeries(d, new SeriesQuery(pm, powerField, deviceTag(d)));
    if (!ChannelResolver.totals(seriesOf(ps.query()), ps).isEmpty()) {
      return List.of(new Input(d, ps.query(), false, FieldUnit.of(powerField).factor(), 0));
    }
    if (d.kind() == DeviceKind.GPU_NODE) {
      var gq = new SeriesQuery(Gpu.MEASUREMENT, Gpu.ENERGY_MJ.name(), deviceTag(d));
      if (seriesOf(gq).stream().anyMatch(gq::matches)) {
        return List.of(new Input(d, gq, true, FieldUnit.MJ.factor(), 0));
      }
      var gp = new SeriesQuery(Gpu.MEASUREMENT, Gpu.POWER_W.name(), deviceTag(d));
      if (seriesOf(gp).stream().anyMatch(gp::matches)) {
        return List.of(new Input(d, gp, false, FieldUnit.W.factor(), 0));
      }
    }
    return List.of(new Input(d, ds.query(), true, FieldUnit.of(energyField).factor(), 0));
  }

  /** How long the list of series of one measurement and field is reused. */
  private static final Duration SERIES_TTL = Duration.ofSeconds(30);

  private record Listed(long atNanos, List<SeriesKey> keys, DeviceKeys index) {}

  private final Map<List<String>, Listed> listed = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Every series of a measurement and field, listed once per {@link #SERIES_TTL}: a site with
   * thousands of PDUs would otherwise scan the catalogue once per PDU.
   */
  private List<SeriesKey> seriesOf(String measurement, String field) {
    long now = System.nanoTime();
    List<String> k = List.of(measurement, field);
    Listed l = listed.get(k);
    if (l == null || now - l.atNanos() > SERIES_TTL.toNanos()) {
      var keys = store.listSeries(new SeriesQuery(measurement, field, Map.of()));
      l = new Listed(now, keys, new DeviceKeys(keys));
      listed.put(k, l);
    }
    return l.keys();
  }

  /** The listed series of one measurement and field that can belong to the query's device. */
  private java.util.Collection<SeriesKey> seriesOf(SeriesQuery q) {
    seriesOf(q.measurement(), q.field());
    return listed.get(List.of(q.measurement(), q.field())).index().candidates(q);
  }

  private static Map<String, String> deviceTag(Device d) {
    return Map.of(Vocabulary.Tag.DEVICE, d.id());
  }

  /**
   * A counter's range in its own unit: 2^bits × scale for an integer register (so a UINT32 kWh
   * counter with scale 0.001 wraps at 4,294,967.296 kWh), 0 where it cannot wrap in practice (64
   * bits, floats, self-describing sources).
   */
  double modulus(Device d, String field) {
    if (d.profile() == null) {
      return 0;
    }
    var profile = site.profile(d.profile());
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

  /** Energy of every device the channels select, summed. */
  public EnergySeries channels(
      String name, List<Channel> channels, Instant from, Instant to, StepPlan.Step step) {
    var inputs = new ArrayList<Input>();
    for (Channel c : channels) {
      for (Device d : resolver.devices(c)) {
        inputs.addAll(inputs(d, c.energyField(), c.powerField()));
      }
    }
    return compute(name, inputs, plan(from, to, step), from, to);
  }

  /** Each device of the channels on its own. */
  public Map<String, EnergySeries> perDevice(
      List<Channel> channels, Instant from, Instant to, StepPlan.Step step) {
    var out = new LinkedHashMap<String, EnergySeries>();
    for (Channel c : channels) {
      for (Device d : resolver.devices(c)) {
        var in = inputs(d, c.energyField(), c.powerField());
        out.put(d.id(), compute(d.id(), in, plan(from, to, step), from, to));
      }
    }
    return out;
  }

  /** IT energy of one rack or cluster: the energy model's IT channels located there. */
  public EnergySeries itOf(
      String clusterId, String rackId, Instant from, Instant to, StepPlan.Step step) {
    String name = rackId != null ? rackId : clusterId;
    return select(
        name,
        site.energy().it(),
        d ->
            d.location() != null
                && (clusterId == null || clusterId.equals(d.location().cluster()))
                && (rackId == null || rackId.equals(d.location().rack())),
        from,
        to,
        step);
  }

  /** Energy of the devices the channels select that also pass {@code keep}, summed. */
  public EnergySeries select(
      String name,
      List<Channel> channels,
      java.util.function.BiPredicate<Channel, Device> keep,
      Instant from,
      Instant to,
      StepPlan.Step step) {
    var inputs = new ArrayList<Input>();
    for (Channel c : channels) {
      for (Device d : resolver.devices(c)) {
        if (keep.test(c, d)) {
          inputs.addAll(inputs(d, c.energyField(), c.powerField()));
        }
      }
    }
    return compute(name, inputs, plan(from, to, step), from, to);
  }

  private EnergySeries select(
      String name,
      List<Channel> channels,
      java.util.function.Predicate<Device> keep,
      Instant from,
      Instant to,
      StepPlan.Step step) {
    return select(name, channels, (c, d) -> keep.test(d), from, to, step);
  }

  /**
   * Increase of any cumulative counter of one device (a water meter, a heat meter), in the
   * counter's unit times {@code factor}, with the same gap and reset rules as energy.
   */
  public EnergySeries counter(
      String deviceId, String field, double factor, Instant from, Instant to, StepPlan.Step step) {
    var d = site.device(deviceId);
    if (d.isEmpty()) {
      return compute(deviceId, List.of(), plan(from, to, step), from, to);
    }
    var q = new SeriesQuery(resolver.measurement(d.get(), field), field, deviceTag(d.get()));
    var in = new Input(d.get(), q, true, factor, modulus(d.get(), field));
    return compute(deviceId, List.of(in), plan(from, to, step), from, to);
  }

  StepPlan plan(Instant from, Instant to, StepPlan.Step step) {
    return StepPlan.of(from, to, step, site.site().timezone());
  }

  /** Whether {@code [from, to)} is computed from raw readings. */
  boolean raw(Instant from, Instant to) {
    return !Duration.between(from, to).minus(settings.rawWindow()).isPositive();
  }

  /**
   * Store answers shared by the energy queries of one report: the site's IT total and each
   * cluster's IT share come from the same PDU series, read once.
   */
  private final ThreadLocal<Map<List<Object>, Map<SeriesKey, Object>>> memo = new ThreadLocal<>();

  /** Told of every rollup read (the store's per-step aggregates), for a report's input hash. */
  public interface RollupListener {
    void read(
        SeriesQuery query,
        Instant from,
        Instant to,
        Duration step,
        Aggregate aggregate,
        List<SeriesBuckets> buckets);
  }

  private final ThreadLocal<RollupListener> listener = new ThreadLocal<>();

  /** Runs {@code work}, telling {@code l} of every rollup read it makes on this thread. */
  public <T> T listening(RollupListener l, java.util.function.Supplier<T> work) {
    RollupListener before = listener.get();
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

  /** Runs {@code work} with store answers shared between its energy queries. */
  public <T> T shared(java.util.function.Supplier<T> work) {
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

  EnergySeries compute(String name, List<Input> inputs, StepPlan plan, Instant from, Instant to) {
    long gap = settings.gapLimit().toMillis();
    var acc = new SeriesEnergy(plan, gap, clock.millis());
    EnergySource source = EnergySource.NONE;
    boolean raw = raw(from, to);
    // One store query per measurement and field: a site has thousands of PDUs but few kinds.
    var groups = new LinkedHashMap<SeriesQuery, List<Input>>();
    for (Input in : inputs) {
      var q =
          inputs.size() == 1
              ? in.query()
              : new SeriesQuery(in.query().measurement(), in.query().field(), Map.of());
      groups.computeIfAbsent(q, k -> new ArrayList<>()).add(in);
    }
    for (var g : groups.entrySet()) {
      Map<SeriesKey, Object> data = fetch(g.getKey(), g.getValue(), plan, raw, gap);
      var index = new DeviceKeys(data.keySet());
      for (Input in : g.getValue()) {
        acc.expect(in.device().interval().toMillis());
        var keys =
            in.device().kind() == DeviceKind.GPU_NODE
                    && in.query().measurement().equals(Gpu.MEASUREMENT)
                ? index.matching(in.query())
                : ChannelResolver.totals(
                    index.matching(in.query()),
                    new ChannelResolver.DeviceSeries(in.device(), in.query()));
        if (keys.isEmpty()) {
          continue;
        }
        source = source.combine(in.counter() ? EnergySource.COUNTER : EnergySource.INTEGRATED);
        // Several GPUs of a node each expect their own readings.
        for (int k = 1; k < keys.size(); k++) {
          acc.expect(in.device().interval().toMillis());
        }
        for (SeriesKey key : keys) {
          Object d = data.get(key);
          if (d instanceof SeriesPoints sp) {
            if (in.counter()) {
              acc.addCounter(sp.points(), in.factor(), in.modulus());
            } else {
              acc.addPower(sp.points(), in.factor());
            }
          } else if (d instanceof SeriesBuckets sb) {
            addBuckets(acc, plan, sb.buckets(), in, rollupStep(plan));
          }
        }
      }
    }
    return result(name, source, plan, acc);
  }

  private Map<SeriesKey, Object> fetch(
      SeriesQuery q, List<Input> group, StepPlan plan, boolean raw, long gap) {
    var shared = memo.get();
    List<Object> key = List.of(q, plan.first(), plan.last(), raw, rollupStep(plan));
    if (shared != null && shared.containsKey(key)) {
      return shared.get(key);
    }
    Map<SeriesKey, Object> data = new HashMap<>();
    if (raw) {
      // Reach one gap limit beyond both ends so pairs that straddle them are complete.
      for (SeriesPoints sp :
          store.read(q, plan.first().minusMillis(gap), plan.last().plusMillis(gap))) {
        data.put(sp.key(), sp);
      }
    } else {
      // A group is one measurement and field, so all its inputs are counters or all power.
      Aggregate agg = group.getFirst().counter() ? Aggregate.COUNTER_DELTA : Aggregate.MEAN;
      var read = store.aggregate(q, plan.first(), plan.last(), rollupStep(plan), agg);
      for (SeriesBuckets sb : read) {
        data.put(sb.key(), sb);
      }
      RollupListener l = listener.get();
      if (l != null) {
        l.read(q, plan.first(), plan.last(), rollupStep(plan), agg, read);
      }
    }
    if (shared != null) {
      shared.put(key, data);
    }
    return data;
  }

  /** An hour where every step is made of whole hours, else the plan's own fixed step. */
  static Duration rollupStep(StepPlan plan) {
    if (plan.step() instanceof StepPlan.Step.Fixed f && f.length().toHours() < 1) {
      return f.length();
    }
    return plan.hourAligned() ? Duration.ofHours(1) : Duration.ofMinutes(1);
  }

  /**
   * Adds rollup buckets. A counter bucket whose increase is more than {@link
   * SeriesEnergy#PLAUSIBLE_FACTOR} times the series' 90th-percentile bucket is dropped as a reset
   * artefact (the store counts the first reading after a drop in full).
   */
  private static void addBuckets(
      SeriesEnergy acc, StepPlan plan, List<Bucket> buckets, Input in, Duration bucket) {
    double[] values = buckets.stream().mapToDouble(Bucket::value).sorted().toArray();
    double cap =
        values.length == 0
            ? 0
            : SeriesEnergy.PLAUSIBLE_FACTOR
                * values[(int) Math.min(values.length - 1, Math.floor(values.length * 0.9))];
    double hours = bucket.toMillis() / 3_600_000.0;
    for (Bucket b : buckets) {
      int i = plan.indexOf(b.start().toEpochMilli());
      if (i < 0) {
        continue;
      }
      acc.samples[i] += b.count();
      double v = b.value();
      if (in.counter()) {
        if (v < 0 || cap > 0 && v > cap) {
          acc.resets++;
          continue;
        }
        acc.kwh[i] += v * in.factor();
      } else {
        acc.kwh[i] += v * in.factor() * hours;
      }
      acc.touched[i] = true;
    }
  }

  private static EnergySeries result(
      String name, EnergySource source, StepPlan plan, SeriesEnergy acc) {
    var steps = new ArrayList<EnergySeries.Step>(plan.size());
    double total = 0;
    double got = 0;
    double want = 0;
    for (int i = 0; i < plan.size(); i++) {
      double cov = acc.expected[i] == 0 ? 0 : Math.min(1, acc.samples[i] / acc.expected[i]);
      Double v = acc.touched[i] ? acc.kwh[i] : null;
      if (v != null) {
        total += v;
      }
      got += Math.min(acc.samples[i], acc.expected[i]);
      want += acc.expected[i];
      steps.add(new EnergySeries.Step(plan.start(i), plan.end(i), v, cov));
    }
    return new EnergySeries(
        name, source, steps, want == 0 ? 0 : got / want, total, acc.resets, acc.wraps, acc.gaps);
  }

  /** Sums series step by step; a step has a value where any input has one. */
  static EnergySeries sum(String name, List<EnergySeries> parts, StepPlan plan) {
    int n = plan.size();
    double[] v = new double[n];
    boolean[] has = new boolean[n];
    double[] cov = new double[n];
    EnergySource src = EnergySource.NONE;
    double covAll = 0;
    int r = 0;
    int w = 0;
    int g = 0;
    for (EnergySeries p : parts) {
      src = src.combine(p.source());
      covAll += p.coverage();
      r += p.resets();
      w += p.wraps();
      g += p.gaps();
      for (int i = 0; i < n; i++) {
        var s = p.steps().get(i);
        cov[i] += s.coverage();
        if (s.kwh() != null) {
          v[i] += s.kwh();
          has[i] = true;
        }
      }
    }
    var steps = new ArrayList<EnergySeries.Step>();
    double total = 0;
    for (int i = 0; i < n; i++) {
      if (has[i]) {
        total += v[i];
      }
      steps.add(
          new EnergySeries.Step(
              plan.start(i),
              plan.end(i),
              has[i] ? v[i] : null,
              parts.isEmpty() ? 0 : cov[i] / parts.size()));
    }
    return new EnergySeries(
        name, src, steps, parts.isEmpty() ? 0 : covAll / parts.size(), total, r, w, g);
  }
}
