package io.kilowatch.store.embedded;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * SQL text that reduces readings to per-step partial states (count, sum, min, max, first, last,
 * counter increase). Raw points and rollup rows produce the same columns, so a query can mix them
 * and a rollup is exactly these states for one-minute or one-hour steps.
 *
 * <p>Only numbers we produce ourselves are spliced into the text (ids, millis, doubles), never
 * caller strings.
 */
final class StepSql {
  static final long MINUTE = 60_000;
  static final long HOUR = 3_600_000;

  /** Columns of every state query, in this order. */
  static final String STATE_COLUMNS =
      "series_id, step_start, cnt, sm, mn, mx, firstv, firstts, lastv, lastts, inc";

  /** The reading of a series just before a range: the first half of a straddling counter pair. */
  record Prior(int seriesId, long ts, double value) {}

  private StepSql() {}

  static long alignDown(long t, long step) {
    return Math.floorDiv(t, step) * step;
  }

  static long alignUp(long t, long step) {
    return -Math.floorDiv(-t, step) * step;
  }

  static String idFilter(String column, Collection<Integer> ids) {
    if (ids == null) {
      return "TRUE";
    }
    if (ids.isEmpty()) {
      return "FALSE";
    }
    return column
        + " IN ("
        + ids.stream().map(String::valueOf).collect(Collectors.joining(","))
        + ")";
  }

  private static String stepOf(String column, long step) {
    return "(" + column + " - ((" + column + " % " + step + ") + " + step + ") % " + step + ")";
  }

  /**
   * States of good raw points in {@code [from, to)} per step. With {@code counter}, each reading's
   * increase over the one before it (a drop counts as a reset, so the reading counts in full),
   * where the reading before the first one in range comes from {@code priors}.
   */
  static String rawStates(
      Collection<Integer> ids, long from, long to, long step, boolean counter, List<Prior> priors) {
    String filter =
        idFilter("series_id", ids) + " AND quality <= 1 AND ts >= " + from + " AND ts < " + to;
    String aggregates =
        "count(*), sum(value), min(value), max(value), arg_min(value, ts), min(ts),"
            + " arg_max(value, ts), max(ts), ";
    if (!counter) {
      return "SELECT series_id, "
          + stepOf("ts", step)
          + " AS step_start, "
          + aggregates
          + "0.0::DOUBLE FROM points WHERE "
          + filter
          + " GROUP BY 1, 2";
    }
    String source = "SELECT series_id, ts, value FROM points WHERE " + filter;
    if (!priors.isEmpty()) {
      source +=
          " UNION ALL SELECT * FROM (VALUES "
              + priors.stream()
                  .map(
                      p ->
                          "("
                              + p.seriesId()
                              + ", "
                              + p.ts()
                              + "::BIGINT, "
                              + literal(p.value())
                              + ")")
                  .collect(Collectors.joining(", "))
              + ") AS prior(series_id, ts, value)";
    }
    return "SELECT series_id, "
        + stepOf("ts", step)
        + " AS step_start, "
        + aggregates
        + "sum(CASE WHEN prev IS NULL THEN 0.0 WHEN value >= prev THEN value - prev ELSE value END)"
        + " FROM (SELECT series_id, ts, value,"
        + " lag(value) OVER (PARTITION BY series_id ORDER BY ts) AS prev FROM ("
        + source
        + ")) WHERE ts >= "
        + from
        + " GROUP BY 1, 2";
  }

  /** States of rollup rows with buckets in {@code [from, to)}, regrouped per {@code step}. */
  static String rollupStates(String table, Collection<Integer> ids, long from, long to, long step) {
    return "SELECT series_id, "
        + stepOf("bucket", step)
        + " AS step_start, sum(count_good), sum(sum_value), min(min_value), max(max_value),"
        + " arg_min(first_val, first_ts), min(first_ts), arg_max(last_val, last_ts), max(last_ts),"
        + " sum(increase) FROM "
        + table
        + " WHERE "
        + idFilter("series_id", ids)
        + " AND bucket >= "
        + from
        + " AND bucket < "
        + to
        + " GROUP BY 1, 2";
  }

  /** Merges state queries into one row per series and step, ordered. */
  static String merged(List<String> stateQueries) {
    return "SELECT series_id, step_start, sum(cnt), sum(sm), min(mn), max(mx),"
        + " arg_max(lastv, lastts), sum(inc) FROM ("
        + stateQueries.stream()
            .map(q -> "SELECT * FROM (" + q + ")")
            .collect(Collectors.joining(" UNION ALL "))
        + ") AS s("
        + STATE_COLUMNS
        + ") GROUP BY 1, 2 ORDER BY 1, 2";
  }

  static String literal(double v) {
    if (Double.isNaN(v)) {
      return "'NaN'::DOUBLE";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "'Infinity'::DOUBLE" : "'-Infinity'::DOUBLE";
    }
    return Double.toString(v) + "::DOUBLE";
  }
}
