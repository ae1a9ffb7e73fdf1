package io.kilowatch.store.influx;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.store.BatchingWriter;
import io.kilowatch.store.Point;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.buffer.BufferedStore;
import io.kilowatch.store.buffer.DiskBuffer;
import io.kilowatch.testkit.InfluxServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Nothing acknowledged is lost when InfluxDB goes away or kilowatch is killed. */
class StoreAndForwardTest {
  @RegisterExtension static final InfluxServer SERVER = InfluxServer.withoutAuth();

  @TempDir Path dir;

  private static void await(BooleanSupplier condition, Duration limit) {
    Awaitility.await()
        .atMost(limit)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }

  /** Every sequence number 0..n-1 exactly once, each at its own timestamp with its value. */
  private static long assertEachOnce(List<SeriesPoints> read) {
    var seen = new HashSet<Long>();
    for (var series : read) {
      for (Point p : series.points()) {
        long seq = (long) p.value();
        assertThat(p.time()).isEqualTo(BufferedWriterChild.sample(seq).time());
        assertThat(seen.add(seq)).as("seq %d once", seq).isTrue();
      }
    }
    for (long s = 0; s < seen.size(); s++) {
      assertThat(seen).as("no gap").contains(s);
    }
    return seen.size();
  }

  private static List<SeriesPoints> readAll(InfluxStore store) {
    return store.read(
        SeriesQuery.of("pdu", "seq"),
        BufferedWriterChild.T0,
        BufferedWriterChild.T0.plus(Duration.ofDays(1)));
  }

  @Test
  void everyPointArrivesExactlyOnceAfterInfluxdIsStoppedForAWhileUnderSteadyIngest()
      throws Exception {
    var influx = InfluxStores.fresh(SERVER);
    var buffered =
        new BufferedStore(
            influx,
            DiskBuffer.open(dir.resolve("buffer"), 64L << 20),
            Duration.ofMillis(50),
            Duration.ofMillis(400));
    var writer = new BatchingWriter(buffered, 100_000, 500, Duration.ofMillis(50));
    var produced = new AtomicLong();
    var producer =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    writer.accept(List.of(BufferedWriterChild.sample(produced.getAndIncrement())));
                    try {
                      // Paces the producer like device polls would: steady ingest, not a wait.
                      Thread.sleep(1);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    try {
      await(() -> writer.written() > 200, Duration.ofSeconds(10));
      SERVER.process().stop();
      long atStop = produced.get();
      await(() -> buffered.isBuffering() && produced.get() > atStop + 500, Duration.ofSeconds(10));
      SERVER.process().start();
      long atStart = produced.get();
      await(() -> produced.get() > atStart + 300, Duration.ofSeconds(10));
    } finally {
      producer.interrupt();
      producer.join(Duration.ofSeconds(5));
    }
    writer.close();
    await(() -> !buffered.isBuffering(), Duration.ofSeconds(30));

    assertThat(writer.dropped()).isZero();
    assertThat(buffered.droppedSamples()).isZero();
    assertThat(buffered.bufferedSamples()).as("the outage sent samples to disk").isPositive();
    assertThat(buffered.replayedSamples()).isEqualTo(buffered.bufferedSamples());
    assertThat(assertEachOnce(readAll(influx))).isEqualTo(produced.get());
    buffered.close();
  }

  @Test
  void killMinusNineLosesNoAcknowledgedSample() throws Exception {
    int deadPort;
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    var config = SERVER.newDatabase();
    String java = ProcessHandle.current().info().command().orElse("java");
    var child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                BufferedWriterChild.class.getName(),
                dir.toString(),
                "http://127.0.0.1:" + deadPort,
                config.database())
            .redirectErrorStream(true)
            .start();
    var acknowledged = new AtomicLong(-1);
    var in =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    // Reads to the end, so every count the child printed before the kill is taken.
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (in) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                      if (line.startsWith("acknowledged ")) {
                        acknowledged.set(Long.parseLong(line.substring("acknowledged ".length())));
                      }
                    }
                  } catch (IOException e) {
                    // The child is gone; what was read stands.
                  }
                });
    Awaitility.await("child acknowledged 2000 samples")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> acknowledged.get() >= 2_000 || !child.isAlive());
    // SIGKILL in the middle of steady ingest: no shutdown hook, no flush.
    child.destroyForcibly();
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(reader.join(Duration.ofSeconds(10))).as("child output read to its end").isTrue();
    assertThat(acknowledged.get()).isGreaterThanOrEqualTo(2_000);

    var influx = InfluxStore.open(config);
    influx.createDatabase();
    try (var buffered = BufferedStore.open(influx, dir, 256L << 20)) {
      await(() -> !buffered.isBuffering(), Duration.ofSeconds(30));
      long stored = assertEachOnce(readAll(influx));
      assertThat(stored).isGreaterThanOrEqualTo(acknowledged.get());
    }
  }

  @Test
  void aFullBufferDropsAndCountsInsteadOfGrowing() throws Exception {
    int deadPort;
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    var influx =
        InfluxStore.open(
            new io.kilowatch.config.InfluxConfig(
                java.net.URI.create("http://127.0.0.1:" + deadPort), "x", null, null, null, null));
    try (var buffered =
        new BufferedStore(
            influx,
            DiskBuffer.open(dir.resolve("buffer"), 2_000),
            Duration.ofMillis(50),
            Duration.ofMillis(50))) {
      int refused = 0;
      for (long seq = 0; seq < 50; seq++) {
        try {
          buffered.write(List.of(BufferedWriterChild.sample(seq)));
        } catch (io.kilowatch.store.StoreException e) {
          refused++;
        }
      }
      assertThat(refused).isPositive();
      assertThat(buffered.droppedSamples()).isEqualTo(refused);
      assertThat(buffered.bufferedBytes()).isLessThanOrEqualTo(2_000);
      assertThat(buffered.bufferedSamples()).isEqualTo(50 - refused);
    }
  }
}
