package io.kilowatch.web.api;

import io.kilowatch.analytics.StepPlan;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;

/**
 * What one analytics or report request may ask for, checked from its parameters before any data is
 * read: a client that asks for a thousand years must get a 400, not fill the heap. The one place of
 * truth for these limits; the READMEs and the OpenAPI description quote them.
 *
 * <p>Two limits, because the work has two sizes. The answer grows with the number of steps, so that
 * is bounded for every kind of step, calendar ones included. The reading and computing grow with
 * the range whatever the step (energy reads the counters across the range, carbon walks it hour by
 * hour), so the range is bounded too, {@code step=whole} included.
 */
final class Budget {
  private Budget() {}

  /** Steps per series in one answer: a year at 10 s for one series would be 3 million. */
  static final int MAX_STEPS = 10_000;

  /**
   * Values in one {@code /api/query} answer, all series together (series × steps, or series ×
   * {@link #MAX_STEPS} without a step, since each raw series may hold that many): about 30 MB of
   * JSON. A measurement may have a million series; ten thousand steps of each would be 10¹⁰.
   */
  static final long MAX_CELLS = 1_000_000;

  /**
   * The longest range of {@code /api/energy}, {@code /api/pue}, {@code /api/carbon}, {@code
   * /api/overview} and {@code /api/query} with a step: three years and a bit, so a year compared
   * with the two before it (or the trailing twelve months a year ago) fits.
   */
  static final Duration MAX_RANGE = Duration.ofDays(1100);

  /**
   * The longest range of raw points ({@code /api/query} without a step): a week of a 60 s meter is
   * about {@link #MAX_STEPS} points, the most one series may return raw, and bounding the range
   * bounds what is read before those points can be counted; longer ranges are what {@code step} is
   * for.
   */
  static final Duration MAX_RAW_RANGE = Duration.ofDays(7);

  /**
   * The longest report: three years in one file (1,096 days with a leap day, and a few to spare),
   * an annual (EED) report with the two years before it for comparison. Longer is a job for several
   * reports, or {@code kilowatch report} against a copy of the data.
   */
  static final Duration MAX_REPORT_RANGE = Duration.ofDays(1100);

  /**
   * How long one report may run before it is stopped and fails: far more than a report within
   * {@link #MAX_REPORT_RANGE} should need, so only a runaway meets it, and short of holding the one
   * report slot for good.
   */
  static final Duration REPORT_TIME_LIMIT = Duration.ofMinutes(10);

  /**
   * Retry-After of a 429 for the report slot: reports take seconds to minutes, and a client that
   * asks again every ten seconds adds no load worth counting.
   */
  static final Duration REPORT_RETRY_AFTER = Duration.ofSeconds(10);

  /**
   * The longest range of {@code /api/jobs} and {@code /api/jobs/{id}}: a quarter (92 days). Jobs
   * are attributed from every GPU counter of the range, a month of a 25,000-GPU site is the size
   * the analytics bench measures, and chargeback runs monthly; a year is a job for the report.
   */
  static final Duration MAX_JOBS_RANGE = Duration.ofDays(92);

  /** The most jobs one {@code /api/jobs} answer lists ({@code top}). */
  static final int MAX_JOBS_TOP = 1_000;

  static final int DEFAULT_JOBS_TOP = 20;

  /** Refuses a range longer than {@code max}, naming {@code from}. */
  static void range(Instant from, Instant to, Duration max, String what) {
    Duration d = Duration.between(from, to);
    if (d.compareTo(max) > 0) {
      throw new BadRequest(
          "from",
          "from..to spans "
              + days(d)
              + " days; "
              + what
              + " may span at most "
              + max.toDays()
              + " days");
    }
  }

