package io.kilowatch.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import io.kilowatch.config.CollectorConfig;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Shard;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStateListener;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.ManualTime;
import io.kilowatch.testkit.TestSites;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler with collectors that behave as told (answer, fail, hang): this tests the
 * scheduling, not a protocol, so the devices are stand-ins. Time is a {@link ManualTime}: the test
 * moves it from one wake-up of a device loop to the next, so every poll happens at an exact instant
 * and the expectations are exact.
 */
class PollSchedulerTest {
  private static final Source DUMMY = new Source.Dcgm(URI.create("http://127.0.0.1:9/metrics"));

  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  /** No jitter and no spread of first polls: every device starts at T0, backoff is nominal. */
  private static final RandomGenerator NO_JITTER = () -> 0L;

  private final ManualTime time = new ManualTime(T0);
  private final Map<String, List<Instant>> attempts = new ConcurrentHashMap<>();
  private final List<Sample> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger created = new AtomicInteger();
  private final AtomicInteger closed = new AtomicInteger();

  /** What each device's collectors say bounds their polls ({@link DeviceCollector#boundedBy}). */
  private final Map<String, Duration> bounds = new ConcurrentHashMap<>();

  /** The thread each poll ran on, per device. */
  private final Map<String, List<String>> pollThreads = new ConcurrentHashMap<>();

  private PollScheduler scheduler;

  /** The site's collector settings (the poll grid among them) for the next {@link #start}. */
  private CollectorConfig collectorConfig = CollectorConfig.DEFAULT;

  /** The spread of first polls and the backoff's jitter for the next {@link #start}. */
  private RandomGenerator random = NO_JITTER;

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

    /** What this collector says about bad points after its last poll. */
    volatile Map<String, String> errors = Map.of();

