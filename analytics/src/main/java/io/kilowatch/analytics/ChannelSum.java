package io.kilowatch.analytics;

import io.kilowatch.analytics.ChannelResolver.DeviceSeries;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Bucket;
import io.kilowatch.store.Point;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Sums one field over every device of a group of channels, step by step.
 *
 * <p>A step is summed only when every expected device series has a value in it: a sum with a
 * missing PDU would look like a drop in load, which is exactly the kind of number an operator must
 * not be shown.
 */
final class ChannelSum {
  /** Below this many poll intervals per step, counters are read at the step boundaries. */
  static final int RAW_COUNTER_STEPS = 100;

  /** Readings further apart than this many poll intervals are a gap, not a line. */
  static final int GAP_INTERVALS = 3;

  private final ChannelResolver resolver;
  private final Store store;

  ChannelSum(ChannelResolver resolver, Store store) {
    this.resolver = resolver;
    this.store = store;
  }

  /** Per-step sums (null where incomplete) and the share of device-steps present. */
  Sums sum(
      List<Channel> channels,
      Function<Channel, String> field,
      Aggregate aggregate,
      Instant from,
      Instant to,
      Duration step) {
    long stepMs = step.toMillis();
    long first = Math.floorDiv(from.toEpochMilli(), stepMs) * stepMs;
    int n = (int) Math.max(0, (to.toEpochMilli() - first + stepMs - 1) / stepMs);
    double[] sum = new double[n];
    int[] present = new int[n];
    boolean counter = aggregate == Aggregate.COUNTER_DELTA;
    var wanted = new ArrayList<DeviceSeries>();
    for (Channel channel : channels) {
      wanted.addAll(resolver.queries(channel, field.apply(channel)));
    }
    int expected = wanted.size();
    long maxIntervalMs =
        wanted.stream().mapToLong(ds -> ds.device().interval().toMillis()).max().orElse(0);
    // Reading counters at step boundaries needs raw points; once a step spans a hundred polls,
    // the store's per-step increase is within 1 % and much cheaper over long ranges.
    boolean interpolate = counter && stepMs < RAW_COUNTER_STEPS * maxIntervalMs;
    long maxGapMs = GAP_INTERVALS * maxIntervalMs;
    // For counters, look one step further back, so a series whose readings began before the
    // window is told apart from one that began inside it.
    Instant queryFrom = counter ? Instant.ofEpochMilli(first - stepMs) : from;
    // One store query per measurement and field rather than one per device: a site has hundreds
    // of PDUs but only a few kinds of them.
    Map<SeriesQuery, Map<SeriesKey, List<Bucket>>> fetched = new HashMap<>();
    Map<SeriesQuery, Map<SeriesKey, List<Point>>> fetchedRaw = new HashMap<>();
    // The fetched keys of a kind by device, so each device looks at its own series rather than at
    // every series of its kind (quadratic at a thousand PDUs).
    Map<SeriesQuery, DeviceKeys> byDevice = new HashMap<>();
    for (DeviceSeries ds : wanted) {
      var byKind = new SeriesQuery(ds.query().measurement(), ds.query().field(), Map.of());
      Map<Long, Double> byStart = new HashMap<>();
      if (interpolate) {
        var all =
            fetchedRaw.computeIfAbsent(
                byKind,
                q -> {
                  var byKey = new HashMap<SeriesKey, List<Point>>();
                  for (SeriesPoints sp :
                      store.read(
                          q, Instant.ofEpochMilli(first - maxGapMs), to.plusMillis(maxGapMs))) {
                    byKey.put(sp.key(), sp.points());
                  }
                  return byKey;
                });
        for (SeriesKey key :
            ChannelResolver.totals(
                byDevice
                    .computeIfAbsent(byKind, q -> new DeviceKeys(all.keySet()))
                    .candidates(ds.query()),
                ds)) {
          Double[] e = CounterInterpolation.perStep(all.get(key), first, stepMs, n, maxGapMs);
          for (int i = 0; i < n; i++) {
            if (e[i] != null) {
              byStart.merge(first + i * stepMs, e[i], Double::sum);
            }
          }
        }
      } else {
        var all =
            fetched.computeIfAbsent(
                byKind,
                q -> {
                  var byKey = new HashMap<SeriesKey, List<Bucket>>();
                  for (SeriesBuckets sb : store.aggregate(q, queryFrom, to, step, aggregate)) {
                    byKey.put(sb.key(), sb.buckets());
                  }
                  return byKey;
                });
        for (SeriesKey key :
            ChannelResolver.totals(
                byDevice
                    .computeIfAbsent(byKind, q -> new DeviceKeys(all.keySet()))
                    .candidates(ds.query()),
                ds)) {
          List<Bucket> buckets = all.get(key);
          for (int b = 0; b < buckets.size(); b++) {
            Bucket bucket = buckets.get(b);
            if (counter && b == 0 && bucket.start().toEpochMilli() >= first) {
              // The series' first reading in reach has no predecessor (it started, or came back
              // from a gap, inside this step): the increase covers only part of the step, and
              // summing it with complete neighbours would skew the step. Treat it as missing.
              continue;
            }
            byStart.merge(bucket.start().toEpochMilli(), bucket.value(), Double::sum);
          }
        }
      }
      for (var e : byStart.entrySet()) {
        int i = (int) ((e.getKey() - first) / stepMs);
        if (i >= 0 && i < n) {
          sum[i] += e.getValue();
          present[i]++;
        }
      }
    }
    var starts = new ArrayList<Instant>(n);
    var values = new ArrayList<Double>(n);
    long got = 0;
    for (int i = 0; i < n; i++) {
      starts.add(Instant.ofEpochMilli(first + i * stepMs));
      got += present[i];
      values.add(expected > 0 && present[i] == expected ? sum[i] : null);
    }
    double coverage = expected == 0 || n == 0 ? 0 : (double) got / ((long) expected * n);
    return new Sums(starts, values, coverage, expected);
  }

  record Sums(List<Instant> starts, List<Double> values, double coverage, int expectedSeries) {
    KpiSeries toSeries(String name, String unit, double factor) {
      var steps = new ArrayList<KpiSeries.Step>(starts.size());
      for (int i = 0; i < starts.size(); i++) {
        Double v = values.get(i);
        steps.add(new KpiSeries.Step(starts.get(i), v == null ? null : v * factor));
      }
      return new KpiSeries(name, unit, steps, coverage);
    }
  }
}
