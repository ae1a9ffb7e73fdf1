package io.kilowatch.collector;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs point-level problems when they change, not on every poll: a point that stays bad for a day
 * gives one warning, and one line when it is good again.
 */
public final class PointErrorLog {
  private static final Logger log = LoggerFactory.getLogger(PointErrorLog.class);

  private final String deviceId;
  private Map<String, String> last = Map.of();

  public PointErrorLog(String deviceId) {
    this.deviceId = deviceId;
  }

  /** Takes the errors of the latest poll (point name → reason) and logs what changed. */
  public synchronized void update(Map<String, String> current) {
    current.forEach(
        (point, why) -> {
          if (!why.equals(last.get(point))) {
            log.warn("device {} point {} is bad: {}", deviceId, point, why);
          }
        });
    last.keySet().stream()
        .filter(p -> !current.containsKey(p))
        .forEach(p -> log.info("device {} point {} is good again", deviceId, p));
    last = Map.copyOf(new HashMap<>(current));
  }

  public synchronized Map<String, String> current() {
    return last;
  }
}