    /** Whether its first connection is still being made. */
    volatile boolean connecting;

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
      attempts.computeIfAbsent(device.id(), k -> new CopyOnWriteArrayList<>()).add(time.now());
      pollThreads
          .computeIfAbsent(device.id(), k -> new CopyOnWriteArrayList<>())
          .add(Thread.currentThread().getName());
      return behaviour.poll(polls.getAndIncrement(), this);
    }

    @Override
    public Duration boundedBy() {
      return bounds.get(device.id());
    }

    /** A poll that takes {@code d} of the scheduler's clock. */
    List<Sample> answerAfter(Duration d) {
      time.advance(d);
      return answer(device);
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
    public Map<String, String> pointErrors() {
      return errors;
    }

    @Override
    public boolean connecting() {
      return connecting;
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
    return start(devices, maxBackoff, listener, EndpointProbe.TCP);
  }

  private PollScheduler start(
      Map<Device, Behaviour> devices,
      Duration maxBackoff,
      DeviceStateListener listener,
      EndpointProbe probe) {
    SiteConfig site =
        TestSites.site(List.of(), List.copyOf(devices.keySet())).withCollector(collectorConfig);
    Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();
    scheduler =
        new PollScheduler(
            site,
            received::addAll,
            time.clock(),
            time,
            d -> {
              created.incrementAndGet();
              return new FakeCollector(
                  d, devices.get(d), counters.computeIfAbsent(d.id(), k -> new AtomicInteger()));
            },
            maxBackoff,
            random,
            probe);
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

  /** Lets the loop of device {@code id} reach its next slot {@code times} times. */
  private void wakeLoop(String id, int times) throws InterruptedException {
    for (int i = 0; i < times; i++) {
      time.wake("poll-" + id);
    }
    // The last wake-up's poll is over once the loop sleeps again.
    time.awaitSleeping("poll-" + id);
  }

  private static List<Instant> at(long... millis) {
    return java.util.Arrays.stream(millis).mapToObj(T0::plusMillis).toList();
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

    time.wake("poll-cdu"); // poll 1, which hangs
    // Poll 0's timer, interrupted when that poll ended, may still be on its way out of the clock.
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> time.awaitSleeping("poll-cdu-timeout"), t -> t.equals(T0.plusMillis(400)));
    time.advanceTo(T0.plusMillis(400));
    wakeLoop("cdu", 2); // after a 200 ms backoff, two polls of the new collector

    assertThat(attemptsOf("cdu")).containsExactlyElementsOf(at(0, 100, 600, 700));
    assertThat(created.get()).isEqualTo(2);
    assertThat(closed.get()).isEqualTo(1);
    assertThat(status("cdu").droppedValues()).isEqualTo(10);
    assertThat(scheduler.droppedValues()).containsExactly(Map.entry("cdu", 10L));
  }

  @Test
  void aHangingDeviceDoesNotDelayAHealthyOne() throws Exception {
    Device hanging = device("hanging", 200, 600);
    Device healthy = device("healthy", 200, 1000);
    var map = new java.util.LinkedHashMap<Device, Behaviour>();
    map.put(hanging, (n, self) -> self.hang());
    map.put(healthy, (n, self) -> answer(healthy));
    start(map, Duration.ofSeconds(5), null);

    // The hanging poll's timer must be counting from T0 before time moves, or on a loaded
    // machine it could start later and never be due at 600 ms.
    assertThat(time.awaitSleeping("poll-hanging-timeout")).isEqualTo(T0.plusMillis(600));
    wakeLoop("healthy", 3); // to T0 + 600 ms, the hanging poll's timeout
    await().atMost(Duration.ofSeconds(10)).until(() -> status("hanging").consecutiveFailures() > 0);
    DeviceStatus h = status("hanging");
    assertThat(h.state()).isEqualTo(DeviceStatus.State.DOWN);
    assertThat(h.lastError()).isEqualTo("no answer within 600 ms");
    assertThat(h.lastRoundTrip()).isEqualTo(Duration.ofMillis(600));
    // The hung collector was closed (that is what unblocks a stuck read).
    assertThat(closed.get()).isEqualTo(1);
    wakeLoop("healthy", 6);

    // Every slot of the healthy device was kept while the other hung past its timeout.
    assertThat(attemptsOf("healthy"))
        .containsExactlyElementsOf(
            IntStream.range(0, 10).mapToObj(k -> T0.plusMillis(200L * k)).toList());
    assertThat(status("healthy").state()).isEqualTo(DeviceStatus.State.UP);
    assertThat(received)
        .hasSize(10)
        .allSatisfy(s -> assertThat(s.tags()).containsEntry("device", "healthy"));
  }

  /**
   * A 100 ms grid. The spread of first polls draws 130 ms (a generator whose nextLong() is 260
   * gives nextLong(bound) = (260 >>> 1) % bound for these bounds; its nextDouble(), (260 >>> 11) /
   * 2^53, is 0, so the backoff has no jitter).
   */
  private void onA100MsGrid() {
    collectorConfig = new CollectorConfig(Shard.ALL, Duration.ofMinutes(1), Duration.ofMillis(100));
    random = () -> 260L;
  }

  @Test
  void slotsAreOnThePollGridWhenTheIntervalIsAMultipleOfItsTick() throws Exception {
    onA100MsGrid();
    Device d = device("on-grid", 300, 200);
    start(Map.of(d, (n, self) -> answer(d)), Duration.ofMinutes(1), null);

    wakeLoop("on-grid", 4);

    // The first poll keeps its spread (130 ms: it opens the connection); the next slot, 430 ms,
    // moves down to 400 ms (after that poll's end: an interval shortened, never a gap), and from
    // then on every 300 ms is on the grid.
    assertThat(attemptsOf("on-grid")).containsExactlyElementsOf(at(130, 400, 700, 1000));
  }

  @Test
  void slotsKeepTheirSpreadWhenTheIntervalIsNotAMultipleOfTheTick() throws Exception {
    onA100MsGrid();
    Device d = device("off-grid", 250, 200);
    start(Map.of(d, (n, self) -> answer(d)), Duration.ofMinutes(1), null);

    wakeLoop("off-grid", 3);

    // Rounding each slot of a 250 ms interval to a 100 ms grid would stretch it to 300 ms.
    assertThat(attemptsOf("off-grid")).containsExactlyElementsOf(at(130, 380, 630));
  }

  @Test
  void aRetryKeepsTheBackoffsJitterAndTheSlotAfterItsSuccessIsOnTheGrid() throws Exception {
    onA100MsGrid();
    // The generator's nextDouble() is (2^62 >>> 11) / 2^53 = 0.25: a quarter of the 10 % jitter.
    random = () -> 1L << 62;
    Device d = device("failing", 300, 200);
    start(
        Map.of(
            d,
            (n, self) -> {
              if (n == 0) {
                time.advance(Duration.ofMillis(30));
                throw new java.io.IOException("connection refused");
              }
              return answer(d);
            }),
        Duration.ofMinutes(1),
        null);

    wakeLoop("failing", 3);

    // The spread draws nextLong(300) = (2^62 >>> 1) % 300 = 2^61 % 300 = 152 ms. That poll failed
    // 30 ms in, at 182 ms; the backoff of 2 intervals, 600 ms, less its jitter of
    // floor(600 × 0.1 × 0.25) = 15 ms, puts the retry at 767 ms, off the grid. It answers: the
    // next slot, 1,067 ms, moves down to 1,000 ms, and the one after is 1,300 ms.
    assertThat(attemptsOf("failing")).containsExactlyElementsOf(at(152, 767, 1000));
    assertThat(status("failing").nextAttempt()).isEqualTo(T0.plusMillis(1300));
  }

  @Test
  void aZeroTickSpreadsSlotsToTheMillisecond() throws Exception {
    collectorConfig = new CollectorConfig(Shard.ALL, Duration.ofMinutes(1), Duration.ZERO);
    random = () -> 260L;
    Device d = device("spread", 1000, 200);
    start(Map.of(d, (n, self) -> answer(d)), Duration.ofMinutes(1), null);

    wakeLoop("spread", 2);

    assertThat(attemptsOf("spread")).containsExactlyElementsOf(at(130, 1130));
  }

  @Test
  void aPollMadeAtOnceByAWakeIsFollowedByASlotOnTheGrid() throws Exception {
    // The wake below (aDeviceBackAfterAnOutageWakesTheOthersBehindItsAddress), on the default
    // one-second grid: the slow unit, woken at 200 ms, is polled at once; its next slot,
    // 1,200 ms, moves down to 1,000 ms.
    gatewayBackAt200Ms();

    assertThat(attemptsOf("slow")).containsExactlyElementsOf(at(0, 200));
    assertThat(status("slow").nextAttempt()).isEqualTo(T0.plusMillis(1000));
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

    wakeLoop("dead", 6);

    // Delays 120, 240, 480, then the cap of 600 ms (jitter is off here; BackoffTest covers it),
    // each counted from the end of the failed attempt.
    assertThat(attemptsOf("dead"))
        .containsExactlyElementsOf(at(0, 120, 360, 840, 1440, 2040, 2640));
    DeviceStatus s = status("dead");
    assertThat(s.state()).isEqualTo(DeviceStatus.State.DOWN);
    assertThat(s.consecutiveFailures()).isEqualTo(7);
    assertThat(s.lastError()).isEqualTo("connection refused");
    assertThat(s.lastSuccess()).isNull();
    assertThat(s.nextAttempt()).isEqualTo(T0.plusMillis(3240));
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

    wakeLoop("flaky", 7);

    // Backoff 40, 80, then the cap of 100 ms; once up, back to the 20 ms interval.
    assertThat(attemptsOf("flaky"))
        .containsExactlyElementsOf(at(0, 40, 120, 220, 240, 260, 280, 300));
    assertThat(changes).containsExactly("UNKNOWN>DOWN/0", "DOWN>UP/3");
    assertThat(received).hasSize(5);
    DeviceStatus s = status("flaky");
    assertThat(s.state()).isEqualTo(DeviceStatus.State.UP);
    assertThat(s.consecutiveFailures()).isZero();
    assertThat(s.lastError()).isNull();
    assertThat(s.lastSuccess()).isEqualTo(T0.plusMillis(300));
    assertThat(s.nextAttempt()).isEqualTo(T0.plusMillis(320));
    assertThat(s.kind()).isEqualTo(DeviceKind.GPU_NODE);
  }

  @Test
  void aFirstConnectionInProgressIsNeitherAFailureNorUp() throws Exception {
    // An OPC UA session can take seconds to open: the polls meanwhile return nothing and say so.
    Device slow = device("slow-session", 20, 100);
    var changes = new CopyOnWriteArrayList<String>();
    start(
        Map.of(
            slow,
            (n, self) -> {
              self.connecting = n < 2;
              return n < 2 ? List.of() : answer(slow);
            }),
        Duration.ofMillis(100),
        (before, after) -> changes.add(before.state() + ">" + after.state()));

    wakeLoop("slow-session", 1);
    DeviceStatus connecting = status("slow-session");
    assertThat(connecting.state()).isEqualTo(DeviceStatus.State.UNKNOWN);
    assertThat(connecting.consecutiveFailures()).isZero();
    assertThat(connecting.lastError()).isNull();
    assertThat(connecting.lastSuccess()).isNull();

    wakeLoop("slow-session", 1);
    // No backoff: polled at the interval throughout, and up once the session is open.
    assertThat(attemptsOf("slow-session")).containsExactlyElementsOf(at(0, 20, 40));
    assertThat(changes).containsExactly("UNKNOWN>UP");
    assertThat(status("slow-session").lastSuccess()).isEqualTo(T0.plusMillis(40));
  }

  @Test
  void pollingIsFixedRateWithoutDrift() throws Exception {
    Device d = device("steady", 300, 1000);
    start(
        Map.of(d, (n, self) -> self.answerAfter(Duration.ofMillis(100))),
        Duration.ofSeconds(5),
        null);

    wakeLoop("steady", 6);

    // Slot k starts at k × interval: the 100 ms each poll takes does not accumulate (with drift,
    // slot 6 would be at 2400 ms).
    assertThat(attemptsOf("steady"))
        .containsExactlyElementsOf(at(0, 300, 600, 900, 1200, 1500, 1800));
    assertThat(status("steady").lastRoundTrip()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void slotsMissedByASlowPollAreSkippedNotBurst() throws Exception {
    Device d = device("slow", 100, 1000);
    start(
        Map.of(d, (n, self) -> self.answerAfter(Duration.ofMillis(250))),
        Duration.ofSeconds(5),
        null);

    wakeLoop("slow", 3);

    // Each 250 ms poll overruns two slots; the next poll waits for the third, never back to back.
    assertThat(attemptsOf("slow")).containsExactlyElementsOf(at(0, 300, 600, 900));
    assertThat(status("slow").state()).isEqualTo(DeviceStatus.State.UP);
  }

  @Test
  void aDeviceTheFactoryRefusesIsDownWithTheReason() throws Exception {
    SiteConfig site = TestSites.site(List.of(), List.of(device("misconfigured", 20, 100)));
    scheduler =
        new PollScheduler(
            site,
            received::addAll,
            time.clock(),
            time,
            d -> {
              throw new IllegalArgumentException("unknown profile nope");
            });
    scheduler.start();

    // The first poll is spread at random inside the interval; a spread of zero polls at once and
    // the thread's first sleep is already the backoff after that poll.
    time.awaitSleeping("poll-misconfigured");
    if (status("misconfigured").consecutiveFailures() == 0) {
      time.wake("poll-misconfigured");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> status("misconfigured").consecutiveFailures() >= 1);
      time.awaitSleeping("poll-misconfigured"); // in backoff after it
    }

    assertThat(status("misconfigured").state()).isEqualTo(DeviceStatus.State.DOWN);
    assertThat(status("misconfigured").consecutiveFailures()).isEqualTo(1);
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
            time.clock(),
            time,
            d -> {
              throw new AssertionError();
            });

    assertThat(scheduler.statuses())
        .extracting(DeviceStatus::deviceId, DeviceStatus::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", DeviceStatus.State.UNKNOWN),
            org.assertj.core.groups.Tuple.tuple("b", DeviceStatus.State.UNKNOWN));
  }

  /** A push device's readings arrive through the ingest; a collector for it would only fail. */
  @Test
  void pushDevicesAreNeitherPolledNorListed() {
    Device pushed =
        TestSites.device(
            "it_A",
            DeviceKind.METER,
            new Source.Push(Map.of("meter", "it_A")),
            Duration.ofMinutes(1),
            Duration.ofSeconds(5));
    SiteConfig site = TestSites.site(List.of(), List.of(device("a", 1000, 100), pushed));
    scheduler =
        new PollScheduler(
            site,
            received::addAll,
            time.clock(),
            time,
            d -> {
              throw new AssertionError("no collector for " + d.id());
            });

    assertThat(scheduler.statuses()).extracting(DeviceStatus::deviceId).containsExactly("a");
  }

  @Test
  void aCollectorThatBoundsItsOwnPollsIsPolledOnTheDevicesThread() throws Exception {
    Device bounded = device("bounded", 200, 1000);
    Device longer = device("longer", 200, 1000);
    bounds.put("bounded", Duration.ofMillis(1000));
    // A bound past the scheduler's timeout is not trusted: that poll runs on a helper thread.
    bounds.put("longer", Duration.ofMillis(1001));
    var map = new java.util.LinkedHashMap<Device, Behaviour>();
    map.put(bounded, (n, self) -> self.answerAfter(Duration.ZERO));
    map.put(longer, (n, self) -> self.answerAfter(Duration.ZERO));
    start(map, Duration.ofSeconds(5), null);
    wakeLoop("bounded", 2);

    assertThat(attemptsOf("bounded")).containsExactly(T0, T0.plusMillis(200), T0.plusMillis(400));
    assertThat(pollThreads.get("bounded")).containsOnly("poll-bounded");
    assertThat(status("bounded").state()).isEqualTo(DeviceStatus.State.UP);
    assertThat(received.stream().filter(s -> s.tags().get("device").equals("bounded"))).hasSize(3);
    wakeLoop("longer", 2);
    assertThat(attemptsOf("longer")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(pollThreads.get("longer")).containsOnly("poll-longer-once");
  }

  @Test
  void aBoundedPollThatFailsPastItsBoundIsATimeoutAndTheNextUsesAFreshCollector() throws Exception {
    Device slow = device("slow", 1000, 1000);
    bounds.put("slow", Duration.ofMillis(500));
    start(
        Map.of(
            slow,
            (n, self) -> {
              if (n == 0) {
                // What a collector's own deadline does: the wait ends at the bound, with an error.
                time.advance(Duration.ofMillis(500));
                throw new java.io.IOException("connection closed at the deadline");
              }
              if (n == 1) {
                throw new java.io.IOException("refused");
              }
              return answer(slow);
            }),
        Duration.ofSeconds(5),
        null);
    await().atMost(Duration.ofSeconds(10)).until(() -> status("slow").consecutiveFailures() == 1);
    DeviceStatus s = status("slow");
    assertThat(s.lastError()).isEqualTo("no answer within 500 ms");
    assertThat(s.lastRoundTrip()).isEqualTo(Duration.ofMillis(500));
    assertThat(closed.get()).isEqualTo(1);
    // A failure within the bound is the device's own error, and keeps its collector.
    wakeLoop("slow", 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> status("slow").consecutiveFailures() == 2);
    assertThat(status("slow").lastError()).contains("refused");
    assertThat(created.get()).isEqualTo(2);
    assertThat(closed.get()).isEqualTo(1);
  }

  @Test
  void closeIsBoundedEvenWithAPollHanging() {
    Device hanging = device("hanging", 100, 10_000);
    start(Map.of(hanging, (n, self) -> self.hang()), Duration.ofSeconds(5), null);
    await().atMost(Duration.ofSeconds(10)).until(() -> !attemptsOf("hanging").isEmpty());

    // Real time on purpose: what is bounded here is how long a caller of close() waits.
    assertTimeout(Duration.ofSeconds(3), scheduler::close);
    assertThat(closed.get()).isEqualTo(1);
  }

  /**
   * Two Modbus units behind one gateway that is down: the fast unit (100 ms) and the slow one (1 s)
   * fail their first polls at T0; the gateway is back before the fast unit's retry at 200 ms, and
   * the slow unit's poll that its success wakes is over when this returns.
   */
  private void gatewayBackAt200Ms() throws Exception {
    var gatewayUp = new java.util.concurrent.atomic.AtomicBoolean();
    Source gateway = new Source.Modbus("10.0.0.9", 502, 1);
    Device fast = TestSites.device("fast", DeviceKind.PDU, gateway, ms(100), ms(50));
    Device slow =
        TestSites.device(
            "slow", DeviceKind.PDU, new Source.Modbus("10.0.0.9", 502, 2), ms(1000), ms(50));
    Behaviour viaGateway =
        (n, self) -> {
          if (!gatewayUp.get()) {
            throw new java.io.IOException("connection refused");
          }
          return answer(self.device());
        };
    var map = new java.util.LinkedHashMap<Device, Behaviour>();
    map.put(fast, viaGateway);
    map.put(slow, viaGateway);
    // The probe never answers here: what is tested is the wake by a device's own success.
    start(map, Duration.ofSeconds(60), null, (address, timeout) -> false);

    time.awaitSleeping("poll-fast");
    assertThat(time.awaitSleeping("poll-slow")).isEqualTo(T0.plusMillis(2000));
    gatewayUp.set(true);
    time.wake("poll-fast"); // 200 ms: the fast unit is back
    await().atMost(Duration.ofSeconds(10)).until(() -> attemptsOf("slow").size() == 2);
    time.awaitSleeping("poll-slow");
  }

  /**
   * Two Modbus units behind one gateway. The gateway was down: the fast unit's backoff is 200 ms,
   * the slow unit's 2 s. The first poll that reaches the gateway again polls the other unit at
   * once, instead of 1.8 s later, and the slow unit's schedule counts from that poll.
   */
  @Test
  void aDeviceBackAfterAnOutageWakesTheOthersBehindItsAddress() throws Exception {
    // Without the poll grid, which would round the slow unit's next slot up to a whole second.
    collectorConfig = new CollectorConfig(Shard.ALL, Duration.ofMinutes(1), Duration.ZERO);
    gatewayBackAt200Ms();

    assertThat(attemptsOf("fast")).containsExactlyElementsOf(at(0, 200));
    assertThat(attemptsOf("slow")).containsExactlyElementsOf(at(0, 200));
    assertThat(status("slow").state()).isEqualTo(DeviceStatus.State.UP);
    assertThat(status("slow").nextAttempt()).isEqualTo(T0.plusMillis(1200));
  }

  /** A unit that fails behind a gateway whose other unit answers keeps its backoff. */
  @Test
  void aDeadUnitBehindALiveGatewayKeepsItsBackoff() throws Exception {
    Device live =
        TestSites.device(
            "live", DeviceKind.PDU, new Source.Modbus("10.0.0.9", 502, 1), ms(100), ms(50));
    Device dead =
        TestSites.device(
            "dead", DeviceKind.PDU, new Source.Modbus("10.0.0.9", 502, 2), ms(100), ms(50));
    var map = new java.util.LinkedHashMap<Device, Behaviour>();
    map.put(live, (n, self) -> answer(live));
    map.put(
        dead,
        (n, self) -> {
          throw new java.io.IOException("gateway target device failed to respond");
        });
    start(map, Duration.ofSeconds(60), null, (address, timeout) -> true);
    time.awaitSleeping("poll-live"); // both first polls (at T0) are over
    time.awaitSleeping("poll-dead");

    for (int i = 0; i < 8; i++) { // to 800 ms, each poll of both devices over before the next
      time.wake("poll-live");
      time.awaitSleeping("poll-live");
      time.awaitSleeping("poll-dead");
    }

    // 200 and 400 ms backoffs, as if alone: the live unit's polls are no news about the address.
    assertThat(attemptsOf("dead")).containsExactlyElementsOf(at(0, 200, 600));
  }

  @Test
  void thePointErrorsOfTheLastSuccessfulPollAreInTheStatusAndOutliveAnOutage() throws Exception {
    Device d = device("meter", 100, 50);
    start(
        Map.of(
            d,
            (n, self) -> {
              if (n == 0) {
                self.errors = Map.of("ghost", "illegal data address (exception 2) at holding 101");
                return answer(d);
              }
              throw new java.io.IOException("connection refused");
            }),
        Duration.ofSeconds(5),
        null);

    time.awaitSleeping("poll-meter");
    assertThat(status("meter").pointErrors())
        .containsExactly(Map.entry("ghost", "illegal data address (exception 2) at holding 101"));
    wakeLoop("meter", 1);
    assertThat(status("meter").state()).isEqualTo(DeviceStatus.State.DOWN);
    assertThat(status("meter").pointErrors()).containsOnlyKeys("ghost");
  }

  @Test
  void theBackoffCapIsTheSitesCollectorMaxBackoff() throws Exception {
    Device dead = device("dead", 100, 50);
    SiteConfig site =
        TestSites.site(List.of(), List.of(dead))
            .withCollector(
                new io.kilowatch.config.CollectorConfig(
                    io.kilowatch.config.Shard.ALL, Duration.ofMillis(300)));
    scheduler =
        new PollScheduler(
            site,
            received::addAll,
            time.clock(),
            time,
            dev ->
                new FakeCollector(
                    dev,
                    (n, self) -> {
                      throw new java.io.IOException("refused");
                    },
                    new AtomicInteger()));
    scheduler.start();
    time.awaitSleeping("poll-dead");
    if (status("dead").consecutiveFailures() == 0) {
      time.wake("poll-dead"); // the first poll, spread at random inside the interval
      await().atMost(Duration.ofSeconds(10)).until(() -> status("dead").consecutiveFailures() == 1);
    }
    for (int i = 0; i < 4; i++) {
      time.awaitSleeping("poll-dead");
      DeviceStatus before = status("dead");
      time.wake("poll-dead");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> status("dead").consecutiveFailures() > before.consecutiveFailures());
    }
    DeviceStatus s = status("dead");

    // Up to 10% jitter shortens a delay; the 300 ms cap holds from the second failure on.
    Duration last = Duration.between(s.lastAttempt(), s.nextAttempt());
    assertThat(last)
        .isLessThanOrEqualTo(Duration.ofMillis(300))
        .isGreaterThan(Duration.ofMillis(269));
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