  /**
   * Refuses more than {@link #MAX_STEPS} steps, naming {@code step}. Calendar steps are counted
   * from the dates in the site's zone (every day or month the range touches) without making them,
   * so that the count of a huge range costs nothing.
   */
  static void steps(Instant from, Instant to, StepPlan.Step step, ZoneId zone) {
    Duration d = Duration.between(from, to);
    long n =
        switch (step) {
          case StepPlan.Step.Fixed f -> fixed(from, to, f.length());
          case StepPlan.Step.Day x -> calendar(from, to, zone, ChronoUnit.DAYS);
          case StepPlan.Step.Month x -> calendar(from, to, zone, ChronoUnit.MONTHS);
          case StepPlan.Step.Whole x -> 1;
        };
    if (n > MAX_STEPS) {
      throw new BadRequest(
          "step",
          "from..to spans "
              + days(d)
              + " days at step="
              + step.label()
              + ": "
              + n
              + " steps; the limit is "
              + MAX_STEPS);
    }
  }

  /**
   * Devices in one page of {@code /api/devices}: 500 devices are about 140 kB of JSON; the devices
   * page asks for {@link #DEFAULT_DEVICES_PAGE}.
   */
  static final int MAX_DEVICES_PAGE = 500;

  static final int DEFAULT_DEVICES_PAGE = 100;

  /** Series in one page of {@code /api/series}; {@code offset} and {@code next} page through. */
  static final int MAX_SERIES_PAGE = 10_000;

  /**
   * A whole-number parameter between {@code min} and {@code max}, {@code absent} when not given;
   * anything else is a 400 naming it.
   */
  static long whole(String value, String name, long min, long max, long absent) {
    if (value == null) {
      return absent;
    }
    long v;
    try {
      v = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new BadRequest(name, name + " must be a whole number, not '" + value + "'");
    }
    if (v < min || v > max) {
      throw new BadRequest(
          name, name + " must be between " + min + " and " + max + "; it was " + v);
    }
    return v;
  }

  /** Refuses an answer of more than {@link #MAX_CELLS} values, naming the series count. */
  static void cells(long series, long stepsEach, String what) {
    long cells = series * stepsEach;
    if (stepsEach > 0 && (cells / stepsEach != series || cells > MAX_CELLS)) {
      throw new BadRequest(
          "measurement",
          what
              + " matches "
              + series
              + " series × "
              + stepsEach
              + " steps = "
              + (cells / stepsEach != series ? "more than " + Long.MAX_VALUE : cells)
              + " values; the limit is "
              + MAX_CELLS
              + ": narrow it with field= and tags=, or a longer step");
    }
  }

  /** Steps of {@code length} that {@code [from, to)} meets. */
  static long fixedSteps(Instant from, Instant to, Duration length) {
    return fixed(from, to, length);
  }

  /**
   * The steps aligned to multiples of {@code length} since the epoch that {@code [from, to)} meets.
   */
  private static long fixed(Instant from, Instant to, Duration length) {
    try {
      long ms = Math.max(1, length.toMillis());
      long first = Math.floorDiv(from.toEpochMilli(), ms) * ms;
      return Math.ceilDiv(Math.subtractExact(to.toEpochMilli(), first), ms);
    } catch (ArithmeticException e) {
      // Instants beyond a long of milliseconds: more steps than any limit.
      return Long.MAX_VALUE;
    }
  }

  /** The days or months of {@code [from, to)} as {@link StepPlan} makes them. */
  private static long calendar(Instant from, Instant to, ZoneId zone, ChronoUnit unit) {
    try {
      var a = from.atZone(zone).toLocalDate();
      var b = to.atZone(zone).toLocalDate();
      if (unit == ChronoUnit.MONTHS) {
        a = a.withDayOfMonth(1);
        b = b.withDayOfMonth(1);
      }
      // The period holding to counts only where some of it is before to.
      return unit.between(a, b) + (b.atStartOfDay(zone).toInstant().isBefore(to) ? 1 : 0);
    } catch (java.time.DateTimeException e) {
      // Beyond LocalDate's years (epoch milliseconds allow them): more steps than any limit.
      return Long.MAX_VALUE;
    }
  }

  private static long days(Duration d) {
    return Math.ceilDiv(d.toSeconds(), 86_400);
  }
}
