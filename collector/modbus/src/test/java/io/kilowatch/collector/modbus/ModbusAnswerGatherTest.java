package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.testkit.modbus.ModbusAnswer;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * On a virtual thread a request's answer is awaited at an instant shared by the requests of the
 * same moment, unless it missed that instant lately or another unit waits for the connection
 * (ModbusTcpConnection#awaitAnswer). Each answer here carries its own transaction id as the first
 * register, so a read that took another request's answer shows it.
 */
class ModbusAnswerGatherTest {
  private static final long FIVE_SECONDS = 5_000_000_000L;

  /** Runs {@code body} on a virtual thread, as the poll scheduler runs every poll. */
  private static <T> T onVirtualThread(Callable<T> body) throws Exception {
    var result = new CompletableFuture<T>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                result.complete(body.call());
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            })
        .join();
    return result.getNow(null);
  }

  private interface Callable<T> {
    T call() throws Exception;
  }

  private static ModbusAnswer echo(int transaction) {
    return ModbusAnswer.values(transaction, 230, 16);
  }

  @Test
  void answersOfAFastDeviceAreTakenAtTheSharedInstantEachItsOwn() throws Exception {
    try (var fake = ModbusTcpFake.start(r -> echo(r.transaction()));
        var c = new ModbusTcpConnection("127.0.0.1", fake.port())) {
      c.connect(Duration.ofSeconds(2));
      List<int[]> answers =
          onVirtualThread(
              () -> {
                var all = new ArrayList<int[]>();
                for (int i = 0; i < 20; i++) {
                  all.add(c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + FIVE_SECONDS));
                }
                return all;
              });
      for (int i = 0; i < 20; i++) {
        assertThat(answers.get(i)).containsExactly(i + 1, 230, 16);
      }
      assertThat(c.gathered()).isEqualTo(20);
      assertThat(c.missed()).isZero();
    }
  }

  @Test
  void aSlowAnswerIsStillReadAndTheNextEightRequestsAreReadAtOnceThenGatheredAgain()
      throws Exception {
    // 40 ms: past the shared instant, which is at most 10 ms after the request.
    try (var fake =
            ModbusTcpFake.start(
                r -> new ModbusAnswer.Late(Duration.ofMillis(40), echo(r.transaction())));
        var c = new ModbusTcpConnection("127.0.0.1", fake.port())) {
      c.connect(Duration.ofSeconds(2));
      var counts = new ArrayList<long[]>();
      List<int[]> answers =
          onVirtualThread(
              () -> {
                var all = new ArrayList<int[]>();
                for (int i = 0; i < 10; i++) {
                  all.add(c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + FIVE_SECONDS));
                  counts.add(new long[] {c.gathered(), c.missed()});
                }
                return all;
              });
      for (int i = 0; i < 10; i++) {
        assertThat(answers.get(i)).containsExactly(i + 1, 230, 16);
      }
      // The first misses; the next eight are read at once; the tenth is gathered, and misses.
      assertThat(counts.get(0)).containsExactly(1, 1);
      assertThat(counts.get(8)).containsExactly(1, 1);
      assertThat(counts.get(9)).containsExactly(2, 2);
    }
  }

  @Test
  void aReadAskedNotToGatherNeverWaitsForTheSharedInstant() throws Exception {
    try (var fake = ModbusTcpFake.start(r -> echo(r.transaction()));
        var c = new ModbusTcpConnection("127.0.0.1", fake.port())) {
      c.connect(Duration.ofSeconds(2));
      int[] answer =
          onVirtualThread(
              () -> c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + FIVE_SECONDS, false));
      assertThat(answer).containsExactly(1, 230, 16);
      assertThat(c.gathered()).isZero();
    }
  }

  @Test
  void aPlatformThreadReadsAtOnce() throws Exception {
    try (var fake = ModbusTcpFake.start(r -> echo(r.transaction()));
        var c = new ModbusTcpConnection("127.0.0.1", fake.port())) {
      c.connect(Duration.ofSeconds(2));
      assertThat(c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + FIVE_SECONDS))
          .containsExactly(1, 230, 16);
      assertThat(c.gathered()).isZero();
    }
  }

  @Test
  void aReadInterruptedWhileItsAnswerIsAwaitedLeavesTheConnectionInStepForTheNext()
      throws Exception {
    var reader = new AtomicReference<Thread>();
    // The reader is interrupted as its first request arrives, before the answer is sent: so while
    // it waits for the shared instant (or as it starts to). The fake answers each request in
    // order on one thread, so that answer is on the wire before the second request is read.
    try (var fake =
            ModbusTcpFake.start(
                r -> {
                  if (r.transaction() == 1) {
                    reader.get().interrupt();
                  }
                  return echo(r.transaction());
                });
        var c = new ModbusTcpConnection("127.0.0.1", fake.port())) {
      c.connect(Duration.ofSeconds(2));
      var thrown = new AtomicReference<Throwable>();
      reader.set(
          Thread.ofVirtual()
              .unstarted(
                  () -> {
                    try {
                      c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + FIVE_SECONDS);
                    } catch (Throwable t) {
                      thrown.set(t);
                    }
                  }));
      reader.get().start();
      reader.get().join();
      assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
      assertThat(c.inStep()).isTrue();
      assertThat(c.isOpen()).isTrue();
      // Transaction 1's answer comes first: it is read past, not taken.
      int[] next =
          onVirtualThread(
              () -> c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + FIVE_SECONDS));
      assertThat(next).containsExactly(2, 230, 16);
    }
  }
}
