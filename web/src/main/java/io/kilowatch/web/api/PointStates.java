package io.kilowatch.web.api;

import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.Vocabulary;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the poll status says about a device's points and the latest values they left: a BAD point
 * says why (the collector's reason), and a value of a device that is down, or one older than three
 * poll intervals, is stale and says so, never a good current value.
 */
final class PointStates {
  /**
   * Older than this many poll intervals, a reading is stale even if nobody says the device is down.
   */
  static final int STALE_INTERVALS = 3;

  private final SiteConfig site;
  private final Map<String, DeviceStatus> byId = new HashMap<>();

  PointStates(SiteConfig site, List<DeviceStatus> statuses) {
    this.site = site;
    statuses.forEach(s -> byId.put(s.deviceId(), s));
  }

  /** A point's state ({@code good}, {@code bad}, {@code stale}, {@code unknown}) and why. */
  record State(String state, String reason) {}

  /** The state of one profile point of a polled device. */
  static State ofPoint(DeviceStatus s, String point) {
    return switch (s.state()) {
      case UNKNOWN -> new State("unknown", "not polled yet");
      case DOWN -> new State("stale", down(s));
      case UP -> {
        String why = s.pointErrors().get(point);
        yield why == null ? new State("good", null) : new State("bad", why);
      }
    };
  }

  /**
   * The quality to show for the latest value of a series, why when it is not good, and the state of
   * the device it came from (null when this instance does not poll it).
   */
  record Latest(String quality, String reason, String deviceState) {}

  Latest latest(SeriesKey key, Point last, Instant now) {
    String id = key.tags().get(Vocabulary.Tag.DEVICE);
    DeviceStatus status = id == null ? null : byId.get(id);
    Device device = id == null ? null : site.device(id).orElse(null);
    String deviceState = status == null ? null : status.state().name().toLowerCase(Locale.ROOT);
    String stored = last.quality().name().toLowerCase(Locale.ROOT);
    if (status != null && status.state() == DeviceStatus.State.DOWN) {
      return new Latest("stale", down(status), deviceState);
    }
    Duration age = Duration.between(last.time(), now);
    if (device != null
        && device.interval() != null
        && device.interval().isPositive()
        && age.compareTo(device.interval().multipliedBy(STALE_INTERVALS)) > 0) {
      return new Latest(
          "stale",
          "no reading for "
              + seconds(age)
              + " (the device is read every "
              + seconds(device.interval())
              + ")",
          deviceState);
    }
    if (last.quality() != Quality.GOOD) {
      String point = device == null ? null : pointOf(device, key);
      String why = status == null || point == null ? null : status.pointErrors().get(point);
      return new Latest(
          stored, why != null ? why : "stored as " + stored + "; no reason known", deviceState);
    }
    return new Latest(stored, null, deviceState);
  }

  /** The name of the profile point whose readings land in {@code key}, or null. */
  String pointOf(Device device, SeriesKey key) {
    if (device.profile() == null) {
      return null;
    }
    Profile profile = site.profile(device.profile()).orElse(null);
    if (profile == null) {
      return null;
    }
    for (Profile.Point p : profile.points()) {
      if (p.field().equals(key.field())
          && Vocabulary.measurementOf(p, device).equals(key.measurement())
          && p.tags().entrySet().stream()
              .allMatch(e -> e.getValue().equals(key.tags().get(e.getKey())))) {
        return p.name();
      }
    }
    return null;
  }

  private static String down(DeviceStatus s) {
    String since =
        s.lastSuccess() == null ? "never read" : "last read " + s.lastSuccess().toString();
    return "device down (" + since + "): " + (s.lastError() == null ? "no answer" : s.lastError());
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }
}
