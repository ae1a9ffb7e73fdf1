package io.kilowatch.store.embedded;

import io.kilowatch.store.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;

/**
 * Run in a child JVM by {@link EmbeddedStoreTest}: writes a batch, reports it acknowledged, then
 * halts without closing the store, as a killed process would.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) {
    var store =
        EmbeddedStore.open(
            Path.of(args[0]),
            Duration.ofDays(7),
            Duration.ofDays(90),
            Duration.ofDays(1830),
            false);
    int n = Integer.parseInt(args[1]);
    var batch = new ArrayList<Sample>();
    for (int i = 0; i < n; i++) {
      batch.add(
          Sample.of(
              Instant.ofEpochSecond(1_700_000_000L + i),
              "pdu",
              Map.of("rack", "r1"),
              Map.of("power_w", (double) i)));
    }
    store.write(batch);
    System.out.println("acknowledged");
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
