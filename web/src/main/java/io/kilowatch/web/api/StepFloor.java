package io.kilowatch.web.api;

import io.kilowatch.config.Device;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The shortest step a chart may be drawn at: twice the slowest poll interval of the devices it
 * draws. At a step equal to the poll interval, a step that one device's jittered sample misses is
 * drawn as a gap, a sum of devices dips, and a ratio of two such sums swings; at twice the interval
 * every step of a healthy device holds at least one sample, so a gap means missing data.
 *
 * @param min the floor, whole seconds; zero when no device is known (nothing to respect)
 */
record StepFloor(Duration min) {

  static StepFloor of(Stream<Device> devices) {
    long ms = devices.mapToLong(d -> d.interval().toMillis()).max().orElse(0);
    // Whole seconds: steps are written as 10s, 2m... and buckets align to multiples of the step.
    return new StepFloor(Duration.ofSeconds((2 * ms + 999) / 1000));
  }

  /** The step to compute at: the one asked for, or the floor when it is shorter. */
  Duration clamp(Duration asked) {
    return asked.compareTo(min) < 0 ? min : asked;
  }

  /**
   * What the answer says about its step besides the step computed: the floor, and the step asked
   * for with why it was raised where it was.
   */
  Map<String, Object> describe(Duration asked) {
    var m = new LinkedHashMap<String, Object>();
    Duration used = clamp(asked);
    m.put("minStepSeconds", min.toMillis() / 1000.0);
    m.put("requestedStepSeconds", asked.toMillis() / 1000.0);
    m.put("stepClamped", !used.equals(asked));
    m.put(
        "stepReason",
        used.equals(asked)
            ? null
            : "raised to twice the slowest poll interval of the devices drawn ("
                + min.toSeconds() / 2.0
                + " s), so a step that misses one jittered sample is not drawn as a gap");
    return m;
  }

  /**
   * The interval an answer was computed over, with whether and why it differs from the one asked
   * for: computed figures stop at {@code now}, so a {@code to} in the future is cut to it.
   *
   * @param from the start computed from (already aligned, where the endpoint aligns it)
   * @param alignedWhy why {@code from} differs from the one asked for, or null
   */
  static Map<String, Object> interval(
      Instant askedFrom,
      Instant askedTo,
      Instant from,
      Instant to,
      Instant now,
      String alignedWhy) {
    var m = new LinkedHashMap<String, Object>();
    Instant end = to.isAfter(now) ? now : to;
    m.put("from", from);
    m.put("to", end);
    m.put("requestedFrom", askedFrom);
    m.put("requestedTo", askedTo);
    String why = alignedWhy;
    if (end.isBefore(to)) {
      why = (why == null ? "" : why + "; ") + "to is in the future: figures end now";
    }
    m.put("aligned", why != null);
    m.put("alignedWhy", why);
    m.put("toIsNow", !end.isBefore(now.minusSeconds(1)));
    return m;
  }
}
