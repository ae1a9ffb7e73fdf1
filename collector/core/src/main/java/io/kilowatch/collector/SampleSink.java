package io.kilowatch.collector;

import io.kilowatch.store.Sample;
import java.util.List;

/**
 * Receives the samples of each successful poll. Called concurrently from the loops of different
 * devices, so implementations must be thread-safe; a slow sink delays only the device whose batch
 * it is handling.
 */
@FunctionalInterface
public interface SampleSink {
  void accept(List<Sample> samples);
}
