package io.kilowatch.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStateListener;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler with collectors that behave as told (answer, fail, hang): this tests the
 * scheduling, not a protocol, so the devices are stand-ins.
 */
class PollSchedulerTest {
  private static final Source DUMMY = new Source.Dcgm(URI.create("http://127.0.0.1:9/metrics"));

  private final Clock clock = Clock.systemUTC();
  private final Map<String, List<Instant>> attempts = new ConcurrentHashMap<>();
  private final List<Sample> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger created = new AtomicInteger();
  private final AtomicInteger closed = new AtomicInteger();
  private PollScheduler scheduler;

  /** What a stand-in device does on its n-th poll (counting from 0). */
  interface Behaviour {
    List<Sample> poll(int n, FakeCollector self) throws Exception;
  }

  final class FakeCollector implements DeviceCollector {
    private final Device device;
    private final Behaviour behaviour;
    private final AtomicInteger polls;
    private final CountDownLatch released = new CountDownLatch(1);

    /** What this collector says it dropped from its queue so far. */
    volatile long dropped;

    FakeCollector(Device device, Behaviour behaviour, AtomicInteger polls) {
      this.device = device;
      this.behaviour = behaviour;
      this.polls = polls;
    }

    @Override
    public Device device() {
      return device;
    }

    @Override
    public List<Sample> poll() throws Exception {
      attempts.computeIfAbsent(device.id(), k -> new CopyOnWriteArrayList<>()).add(clock.instant());
      return behaviour.poll(polls.getAndIncrement(), this);
    }

    /** Blocks like a library read that ignores interrupts, until the collector is closed. */
    List<Sample> hang() {
      while (true) {
        try {
          released.await();
          throw new IllegalStateException("connection closed");
        } catch (InterruptedException e) {
          // ignored on purpose
        }
      }
    }

    @Override
    public long droppedValues() {
      return dropped;
    }

    @Override
    public void close() {
      closed.incrementAndGet();
      released.countDown();
    }
  }

  private static Device device(String id, long intervalMs, long timeoutMs) {
    return TestSites.device(
        id,
        DeviceKind.GPU_NODE,
        DUMMY,
        Duration.ofMillis(intervalMs),
        Duration.ofMillis(timeoutMs));
  }

  private static List<Sample> answer(Device d) {
    return List.of(
        Sample.of(Instant.now(), "gpu", Map.of("device", d.id()), Map.of("power_w", 1.0)));
  }

  private PollScheduler start(
      Map<Device, Behaviour> devices, Duration maxBackoff, DeviceStateListener listener) {
    SiteConfig site = TestSites.site(List.of(), List.copyOf(devices.keySet()));
    Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();
    scheduler =
        new PollScheduler(
            site,
            received::addAll,
            clock,
            d -> {
              created.incrementAndGet();
              return new FakeCollector(
                  d, devices.get(d), counters.computeIfAbsent(d.id(), k -> new AtomicInteger()));
            },
            maxBackoff);
    if (listener != null) {
      scheduler.addListener(listener);
    }
    scheduler.start();
    return scheduler;
  }

  @AfterEach
  void stop() {
    if (scheduler != null) {
      scheduler.close();
    }
  }

