package io.kilowatch.store.influx;

import io.kilowatch.config.InfluxConfig;
import io.kilowatch.store.BatchingWriter;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.buffer.BufferedStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Run in a child JVM by {@link StoreAndForwardTest}: kilowatch's write path (BatchingWriter, then
 * BufferedStore, then an InfluxStore whose server is away) under steady ingest, printing how many
 * samples the store has acknowledged, until the test kills it with SIGKILL.
 *
 * <p>Arguments: data directory, InfluxDB URL (nothing listening), database.
 */
public final class BufferedWriterChild {
  static final Instant T0 = Instant.parse("2026-02-01T00:00:00Z");

  private BufferedWriterChild() {}

  static Sample sample(long seq) {
    return new Sample(
        T0.plusMillis(seq * 10),
        "pdu",
        new TreeMap<>(Map.of("device", "pdu-" + seq % 3)),
        new TreeMap<>(Map.of("seq", (double) seq)),
        Quality.GOOD);
  }

  public static void main(String[] args) throws Exception {
    var influx =
        InfluxStore.open(new InfluxConfig(URI.create(args[1]), args[2], null, null, null, null));
    var store = BufferedStore.open(influx, Path.of(args[0]), 256L << 20);
    var writer = new BatchingWriter(store, 100_000, 200, Duration.ofMillis(20));
    var producer =
        Thread.ofVirtual()
            .start(
                () -> {
                  for (long seq = 0; !Thread.currentThread().isInterrupted(); seq++) {
                    writer.accept(List.of(sample(seq)));
                    if (seq % 20 == 19) {
                      try {
                        // Paces the producer to a steady ingest rate; there is nothing to await.
                        Thread.sleep(1);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  }
                });
    long reported = -1;
    while (producer.isAlive()) {
      long written = writer.written();
      if (written != reported) {
        // Every sample counted here went through BufferedStore.write, which returned.
        System.out.println("acknowledged " + written);
        System.out.flush();
        reported = written;
      }
      // The report interval of a child process that only samples a counter; nothing to await.
      Thread.sleep(5);
    }
  }
}
