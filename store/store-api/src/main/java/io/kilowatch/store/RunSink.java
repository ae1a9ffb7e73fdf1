package io.kilowatch.store;

import java.util.List;

/**
 * Receives one series' runs at a time, oldest first, so a month of many series never sits in memory
 * at once.
 */
@FunctionalInterface
public interface RunSink {
  void accept(SeriesKey key, List<Run> runs);
}