  private static void await(String what, Duration max, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private DeviceStatus status(String id) {
    return scheduler.statuses().stream()
        .filter(s -> s.deviceId().equals(id))
        .findFirst()
        .orElseThrow();
  }

  private List<Instant> attemptsOf(String id) {
    return attempts.getOrDefault(id, List.of());
  }

  private static List<Long> gapsMs(List<Instant> times) {
    var gaps = new ArrayList<Long>();
    for (int i = 1; i < times.size(); i++) {
      gaps.add(Duration.between(times.get(i - 1), times.get(i)).toMillis());
    }
    return gaps;
  }

  @Test
  void droppedValuesOfEachDeviceAddUpAcrossTheCollectorsItWentThrough() throws Exception {
    // Poll 0: the collector has dropped 7 values; poll 1 hangs, so the scheduler replaces it;
    // the new collector drops 3 on poll 2 and answers from then on: 7 + 3 = 10 in all.
    Device d = device("cdu", 100, 300);
    start(
        Map.of(
            d,
            (n, self) -> {
              if (n == 1) {
                return self.hang();
              }
              self.dropped = n == 0 ? 7 : 3;
              return answer(d);
            }),
        Duration.ofMillis(200),
        null);

    await(
        "the replacement collector's second poll",
        Duration.ofSeconds(8),
        () -> attemptsOf("cdu").size() >= 4);

    assertThat(created.get()).isEqualTo(2);
    assertThat(status("cdu").droppedValues()).isEqualTo(10);
    assertThat(scheduler.droppedValues()).containsExactly(Map.entry("cdu", 10L));
  }

  @Test
  void aHangingDeviceDoesNotDelayAHealthyOne() throws Exception {
    // Scaled so that a loaded 2-core machine cannot blur the difference: a healthy poll waiting
    // behind the hung one would come 600 ms late; on its own it keeps its 200 ms slots.
    Device hanging = device("hanging", 200, 600);
    Device healthy = device("healthy", 200, 1000);
    var map = new java.util.LinkedHashMap<Device, Behaviour>();
    map.put(hanging, (n, self) -> self.hang());
    map.put(healthy, (n, self) -> answer(healthy));
    start(map, Duration.ofSeconds(5), null);

    await(
        "10 polls of the healthy device",
        Duration.ofSeconds(8),
        () -> attemptsOf("healthy").size() >= 10);

    // Every slot of the healthy device was kept while the other hung past its timeout.
    assertThat(gapsMs(attemptsOf("healthy"))).allSatisfy(g -> assertThat(g).isBetween(80L, 450L));
    DeviceStatus h = status("hanging");
    assertThat(h.state()).isEqualTo(DeviceStatus.State.DOWN);
    assertThat(h.lastError()).contains("no answer within");
    assertThat(h.lastRoundTrip()).isBetween(Duration.ofMillis(590), Duration.ofMillis(1500));
    // The hung collector was closed (that is what unblocks a stuck read) and replaced.
    assertThat(closed.get()).isGreaterThanOrEqualTo(1);
    assertThat(created.get()).isGreaterThanOrEqualTo(3);
    assertThat(status("healthy").state()).isEqualTo(DeviceStatus.State.UP);
    assertThat(received)
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.tags()).containsEntry("device", "healthy"));
  }

  @Test
  void backoffGrowsWhileDownAndIsCapped() throws Exception {
    Device dead = device("dead", 60, 300);
    start(
        Map.of(
            dead,
            (n, self) -> {
              throw new java.io.IOException("connection refused");
            }),
        Duration.ofMillis(600),
        null);

    await("7 attempts", Duration.ofSeconds(10), () -> attemptsOf("dead").size() >= 7);

    // Nominal delays 120, 240, 480, then the cap of 600 ms, each less up to 10% jitter (upper
    // bounds leave room for a loaded machine; the lower bounds are what backoff promises).
    List<Long> gaps = gapsMs(attemptsOf("dead"));
    assertThat(gaps.get(0)).isBetween(100L, 300L);
    assertThat(gaps.get(1)).isBetween(210L, 420L);
    assertThat(gaps.get(2)).isBetween(425L, 700L);
    assertThat(gaps.subList(3, gaps.size())).allSatisfy(g -> assertThat(g).isBetween(530L, 850L));
    DeviceStatus s = status("dead");
    assertThat(s.state()).isEqualTo(DeviceStatus.State.DOWN);
    assertThat(s.consecutiveFailures()).isGreaterThanOrEqualTo(6);
    assertThat(s.lastError()).isEqualTo("connection refused");
    assertThat(s.lastSuccess()).isNull();
    // The delay counts from the end of the failed attempt.
    assertThat(Duration.between(s.lastAttempt().plus(s.lastRoundTrip()), s.nextAttempt()))
        .isLessThanOrEqualTo(Duration.ofMillis(600));
  }

  @Test
  void recoveryIsReportedOnceAndResetsTheStatus() throws Exception {
    Device flaky = device("flaky", 20, 100);
    var changes = new CopyOnWriteArrayList<String>();
    start(
        Map.of(
            flaky,
            (n, self) -> {
              if (n < 3) {
                throw new java.io.IOException("timeout " + n);
              }
              return answer(flaky);
            }),
        Duration.ofMillis(100),
        (before, after) ->
            changes.add(before.state() + ">" + after.state() + "/" + before.consecutiveFailures()));

    await("several good polls", Duration.ofSeconds(5), () -> received.size() >= 5);

    assertThat(changes).containsExactly("UNKNOWN>DOWN/0", "DOWN>UP/3");
    DeviceStatus s = status("flaky");
    assertThat(s.state()).isEqualTo(DeviceStatus.State.UP);
    assertThat(s.consecutiveFailures()).isZero();
    assertThat(s.lastError()).isNull();
    assertThat(s.lastSuccess()).isNotNull();
    assertThat(s.nextAttempt()).isAfter(s.lastAttempt());
    assertThat(s.kind()).isEqualTo(DeviceKind.GPU_NODE);
  }

  @Test
  void pollingIsFixedRateWithoutDrift() throws Exception {
    Device d = device("steady", 300, 1000);
    start(
        Map.of(
            d,
            (n, self) -> {
              Thread.sleep(100);
              return answer(d);
            }),
        Duration.ofSeconds(5),
        null);

    await("7 polls", Duration.ofSeconds(6), () -> attemptsOf("steady").size() >= 7);

    // Slot k starts at k × interval after slot 1: the 100 ms each poll takes does not accumulate
    // (with drift, slot 6 would be 500 ms late). The band allows for a loaded 2-core machine.
    // (Slot 0 is left out: the very first poll in a JVM pays for class loading.)
    List<Instant> t = attemptsOf("steady");
    for (int k = 2; k < 7; k++) {
      long offset = Duration.between(t.get(1), t.get(k)).toMillis() - (k - 1) * 300L;
      assertThat(offset).as("slot %d", k).isBetween(-60L, 150L);
    }
  }

  @Test
  void slotsMissedByASlowPollAreSkippedNotBurst() throws Exception {
    Device d = device("slow", 100, 1000);
    start(
        Map.of(
            d,
            (n, self) -> {
              Thread.sleep(250);
              return answer(d);
            }),
        Duration.ofSeconds(5),
        null);

    await("4 polls", Duration.ofSeconds(5), () -> attemptsOf("slow").size() >= 4);

    // Each 250 ms poll overruns two slots; the next poll waits for the third, never back to back.
    assertThat(gapsMs(attemptsOf("slow"))).allSatisfy(g -> assertThat(g).isBetween(270L, 700L));
    assertThat(status("slow").state()).isEqualTo(DeviceStatus.State.UP);
  }

  @Test
  void aDeviceTheFactoryRefusesIsDownWithTheReason() throws Exception {
    SiteConfig site = TestSites.site(List.of(), List.of(device("misconfigured", 20, 100)));
    scheduler =
        new PollScheduler(
            site,
            received::addAll,
            clock,
            d -> {
              throw new IllegalArgumentException("unknown profile nope");
            });
    scheduler.start();

    await(
        "a failure",
        Duration.ofSeconds(2),
        () -> status("misconfigured").consecutiveFailures() > 0);

    assertThat(status("misconfigured").state()).isEqualTo(DeviceStatus.State.DOWN);
    assertThat(status("misconfigured").lastError()).isEqualTo("unknown profile nope");
  }

  @Test
  void statusesAreUnknownBeforeTheFirstPoll() {
    SiteConfig site =
        TestSites.site(List.of(), List.of(device("a", 1000, 100), device("b", 1000, 100)));
    scheduler =
        new PollScheduler(
            site,
            received::addAll,
            clock,
            d -> {
              throw new AssertionError();
            });

    assertThat(scheduler.statuses())
        .extracting(DeviceStatus::deviceId, DeviceStatus::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", DeviceStatus.State.UNKNOWN),
            org.assertj.core.groups.Tuple.tuple("b", DeviceStatus.State.UNKNOWN));
  }

  @Test
  void closeIsBoundedEvenWithAPollHanging() throws Exception {
    Device hanging = device("hanging", 100, 10_000);
    start(Map.of(hanging, (n, self) -> self.hang()), Duration.ofSeconds(5), null);
    await("the hang to start", Duration.ofSeconds(2), () -> !attemptsOf("hanging").isEmpty());

    long start = System.nanoTime();
    scheduler.close();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(closed.get()).isEqualTo(1);
  }
}
