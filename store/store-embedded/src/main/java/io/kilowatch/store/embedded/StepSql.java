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

  /**
   * A good reading: GOOD or UNCERTAIN and a finite value. Only good readings enter aggregates,
   * rollups and runs.
   */
  static final String GOOD = "quality <= 1 AND isfinite(value)";

  /** Every column of {@code rollup_1m} and {@code rollup_1h}, in table order. */
  static final String ROLLUP_COLUMNS =
      "series_id, bucket, count_good, sum_value, min_value, max_value, first_val, first_ts,"
          + " last_val, last_ts, increase, rise, area, longest_ms, longest_rise, longest_area,"
          + " drops, drop_from, drop_to";

  /** The columns added for runs, with their types, as an old database gets them. */
  static final List<String> RUN_COLUMNS =
      List.of(
          "rise DOUBLE",
          "area DOUBLE",
          "longest_ms BIGINT",
          "longest_rise DOUBLE",
          "longest_area DOUBLE",
          "drops INTEGER",
          "drop_from DOUBLE",
          "drop_to DOUBLE");

  /** Columns of a run, as {@link #runSources} yields them. */
  static final String RUN_SELECT =
      "series_id, first_ts, first_val, last_ts, last_val, count_good, rise, area, longest_ms,"
          + " longest_rise, longest_area, drops, drop_from, drop_to";

  /**
   * Pieces a bin is combined from ({@link #combine}): raw readings and smaller or older bins, in
   * these columns. {@code bin} is the bucket the piece goes to; {@code is_raw} marks raw readings.
   */
  static final String PIECE_COLUMNS =
      "series_id, bin, first_ts, first_val, last_ts, last_val, cnt, sm, mn, mx, inc, rise, area,"
          + " longest_ms, longest_rise, longest_area, drops, drop_from, drop_to, is_raw";

  /** Bins are at most an hour, so a pair's length and its offset in the bin fit in 22 bits. */
  private static final long KEY_SHIFT = 1L << 22;

  /** The reading of a series just before a range: the first half of a straddling counter pair. */
  record Prior(int seriesId, long ts, double value) {}

  /** Where each source starts: raw points from {@code raw}, minute bins, then hour bins. */
  record Horizons(long raw, long minute, long hour) {}

  private StepSql() {}

  static long alignDown(long t, long step) {
    return Math.floorDiv(t, step) * step;
  }

  static long alignUp(long t, long step) {
    return -Math.floorDiv(-t, step) * step;
  }

  /** Longer id sets are filtered by a semi-join on one string, not by a list of literals. */
  static final int ID_LIST_MAX = 64;

  /**
   * A filter on {@code column} for {@code ids} (null: all). DuckDB plans an {@code IN} list of
   * 25,000 literals (one field of every GPU of a large site) for longer than it takes to read the
   * 1.5 million rows it selects; the same ids as one string split into a subquery are a hash
   * semi-join, planned at once (the probe of 2026-12-07: 0.35–0.45 s against 0.08 s to the first
   * row).
   */
  static String idFilter(String column, Collection<Integer> ids) {
    if (ids == null) {
      return "TRUE";
    }
    if (ids.isEmpty()) {
      return "FALSE";
    }
    String list = ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    if (ids.size() <= ID_LIST_MAX) {
      return column + " IN (" + list + ")";
    }
    return column + " IN (SELECT unnest(string_split('" + list + "', ','))::INTEGER)";
  }

  static String stepOf(String column, long step) {
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
        idFilter("series_id", ids) + " AND " + GOOD + " AND ts >= " + from + " AND ts < " + to;
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

  /**
   * States of rollup rows with buckets in {@code [from, to)}, regrouped per {@code step}. A bin's
   * {@code increase} covers only the pairs inside it; with {@code priors} (counters) the pair into
   * each bin from the reading before it (the previous bin's last, or the prior for the first bin)
   * is added, counted like a raw pair: a drop counts the later reading in full.
   */
  static String rollupStates(
      String table, Collection<Integer> ids, long from, long to, long step, List<Prior> priors) {
    String rows =
        "SELECT series_id, bucket, count_good, sum_value, min_value, max_value, first_val,"
            + " first_ts, last_val, last_ts, increase FROM "
            + table
            + " WHERE "
            + idFilter("series_id", ids)
            + " AND bucket >= "
            + from
            + " AND bucket < "
            + to;
    String aggregates =
        " AS step_start, sum(count_good), sum(sum_value), min(min_value), max(max_value),"
            + " arg_min(first_val, first_ts), min(first_ts), arg_max(last_val, last_ts),"
            + " max(last_ts), ";
    if (priors == null) {
      return "SELECT series_id, "
          + stepOf("bucket", step)
          + aggregates
          + "sum(increase) FROM ("
          + rows
          + ") GROUP BY 1, 2";
    }
    if (!priors.isEmpty()) {
      rows +=
          " UNION ALL SELECT * FROM (VALUES "
              + priors.stream()
                  .map(
                      p ->
                          "("
                              + p.seriesId()
                              + ", "
                              + (from - 1)
                              + "::BIGINT, 0::BIGINT, NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE,"
                              + " NULL::DOUBLE, NULL::BIGINT, "
                              + literal(p.value())
                              + ", "
                              + p.ts()
                              + "::BIGINT, NULL::DOUBLE)")
                  .collect(Collectors.joining(", "))
              + ")";
    }
    return "SELECT series_id, "
        + stepOf("bucket", step)
        + aggregates
        + "sum(increase) + sum(CASE WHEN pv IS NULL THEN 0.0 WHEN first_val >= pv"
        + " THEN first_val - pv ELSE first_val END) FROM (SELECT *, lag(last_val) OVER"
        + " (PARTITION BY series_id ORDER BY bucket) AS pv FROM ("
        + rows
        + ")) WHERE bucket >= "
        + from
        + " GROUP BY 1, 2";
  }

  /**
   * Minute bins of the good raw points in {@code [from, to)}, in {@link #ROLLUP_COLUMNS}: the same
   * figures as {@link #combine} over each reading as a piece, but the window carries only the
   * reading, not twenty piece columns, which halves the time of a rollup pass.
   */
  static String rawMinuteBins(Collection<Integer> ids, long from, long to) {
    String inner = "pt >= bin";
    String key = "ldt * " + KEY_SHIFT + " + (" + (KEY_SHIFT - 1) + " - (ts - bin))";
    return "SELECT series_id, bucket, count_good, sum_value, min_value, max_value, first_val,"
        + " first_ts, last_val, last_ts, rise + drop_to AS increase, rise, area, longest_ms,"
        + " longest_rise, longest_area, drops, drop_from, drop_to FROM (SELECT series_id,"
        + " bin AS bucket, count(*)::BIGINT AS count_good, sum(value) AS sum_value,"
        + " min(value) AS min_value, max(value) AS max_value, arg_min(value, ts) AS first_val,"
        + " min(ts) AS first_ts, arg_max(value, ts) AS last_val, max(ts) AS last_ts,"
        + " coalesce(sum(ld) FILTER (WHERE ld >= 0), 0.0) AS rise,"
        + " coalesce(sum(la), 0.0) AS area, coalesce(max(ldt), 0)::BIGINT AS longest_ms,"
        + " coalesce(arg_max(ld, "
        + key
        + "), 0.0) AS longest_rise, coalesce(arg_max(la, "
        + key
        + "), 0.0) AS longest_area, (count(*) FILTER (WHERE ld < 0))::INTEGER AS drops,"
        + " coalesce(sum(pv) FILTER (WHERE ld < 0), 0.0) AS drop_from,"
        + " coalesce(sum(value) FILTER (WHERE ld < 0), 0.0) AS drop_to FROM (SELECT series_id,"
        + " bin, ts, value, CASE WHEN "
        + inner
        + " THEN pv END AS pv, CASE WHEN "
        + inner
        + " THEN ts - pt END AS ldt, CASE WHEN "
        + inner
        + " THEN value - pv END AS ld, CASE WHEN "
        + inner
        + " THEN (pv + value) / 2 * (ts - pt) END AS la FROM (SELECT series_id, "
        + stepOf("ts", MINUTE)
        + " AS bin, ts, value, lag(value) OVER w AS pv, lag(ts) OVER w AS pt FROM points WHERE "
        + idFilter("series_id", ids)
        + " AND "
        + GOOD
        + " AND ts >= "
        + from
        + " AND ts < "
        + to
        + " WINDOW w AS (PARTITION BY series_id ORDER BY ts))) GROUP BY series_id, bin)";
  }

  /** The columns of a rollup row (alias {@code b}) as a piece of {@code size} bins. */
  static String binPiece(String alias, long size) {
    String b = alias + ".";
    return b
        + "series_id, "
        + stepOf(b + "bucket", size)
        + " AS bin, "
        + b
        + "first_ts, "
        + b
        + "first_val, "
        + b
        + "last_ts, "
        + b
        + "last_val, "
        + b
        + "count_good, "
        + b
        + "sum_value, "
        + b
        + "min_value, "
        + b
        + "max_value, "
        + b
        + "increase, "
        + b
        + "rise, "
        + b
        + "area, "
        + b
        + "longest_ms, "
        + b
        + "longest_rise, "
        + b
        + "longest_area, "
        + b
        + "drops, "
        + b
        + "drop_from, "
        + b
        + "drop_to, 0 AS is_raw";
  }

  /**
   * Combines pieces (in {@link #PIECE_COLUMNS}; pieces of one bin never overlap in time) into one
   * row per series and bin, in {@link #ROLLUP_COLUMNS} plus {@code has_raw}. The bin's inner pairs
   * are the pieces' inner pairs plus the pair between each piece and the next one in the same bin.
   * Its longest pair is the longest of those; of equally long ones the earliest.
   */
  static String combine(String pieces) {
    // Per piece: the link from the previous piece of the same bin, and the piece's candidate for
    // the longest pair (the link when at least as long as its inner longest: it comes first).
    String linked =
        "SELECT *, first_ts - pt AS ldt, first_val - pv AS ld,"
            + " (pv + first_val) / 2 * (first_ts - pt) AS la FROM (SELECT *,"
            + " lag(last_val) OVER w AS pv, lag(last_ts) OVER w AS pt FROM ("
            + pieces
            + ") AS p("
            + PIECE_COLUMNS
            + ") WINDOW w AS (PARTITION BY series_id, bin ORDER BY first_ts))";
    String best =
        "SELECT *, CASE WHEN ldt >= longest_ms THEN ldt ELSE longest_ms END AS bdt,"
            + " CASE WHEN ldt >= longest_ms THEN ld ELSE longest_rise END AS brise,"
            + " CASE WHEN ldt >= longest_ms THEN la ELSE longest_area END AS barea FROM ("
            + linked
            + ")";
    String key = "bdt * " + KEY_SHIFT + " + (" + (KEY_SHIFT - 1) + " - (first_ts - bin))";
    return "SELECT series_id, bin AS bucket, sum(cnt)::BIGINT AS count_good, sum(sm) AS sum_value,"
        + " min(mn) AS min_value, max(mx) AS max_value, arg_min(first_val, first_ts) AS first_val,"
        + " min(first_ts) AS first_ts, arg_max(last_val, last_ts) AS last_val,"
        + " max(last_ts) AS last_ts,"
        + " sum(inc) + sum(CASE WHEN ld IS NULL THEN 0.0 WHEN ld >= 0 THEN ld ELSE first_val END)"
        + " AS increase,"
        + " sum(rise) + sum(CASE WHEN ld >= 0 THEN ld ELSE 0.0 END) AS rise,"
        + " sum(area) + coalesce(sum(la), 0.0) AS area,"
        + " max(bdt)::BIGINT AS longest_ms,"
        + " arg_max(brise, "
        + key
        + ") AS longest_rise,"
        + " arg_max(barea, "
        + key
        + ") AS longest_area,"
        + " (sum(drops) + count(*) FILTER (WHERE ld < 0))::INTEGER AS drops,"
        + " sum(drop_from) + coalesce(sum(pv) FILTER (WHERE ld < 0), 0.0) AS drop_from,"
        + " sum(drop_to) + coalesce(sum(first_val) FILTER (WHERE ld < 0), 0.0) AS drop_to,"
        + " max(is_raw) AS has_raw FROM ("
        + best
        + ") GROUP BY series_id, bin";
  }

  /**
   * Runs of the given series whose first reading lies in {@code [a, b)}, each from the source that
   * holds its time: hour bins below the minute horizon, minute bins below the raw horizon, raw
   * readings from it on. Null when no source can hold such a run.
   */
  static String runSources(Collection<Integer> ids, long a, long b, Horizons h) {
    var parts = new java.util.ArrayList<String>();
    String filter = idFilter("series_id", ids);
    // A bin's first reading lies inside it, so its bucket is in (a - size, b).
    long hlo = Math.max(h.hour(), alignDown(a, HOUR));
    long hhi = Math.min(h.minute(), b);
    if (hlo < hhi) {
      parts.add(binRuns("rollup_1h", filter, hlo, hhi, a, b));
    }
    long mlo = Math.max(h.minute(), alignDown(a, MINUTE));
    long mhi = Math.min(h.raw(), b);
    if (mlo < mhi) {
      parts.add(binRuns("rollup_1m", filter, mlo, mhi, a, b));
    }
    long rlo = Math.max(h.raw(), a);
    if (rlo < b) {
      parts.add(
          "SELECT series_id, ts, value, ts, value, 1::BIGINT, 0.0::DOUBLE, 0.0::DOUBLE, 0::BIGINT,"
              + " 0.0::DOUBLE, 0.0::DOUBLE, 0::INTEGER, 0.0::DOUBLE, 0.0::DOUBLE FROM points WHERE "
              + filter
              + " AND "
              + GOOD
              + " AND ts >= "
              + rlo
              + " AND ts < "
              + b);
    }
    if (parts.isEmpty()) {
      return null;
    }
    return "SELECT * FROM (" + String.join(" UNION ALL ", parts) + ") AS r(" + RUN_SELECT + ")";
  }

  private static String binRuns(String table, String filter, long lo, long hi, long a, long b) {
    return "SELECT "
        + RUN_SELECT
        + " FROM "
        + table
        + " WHERE "
        + filter
        + " AND bucket >= "
        + lo
        + " AND bucket < "
        + hi
        + " AND first_ts >= "
        + a
        + " AND first_ts < "
        + b;
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
