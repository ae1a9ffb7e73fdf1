package io.kilowatch.collector;

import io.kilowatch.config.Device;
import io.kilowatch.store.Sample;
import java.util.List;
import java.util.Map;

/**
 * Reads one device. Construction only validates (it never touches the network); {@link #poll()}
 * connects lazily and reconnects after a failure.
 *
 * <p>Bad points are data, not exceptions: a point the device refused or that did not decode is a
 * field of a {@link io.kilowatch.store.Quality#BAD} sample, with the value {@link Double#NaN}. The
 * field is kept (rather than omitted) because the field name is what identifies the series: a BAD
 * sample without the field could not say which reading is bad. GOOD and UNCERTAIN samples never
 * carry NaN or infinities; a device that reports a non-finite number gives a BAD field.
 *
 * <p>Not thread-safe: one poll at a time. {@link #close()} may be called from another thread to
 * abort a poll that hangs.
 */
public interface DeviceCollector extends AutoCloseable {

  Device device();

  /**
   * One poll.
   *
   * @return samples of this poll; fields sharing measurement, tags and quality are in one sample
   * @throws Exception only when the device as a whole failed (connect, timeout, garbage answer)
   */
  List<Sample> poll() throws Exception;

  /**
   * Why points were bad in the last poll, by point name (for status pages). Empty when every point
   * was good.
   */
  default Map<String, String> pointErrors() {
    return Map.of();
  }

  /**
   * Values this collector received but had to drop because its bounded queue between polls was
   * full, since it was made (0 for collectors that hold nothing between polls).
   */
  default long droppedValues() {
    return 0;
  }

  /**
   * Whether the first connection to the device is still being opened: it has neither succeeded nor
   * failed yet. A poll that throws meanwhile (a session that takes longer than one poll to open) is
   * then progress, not the device's failure: a scheduler may show the device as connecting and poll
   * again at the next interval, without backoff and without a device-down line. False for
   * collectors that connect within a poll.
   */
  default boolean connecting() {
    return false;
  }

  /**
   * The time within which {@link #poll()} returns or throws on its own, every wait it makes ending
   * at that deadline; null when it relies on the scheduler to give up on it (a protocol library
   * that may block past any timeout). A scheduler whose own timeout is at least this long may run
   * the poll on the device's thread: no helper thread and no timer per poll, which at thousands of
   * polls a second is a good share of the cost of a poll.
   */
  default java.time.Duration boundedBy() {
    return null;
  }

  /** Releases the connection. Never throws; safe to call twice and while a poll runs. */
  @Override
  void close();
}
