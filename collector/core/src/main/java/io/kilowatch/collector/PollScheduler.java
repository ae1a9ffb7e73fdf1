package io.kilowatch.collector;

import io.kilowatch.config.Device;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.Wording;
import io.kilowatch.device.DeviceStateListener;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Sample;
import io.kilowatch.time.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls every device of a site (but push devices, whose readings arrive as line protocol), each on
 * its own named virtual thread, so that a dead or slow device never delays another.
 *
 * <p>Per device: fixed-rate polling (the next slot is the previous slot plus the interval, and
 * slots missed by a slow poll are skipped rather than caught up in a burst), the slots after the
 * first on the site's poll grid ({@code collector.pollTick}, one second by default) when the
 * interval is a multiple of it (but retries after a failure, which keep the backoff's jitter), so
 * that polls which start together share the wake-ups of the threads that serve them; each poll runs
 * on its own virtual thread and is given up after {@link Device#timeout()} even if the protocol
 * library ignores interrupts, and the collector is then closed and created afresh; after a failure
 * the device is DOWN and retried with exponential backoff, capped by {@code collector.maxBackoff}.
 * Only state changes are logged.
 *
 * <p>Devices that share a network address (a Modbus gateway's host:port, an OPC UA server's
 * host:port) share an {@link Endpoint}. An outage of the address takes all of them down and grows
 * their backoffs; so that recovery does not wait out each device's own backoff, the endpoint is
 * watched while any of its devices is down: a TCP connect at the shortest poll interval of its
 * devices. When the address answers again after it did not, or when one of its devices is back
 * after being down, every device behind it that is backing off is polled at once and its backoff
 * starts again from the first step.
 */
public final class PollScheduler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PollScheduler.class);

  private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final Duration COLLECTOR_CLOSE_WAIT = Duration.ofSeconds(2);

  private final List<Device> devices;
  private final SampleSink sink;
  private final Clock clock;
  private final Sleeper sleeper;
  private final RandomGenerator random;
  private final Function<Device, DeviceCollector> factory;
  private final Duration maxBackoff;
  private final long tickMillis;
  private final Map<String, AtomicReference<DeviceStatus>> statuses = new LinkedHashMap<>();
  private final Map<String, Long> droppedValues = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<Thread> loops = new ArrayList<>();
  private final Map<String, DeviceLoop> loopsById = new LinkedHashMap<>();
  private final Map<Endpoint.Address, Endpoint> endpoints = new LinkedHashMap<>();
  private final EndpointProbe probe;
  private final List<DeviceStateListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean running;

  /**
   * Polls every device this instance owns with the collector {@code factory} makes for it (the
   * application passes one that picks the collector by the device's source), in real time.
   */
  public PollScheduler(
      SiteConfig site, SampleSink sink, Clock clock, Function<Device, DeviceCollector> factory) {
    this(site, sink, clock, Sleeper.SYSTEM, factory);
  }

  /**
   * As above, with the waits between polls, the poll timeout and the backoff all measured by {@code
   * clock} and waited out by {@code sleeper}.
   */
  public PollScheduler(
      SiteConfig site,
      SampleSink sink,
      Clock clock,
      Sleeper sleeper,
      Function<Device, DeviceCollector> factory) {
    this(
        site,
        sink,
        clock,
        sleeper,
        factory,
        site.collector().maxBackoff(),
        ThreadLocalRandom.current(),
        EndpointProbe.TCP);
  }

  PollScheduler(
      SiteConfig site,
      SampleSink sink,
      Clock clock,
      Sleeper sleeper,
      Function<Device, DeviceCollector> factory,
      Duration maxBackoff,
      RandomGenerator random) {
    this(site, sink, clock, sleeper, factory, maxBackoff, random, EndpointProbe.TCP);
  }

  PollScheduler(
      SiteConfig site,
      SampleSink sink,
      Clock clock,
      Sleeper sleeper,
      Function<Device, DeviceCollector> factory,
      Duration maxBackoff,
      RandomGenerator random,
      EndpointProbe probe) {
    // With collector.shard i/n, this instance polls only its share; the others poll the rest.
    // Push devices are never polled: their readings arrive through the ingest.
    this.devices =
        site.allDevices()
            .filter(d -> !(d.source() instanceof Source.Push))
            .filter(d -> site.collector().shard().owns(d.id()))
            .toList();
    this.sink = Objects.requireNonNull(sink, "sink");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.random = Objects.requireNonNull(random, "random");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
    this.probe = Objects.requireNonNull(probe, "probe");
    this.tickMillis = site.collector().pollTick().toMillis();
    Instant now = clock.instant();
    for (Device d : devices) {
      // Spread first polls over one interval, to the millisecond: the first poll opens each
      // device's connection, and a site's start must not open thousands at once. Later slots
      // join the poll grid (see succeeded()), on connections already open.
      Instant first = now.plusMillis(random.nextLong(Math.max(1, intervalOf(d).toMillis())));
      statuses.put(d.id(), new AtomicReference<>(DeviceStatus.initial(d.id(), d.kind(), first)));
    }
  }

  /**
   * Starts one loop per device. First polls are spread at random over each device's interval (see
   * {@link DeviceStatus#nextAttempt()}), later ones follow at fixed rate.
   */
  public synchronized void start() {
    if (running) {
      throw new IllegalStateException("already started");
    }
    running = true;
    for (Device d : devices) {
      var loop = new DeviceLoop(d);
      loopsById.put(d.id(), loop);
      Endpoint.Address address = Endpoint.Address.of(d.source());
      if (address != null) {
        loop.endpoint =
            endpoints.computeIfAbsent(
                address, a -> new Endpoint(a, this::probeEndpoint, sleeper, log));
        loop.endpoint.add(loop.handle());
      }
    }
    for (DeviceLoop loop : loopsById.values()) {
      loops.add(Thread.ofVirtual().name("poll-" + loop.device.id()).start(loop::run));
    }
  }

  /** One connect attempt at an endpoint, for {@link Endpoint}'s watch. */
  private boolean probeEndpoint(Endpoint.Address address, Duration timeout)
      throws InterruptedException {
    return running && probe.answers(address, timeout);
  }

  /** Registers a listener for state changes; add listeners before {@link #start()}. */
  public void addListener(DeviceStateListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Status of every device, in configuration order. */
  public List<DeviceStatus> statuses() {
    return statuses.values().stream()
        .map(AtomicReference::get)
        .map(st -> st.withDroppedValues(droppedValues.getOrDefault(st.deviceId(), 0L)))
        .toList();
  }

  /**
   * Values each device's collector received but dropped because its bounded queue between polls was
   * full (see {@link DeviceCollector#droppedValues()}), since start; devices that dropped nothing
   * are absent.
   */
  public Map<String, Long> droppedValues() {
    return Map.copyOf(droppedValues);
  }

  /** Stops every loop and closes the collectors, waiting a bounded time. */
  @Override
  public synchronized void close() {
    running = false;
    endpoints.values().forEach(Endpoint::close);
    loops.forEach(Thread::interrupt);
    long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
    for (Thread t : loops) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !t.join(Duration.ofNanos(left))) {
          log.warn("poll loop {} did not stop within {}", t.getName(), CLOSE_WAIT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    loops.clear();
  }

  /**
   * The slot {@code t} moved onto the poll grid, for a device polled every {@code interval} whose
   * last poll ended at {@code end}: down to the tick at or before it when that is still after the
   * end (an interval shortened, never a gap in the device's series), else up to the next tick.
   * Unchanged when the grid is off or the interval is not a multiple of the tick (its slots would
   * drift off the grid anyway, and moving each one would change its interval).
   */
  private Instant onGrid(Instant t, Instant end, Duration interval) {
    long ms = interval.toMillis();
    if (tickMillis <= 0 || ms % tickMillis != 0 || interval.getNano() % 1_000_000 != 0) {
      return t;
    }
    Instant floor = Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), tickMillis) * tickMillis);
    return floor.isAfter(end) ? floor : floor.plusMillis(tickMillis);
  }

  private static Duration intervalOf(Device d) {
    return d.interval() != null && d.interval().isPositive() ? d.interval() : DEFAULT_INTERVAL;
  }

  private static Duration timeoutOf(Device d) {
    Duration interval = intervalOf(d);
    return d.timeout() != null && d.timeout().isPositive() ? d.timeout() : interval;
  }

  /** Closes a collector on its own thread and waits a little: close may block like a poll. */
  private static void closeQuietly(DeviceCollector collector) {
    if (collector == null) {
      return;
    }
    Thread t =
        Thread.ofVirtual()
            .name("close-" + collector.device().id())
            .start(
                () -> {
                  try {
                    collector.close();
                  } catch (RuntimeException e) {
                    log.debug("closing collector of {} failed", collector.device().id(), e);
                  }
                });
    // A loop closes its collector on the way out of an interrupt: clear the flag for the wait,
    // or join would return at once and close() could finish before the collector is closed.
    boolean interrupted = Thread.interrupted();
    try {
      t.join(COLLECTOR_CLOSE_WAIT);
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  private final class DeviceLoop {
    private final Device device;
    private final Duration interval;
    private final Duration timeout;
    private final AtomicReference<DeviceStatus> status;
    private DeviceCollector collector;

    /** The address this device shares with others, or null (NVML, a local library). */
    Endpoint endpoint;

    /** Failures counted for the backoff: reset on success and when the endpoint wakes the loop. */
    private int backoffStep;

    /** Point errors of the last successful poll (the collector's, read right after it). */
    private Map<String, String> pointErrors = Map.of();

    /** Guards {@link #sleeping}, {@link #woken} and the wake interrupt; see {@link #wake()}. */
    private final Object wakeLock = new Object();

    private Thread thread;
    private boolean sleeping;
    private boolean woken;

    /** Values dropped by collectors of this device that were replaced after a timeout. */
    private long droppedBefore;

    private final String pollThreadName;

    DeviceLoop(Device device) {
      this.device = device;
      this.pollThreadName = "poll-" + device.id() + "-once";
      this.interval = intervalOf(device);
      this.timeout = timeoutOf(device);
      this.status = statuses.get(device.id());
    }

    /** This loop as its endpoint sees it: one instance, so the endpoint can keep a set of them. */
    Endpoint.Member handle() {
      return member;
    }

    private final Endpoint.Member member = newHandle();

    private Endpoint.Member newHandle() {
      return new Endpoint.Member() {
        @Override
        public String id() {
          return device.id();
        }

        @Override
        public boolean down() {
          return status.get().state() == DeviceStatus.State.DOWN;
        }

        @Override
        public Duration interval() {
          return interval;
        }

        @Override
        public Duration timeout() {
          return timeout;
        }

        @Override
        public boolean wake() {
          return DeviceLoop.this.wake();
        }
      };
    }

    /**
     * Ends the backoff wait of a device that is down, so that it is polled now. Interrupts are how
     * a sleeper is cut short; the flag {@link #woken}, set under the same lock while the loop is
     * known to be asleep, tells that interrupt from one that stops the scheduler.
     */
    boolean wake() {
      synchronized (wakeLock) {
        if (!sleeping
            || woken
            || thread == null
            || status.get().state() != DeviceStatus.State.DOWN) {
          return false;
        }
        woken = true;
        thread.interrupt();
        return true;
      }
    }

    void run() {
      synchronized (wakeLock) {
        thread = Thread.currentThread();
      }
      Instant slot = status.get().nextAttempt();
      try {
        while (running && !Thread.currentThread().isInterrupted()) {
          if (sleepUntil(slot)) {
            // Woken from a backoff: this poll is the new slot the schedule counts from.
            slot = clock.instant();
          }
          Instant start = clock.instant();
          String error = attempt();
          Instant end = clock.instant();
          slot = error == null ? succeeded(slot, start, end) : failed(start, end, error);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        closeQuietly(collector);
        collector = null;
      }
    }

    private void noteDropped(long total) {
      if (total > 0) {
        droppedValues.put(device.id(), total);
      }
    }

    /** Sleeps until {@code when}, or less when {@link #wake()} ends the wait; true when it did. */
    private boolean sleepUntil(Instant when) throws InterruptedException {
      synchronized (wakeLock) {
        sleeping = true;
      }
      try {
        sleeper.sleep(Duration.between(clock.instant(), when));
      } catch (InterruptedException e) {
        if (!endWait()) {
          throw e;
        }
        return true;
      }
      return endWait();
    }

    /**
     * Ends a wait; true when it was a wake (whose interrupt is then cleared), false when nothing
     * woke the loop or the scheduler is stopping.
     */
    private boolean endWait() {
      synchronized (wakeLock) {
        sleeping = false;
        if (!woken) {
          return false;
        }
        woken = false;
        if (!running) {
          return false;
        }
        // The wake's interrupt, delivered while asleep or just after the sleep ended.
        Thread.interrupted();
        backoffStep = 0;
        return true;
      }
    }

    /** One poll under the timeout; returns why it failed, or null. */
    private String attempt() throws InterruptedException {
      List<Sample> samples;
      try {
        if (collector == null) {
          collector = factory.apply(device);
        }
        DeviceCollector c = collector;
        Duration own = c.boundedBy();
        if (own != null && own.compareTo(timeout) <= 0) {
          // The collector ends its own waits at its deadline: poll on this thread.
          Instant began = clock.instant();
          try {
            samples = c.poll();
          } catch (InterruptedException e) {
            throw e;
          } catch (Exception e) {
            if (Thread.currentThread().isInterrupted()) {
              throw new InterruptedException("poll of " + device.id() + " interrupted");
            }
            if (Duration.between(began, clock.instant()).compareTo(own) >= 0) {
              // As a poll the scheduler gave up on: a fresh collector for the next attempt.
              return gaveUp(c, own);
            }
            noteDropped(droppedBefore + c.droppedValues());
            return describe(e);
          }
          noteDropped(droppedBefore + c.droppedValues());
          pointErrors = pointErrorsOf(c);
          return deliver(samples);
        }
        var result = new CompletableFuture<List<Sample>>();
        Thread poller =
            Thread.ofVirtual()
                .name(pollThreadName)
                .start(
                    () -> {
                      try {
                        result.complete(c.poll());
                      } catch (Throwable t) {
                        result.completeExceptionally(t);
                      }
                    });
        Thread timer = null;
        if (sleeper != Sleeper.SYSTEM) {
          // A test's sleeper waits out the timeout on its own thread, so that it follows the same
          // clock as the schedule. Real time needs no thread: the wait below is bounded.
          timer =
              Thread.ofVirtual()
                  .name("poll-" + device.id() + "-timeout")
                  .start(
                      () -> {
                        try {
                          sleeper.sleep(timeout);
                          result.completeExceptionally(new PollTimeout());
                        } catch (InterruptedException e) {
                          // the poll ended first
                        }
                      });
        }
        try {
          samples =
              timer != null
                  ? result.get()
                  : result.get(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
          if (e instanceof ExecutionException ee && !(ee.getCause() instanceof PollTimeout)) {
            noteDropped(droppedBefore + c.droppedValues());
            return describe(ee.getCause() != null ? ee.getCause() : ee);
          }
          poller.interrupt();
          // The library may ignore the interrupt: closing the connection is what unblocks it, and
          // the next attempt starts from a fresh collector.
          return gaveUp(c, timeout);
        } finally {
          if (timer != null) {
            timer.interrupt();
          }
        }
        noteDropped(droppedBefore + c.droppedValues());
        pointErrors = pointErrorsOf(c);
      } catch (RuntimeException e) {
        // The factory refused the device (bad profile, unsupported option): keep retrying with
        // backoff so the status page shows why, rather than silently dropping the device.
        return describe(e);
      }
      return deliver(samples);
    }

    /** Drops a collector whose poll ran out of time; the next attempt starts from a fresh one. */
    private String gaveUp(DeviceCollector c, Duration limit) {
      closeQuietly(c);
      collector = null;
      droppedBefore += c.droppedValues();
      noteDropped(droppedBefore);
      return "no answer within " + Wording.duration(limit);
    }

    private String deliver(List<Sample> polled) {
      List<Sample> samples = polled == null ? List.of() : polled;
      try {
        sink.accept(samples);
      } catch (RuntimeException e) {
        // A sink problem is not a device problem: the device answered.
        log.warn("sink rejected {} samples of device {}: {}", samples.size(), device.id(), e);
      }
      return null;
    }

    private Map<String, String> pointErrorsOf(DeviceCollector c) {
      try {
        Map<String, String> errors = c.pointErrors();
        return errors == null ? Map.of() : Map.copyOf(errors);
      } catch (RuntimeException e) {
        log.debug("point errors of {} unavailable", device.id(), e);
        return Map.of();
      }
    }

    private Instant succeeded(Instant slot, Instant start, Instant end) {
      DeviceStatus old = status.get();
      backoffStep = 0;
      if (old.state() == DeviceStatus.State.DOWN) {
        log.info(
            "device {} is back after {}",
            device.id(),
            Wording.count(old.consecutiveFailures(), "failure"));
      } else if (old.state() == DeviceStatus.State.UNKNOWN) {
        log.debug("device {} is up", device.id());
      }
      // Drift-free: the next slot follows from the previous slot, not from when the poll ended,
      // and slots already past are skipped.
      Instant next = slot.plus(interval);
      if (!next.isAfter(end)) {
        long behind = Duration.between(next, end).toMillis() / interval.toMillis() + 1;
        next = next.plus(interval.multipliedBy(behind));
      }
      // Onto the grid after a first poll, or one made at once when its endpoint woke it: this
      // interval is shortened by less than a tick, and the slots after it stay on the grid.
      next = onGrid(next, end, interval);
      var c = collector;
      if (old.state() == DeviceStatus.State.UNKNOWN && c != null && c.connecting()) {
        // A first connection still being made (an OPC UA session can take seconds) is progress,
        // not a failure: the device stays unknown, with no backoff and no device-down alert.
        update(
            old,
            new DeviceStatus(
                device.id(),
                device.kind(),
                DeviceStatus.State.UNKNOWN,
                null,
                start,
                null,
                0,
                Duration.between(start, end),
                next));
        return next;
      }
      update(
          old,
          new DeviceStatus(
              device.id(),
              device.kind(),
              DeviceStatus.State.UP,
              end,
              start,
              null,
              0,
              Duration.between(start, end),
              next,
              0,
              pointErrors));
      if (old.state() == DeviceStatus.State.DOWN && endpoint != null) {
        // Its address answers again: the others behind it need not wait out their backoffs.
        endpoint.memberRecovered(member);
      }
      return next;
    }

    private void update(DeviceStatus old, DeviceStatus current) {
      status.set(current);
      if (old.state() != current.state()) {
        for (DeviceStateListener l : listeners) {
          try {
            l.stateChanged(old, current);
          } catch (RuntimeException e) {
            log.warn("state listener failed for device {}", device.id(), e);
          }
        }
      }
    }

    private Instant failed(Instant start, Instant end, String error) {
      DeviceStatus old = status.get();
      int failures = old.consecutiveFailures() + 1;
      if (old.state() != DeviceStatus.State.DOWN) {
        log.warn("device {} is down: {}", device.id(), error);
      }
      backoffStep++;
      // Not on the grid: a retry opens a new connection, and the backoff's jitter is what keeps
      // the devices of one outage from reconnecting in the same instant. The slot after the
      // retry's success joins the grid again.
      Instant next = end.plus(Backoff.delay(interval, backoffStep, maxBackoff, random));
      update(
          old,
          new DeviceStatus(
              device.id(),
              device.kind(),
              DeviceStatus.State.DOWN,
              old.lastSuccess(),
              start,
              error,
              failures,
              Duration.between(start, end),
              next,
              0,
              old.pointErrors()));
      if (endpoint != null) {
        endpoint.memberFailed(member);
      }
      return next;
    }
  }

  /** The poll ran past its timeout (a private type, so no collector's own exception matches). */
  private static final class PollTimeout extends Exception {
    PollTimeout() {
      super(null, null, false, false);
    }
  }
}
