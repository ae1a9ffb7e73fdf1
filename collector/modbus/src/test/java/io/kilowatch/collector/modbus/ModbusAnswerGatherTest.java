package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.testkit.modbus.ModbusAnswer;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * On a virtual thread a request's answer is awaited at an instant shared by the requests of the
 * same moment, unless its deadline is near or the caller says not to
 * (ModbusTcpConnection#awaitAnswer). Each answer here carries its own transaction id as the first
 * register, so a read that took another request's answer shows it. The shared instants are 200 ms
 * apart here (5 ms in use), so a fake that answers at once is never close to missing one.
 */
class ModbusAnswerGatherTest {
  private static final long FIVE_SECONDS = 5_000_000_000L;

  /** Far beyond ten waits of 200 ms: no stall of a loaded machine makes a read skip its wait. */
  private static final long ONE_MINUTE = 60_000_000_000L;

  private static final Duration PERIOD = Duration.ofMillis(200);

  private static ModbusTcpConnection connection(ModbusTcpFake fake, Duration period)
      throws Exception {
    var c = new ModbusTcpConnection("127.0.0.1", fake.port(), period);
    c.connect(Duration.ofSeconds(2));
    return c;
  }

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

  private static ModbusAnswer echo(int transaction) {
    return ModbusAnswer.values(transaction, 230, 16);
  }

  /** {@code n} reads in a row on one virtual thread; each must get its own request's answer. */
  private static void readInTurn(ModbusTcpConnection c, int n) throws Exception {
    List<int[]> answers =
        onVirtualThread(
            () -> {
              var all = new ArrayList<int[]>();
              for (int i = 0; i < n; i++) {
                all.add(c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + ONE_MINUTE));
              }
              return all;
            });
    for (int i = 0; i < n; i++) {
      assertThat(answers.get(i)).containsExactly(i + 1, 230, 16);
    }
  }

  @Test
  void answersOfAFastDeviceAreTakenAtTheSharedInstantEachItsOwn() throws Exception {
    try (var fake = ModbusTcpFake.start(r -> echo(r.transaction()));
        var c = connection(fake, PERIOD)) {
      readInTurn(c, 5);
      assertThat(c.gathered()).isEqualTo(5);
    }
  }

  @Test
  void aSlowAnswerIsStillReadAndEveryRequestWaitsForTheSharedInstantAgain() throws Exception {
    // Answers 150 ms late, where the shared instants are 20 ms apart: each comes after the instant
    // its request waits for, at most 36 ms after it was sent.
    try (var fake =
            ModbusTcpFake.start(
                r -> new ModbusAnswer.Late(Duration.ofMillis(150), echo(r.transaction())));
        var c = connection(fake, Duration.ofMillis(20))) {
      readInTurn(c, 3);
      assertThat(c.gathered()).isEqualTo(3);
    }
  }

  @Test
  void aReadAskedNotToGatherNeverWaitsForTheSharedInstant() throws Exception {
    try (var fake = ModbusTcpFake.start(r -> echo(r.transaction()));
        var c = connection(fake, PERIOD)) {
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
        var c = connection(fake, PERIOD)) {
      assertThat(c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + FIVE_SECONDS))
          .containsExactly(1, 230, 16);
      assertThat(c.gathered()).isZero();
    }
  }

  @Test
  void aDeadlineCloserThanTenWaitsIsReadAtOnce() throws Exception {
    try (var fake = ModbusTcpFake.start(r -> echo(r.transaction()));
        var c = connection(fake, PERIOD)) {
      // The wait would be 160-360 ms; one second left is less than ten of them.
      int[] answer =
          onVirtualThread(
              () -> c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + 1_000_000_000L));
      assertThat(answer).containsExactly(1, 230, 16);
      assertThat(c.gathered()).isZero();
    }
  }

  @Test
  void aReadInterruptedWhileItsAnswerIsAwaitedLeavesTheConnectionInStepForTheNext()
      throws Exception {
    // Instants a minute apart: the reader waits for one until the interrupt, however loaded the
    // machine.
    try (var fake = ModbusTcpFake.start(r -> echo(r.transaction()));
        var c = connection(fake, Duration.ofMinutes(1))) {
      var thrown = new AtomicReference<Throwable>();
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + 3_600_000_000_000L);
                    } catch (Throwable t) {
                      thrown.set(t);
                    }
                  });
      // Asked, answered at once, and waiting for the shared instant (at least 48 s away): the only
      // timed wait of a read whose answer is already there.
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> fake.requests() == 1 && reader.getState() == Thread.State.TIMED_WAITING);
      reader.interrupt();
      reader.join();
      assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
      assertThat(c.inStep()).isTrue();
      assertThat(c.isOpen()).isTrue();
      // Transaction 1's answer is in the socket before transaction 2 is asked: read past, not
      // taken.
      int[] next =
          onVirtualThread(
              () -> c.read(1, RegisterType.HOLDING, 0, 3, System.nanoTime() + FIVE_SECONDS, false));
      assertThat(next).containsExactly(2, 230, 16);
    }
  }
}
