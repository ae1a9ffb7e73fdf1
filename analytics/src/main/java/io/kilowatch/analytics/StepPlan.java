package io.kilowatch.analytics;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The steps of an interval: fixed ones (15 min, an hour) aligned to multiples of the step since the
 * epoch, as the store aligns its buckets, or calendar days and months in the site's time zone,
 * whose length varies (23 or 25 h days at a DST change, 28–31 day months).
 *
 * @param edges step {@code i} is {@code [edges[i], edges[i+1])}: the calendar or fixed steps cut to
 *     the interval, so the first edge is the interval's start and the last its end (R0: the energy
 *     of a period is that of the period, not of the whole steps it touches)
 */
public record StepPlan(Step step, List<Instant> edges) {
  public StepPlan {
    edges = List.copyOf(edges);
  }

  /** A step length: fixed, or one calendar day or month in a time zone. */
  public sealed interface Step {
    /** Text as the API takes it: {@code 15m}, {@code 1h}, {@code day}, {@code month}. */
    String label();

    record Fixed(Duration length) implements Step {
      @Override
      public String label() {
        return length.toSeconds() % 3600 == 0
            ? length.toHours() + "h"
            : length.toSeconds() % 60 == 0 ? length.toMinutes() + "m" : length.toSeconds() + "s";
      }
    }

    record Day() implements Step {
      @Override
      public String label() {
        return "day";
      }
    }

    record Month() implements Step {
      @Override
      public String label() {
        return "month";
      }
    }

    /** The whole interval as one step. */
    record Whole() implements Step {
      @Override
      public String label() {
        return "whole";
      }
    }

    /**
     * Parses {@code 15m}, {@code 1h}, {@code day}/{@code 1d}, {@code month}/{@code 1mo}, {@code
     * whole}.
     *
     * @throws IllegalArgumentException with a message fit for a user
     */
    static Step parse(String text) {
      String t = text.strip().toLowerCase(Locale.ROOT);
      switch (t) {
        case "day", "1d", "daily" -> {
          return new Day();
        }
        case "month", "1mo", "monthly" -> {
          return new Month();
        }
        case "whole", "all" -> {
          return new Whole();
        }
        default -> {}
      }
      Duration d = io.kilowatch.config.Durations.parse(t);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException("step must be positive: " + text);
      }
      return new Fixed(d);
    }
  }

  public static StepPlan of(Instant from, Instant to, Step step, ZoneId zone) {
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from must be before to");
    }
    var edges = new ArrayList<Instant>();
    switch (step) {
      case Step.Fixed f -> {
        long ms = f.length().toMillis();
        long e = Math.floorDiv(from.toEpochMilli(), ms) * ms;
        do {
          edges.add(Instant.ofEpochMilli(e));
          e += ms;
        } while (e - ms < to.toEpochMilli());
      }
      case Step.Day d -> {
        ZonedDateTime z = from.atZone(zone).truncatedTo(ChronoUnit.DAYS);
        calendar(edges, z, to, 0);
      }
      case Step.Month m -> {
        ZonedDateTime z = from.atZone(zone).truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
        calendar(edges, z, to, 1);
      }
      case Step.Whole w -> {
        edges.add(from);
        edges.add(to);
      }
    }
    // Cut the first and last step to the interval.
    edges.set(0, from);
    if (edges.size() > 1 && !edges.get(1).isAfter(from)) {
      edges.removeFirst();
    }
    while (edges.size() > 2 && !edges.get(edges.size() - 2).isBefore(to)) {
      edges.removeLast();
    }
    edges.set(edges.size() - 1, to);
    return new StepPlan(step, edges);
  }

  private static void calendar(List<Instant> edges, ZonedDateTime z, Instant to, int months) {
    edges.add(z.toInstant());
    do {
      // Day and month arithmetic on the local date keeps midnight at a DST change.
      z = months == 0 ? z.plusDays(1) : z.plusMonths(1);
      edges.add(z.toInstant());
    } while (z.toInstant().isBefore(to));
  }

  public int size() {
    return edges.size() - 1;
  }

  public Instant start(int i) {
    return edges.get(i);
  }

  public Instant end(int i) {
    return edges.get(i + 1);
  }

  public Instant first() {
    return edges.getFirst();
  }

  public Instant last() {
    return edges.getLast();
  }

  /** The step holding {@code t}, or -1 outside the plan. */
  public int indexOf(long epochMs) {
    int lo = 0;
    int hi = size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (epochMs < edges.get(mid).toEpochMilli()) {
        hi = mid - 1;
      } else if (epochMs >= edges.get(mid + 1).toEpochMilli()) {
        lo = mid + 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  /** Whether every step's edges fall on whole hours, so hourly rollups answer it exactly. */
  public boolean hourAligned() {
    return edges.stream().allMatch(e -> e.toEpochMilli() % 3_600_000 == 0);
  }
}
