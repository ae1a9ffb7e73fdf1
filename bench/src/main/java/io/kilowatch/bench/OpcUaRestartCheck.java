package io.kilowatch.bench;

import io.kilowatch.app.Kilowatch;
import io.kilowatch.store.SeriesQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the OPC UA server restarts of a soak did: when the server was down, and how many CDU
 * readings kilowatch stored after it was serving again (above zero: kilowatch reconnected by
 * itself).
 *
 * @param cdusStoringAfter CDUs with at least one good reading stored after the last restart
 */
record OpcUaRestartCheck(
    List<ScaleSite.Restart> restarts, long storedAfterLast, int cdusStoringAfter) {

  /** The CDU field the simulator counts reads of (see {@link CduVariables#COUNTED}). */
  static final String COUNTED_FIELD = "heat_removed_kw";

  static OpcUaRestartCheck of(Kilowatch app, List<ScaleSite.Restart> restarts) {
    if (restarts.isEmpty()) {
      return new OpcUaRestartCheck(restarts, 0, 0);
    }
    Instant from = restarts.getLast().serving();
    Map<String, Long> after =
        SoakRun.goodPointsByDevice(
            app, SeriesQuery.of("cooling_loop", COUNTED_FIELD), from, Instant.now().plusSeconds(1));
    long stored = after.values().stream().mapToLong(Long::longValue).sum();
    int cdus = (int) after.values().stream().filter(n -> n > 0).count();
    return new OpcUaRestartCheck(restarts, stored, cdus);
  }

  String render() {
    StringBuilder b = new StringBuilder();
    for (ScaleSite.Restart r : restarts) {
      b.append("OPC UA server restart: down ")
          .append(Duration.between(r.stopped(), r.serving()).toMillis())
          .append(" ms, then ")
          .append(storedAfterLast)
          .append(" CDU readings stored from ")
          .append(cdusStoringAfter)
          .append(" CDUs after it was serving again\n");
    }
    return b.toString();
  }
}
