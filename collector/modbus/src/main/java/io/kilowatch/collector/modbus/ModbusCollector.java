package io.kilowatch.collector.modbus;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.PointErrorLog;
import io.kilowatch.collector.Readings;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one Modbus device (a unit id at a host:port) over the endpoint's shared connection.
 *
 * <p>What a poll gives, by what the device does:
 *
 * <ul>
 *   <li>answers: every point GOOD (a float that decodes to NaN or ±Inf is BAD);
 *   <li>refuses a request (illegal function, address or value, device failure): the points of that
 *       request are BAD with the exception named and the address in the message, and the rest of
 *       the device is still read. A refused block of several points is split in halves until every
 *       part is answered or is one refused point, and answered neighbours are merged again where
 *       the device allows it; this plan is remembered, so later polls send the fewest requests that
 *       avoid the refused addresses, until the connection is opened again or a re-probe of the
 *       whole block every {@value #DEFAULT_REPROBE_POLLS} polls;
 *   <li>says it is busy (acknowledge, server device busy): the points keep their last good value,
 *       with quality STALE, if it is from the last {@value #STALE_POLLS} intervals; else BAD;
 *   <li>does not answer in time, sends garbage or a short frame, drops the connection, or a gateway
 *       says it cannot reach it: the poll throws, so the scheduler marks the device down.
 * </ul>
 *
 * <p>Text points ({@code string}) are not numbers and are not stored: they are device information
 * (model, serial number, firmware), returned by {@link #text()}.
 */
public final class ModbusCollector implements DeviceCollector {
  private static final Logger log = LoggerFactory.getLogger(ModbusCollector.class);
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  static final int DEFAULT_REPROBE_POLLS = 30;
  static final int STALE_POLLS = 3;
  private static final Duration BACKSTOP_MARGIN = Duration.ofMillis(200);

  private final Device device;
  private final Source.Modbus source;
  private final Profile.Modbus profile;
  private final SiteConfig site;
  private final Clock clock;
  private final List<ReadBlock> plan;
  private final Duration requestTimeout;
  private final Duration pollTimeout;
  // Worked out once: Duration's division goes through BigDecimal, a cost on every request.
  private final Duration halfPollTimeout;
  private final long pollBudgetNanos;
  // Points keep their tag maps from poll to poll, so their merged tag sets are kept too.
  private final Readings.TagCache tagCache = new Readings.TagCache();
  private final boolean sharedInConfig;
  private final Duration staleAfter;
  private final PointErrorLog errorLog;
  private final ModbusEndpoints.Endpoint endpoint;
  private final AtomicBoolean closed = new AtomicBoolean();
  // By identity: keyed by the plan's own blocks.
  private final Map<ReadBlock, Learned> learned = new IdentityHashMap<>();
  // By identity: the profile's points are the same objects from poll to poll, and a record's hash
  // walks every field of the point.
  private final Map<ModbusPoint, LastGood> lastGood = new IdentityHashMap<>();
  private volatile Map<String, String> text = Map.of();
  private int reprobePolls = DEFAULT_REPROBE_POLLS;
  private long requests;

  /**
   * What a refused block taught: the reads that the device answers, and the points it refuses (with
   * why), learned on connection number {@code connection}.
   */
  private record Learned(
      List<ReadBlock> reads,
      Map<ReadBlock.Planned, String> refused,
      int pollsLeft,
      long connection) {}

  private record LastGood(double value, Instant time) {}

  public ModbusCollector(
      Device device, Source.Modbus source, Profile.Modbus profile, SiteConfig site, Clock clock) {
    this(device, source, profile, site, clock, ModbusEndpoints.shared());
  }

  public ModbusCollector(
      Device device,
      Source.Modbus source,
      Profile.Modbus profile,
      SiteConfig site,
      Clock clock,
      ModbusEndpoints endpoints) {
    this.device = Objects.requireNonNull(device, "device");
    this.source = Objects.requireNonNull(source, "source");
    this.profile = Objects.requireNonNull(profile, "profile");
    this.site = site;
    this.clock = Objects.requireNonNull(clock, "clock");
    if (source.port() < 1 || source.port() > 65535) {
      throw new IllegalArgumentException("device " + device.id() + ": bad port " + source.port());
    }
    if (source.unitId() < 0 || source.unitId() > 255) {
      throw new IllegalArgumentException(
          "device " + device.id() + ": unit id must be 0..255, not " + source.unitId());
    }
    try {
      this.plan =
          RequestPlanner.of(source.requests()).plan(profile.points(), profile.addressBase());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "device " + device.id() + ", profile " + profile.id() + ": " + e.getMessage(), e);
    }
    Duration deviceTimeout =
        device.timeout() != null && device.timeout().isPositive()
            ? device.timeout()
            : DEFAULT_TIMEOUT;
    Duration own = source.requests().requestTimeout();
    this.pollTimeout = deviceTimeout;
    this.halfPollTimeout = deviceTimeout.dividedBy(2);
    this.pollBudgetNanos = deviceTimeout.minus(backstopMargin(deviceTimeout)).toNanos();
    this.sharedInConfig = sharedInConfig(site, source);
    this.requestTimeout = own != null && own.compareTo(deviceTimeout) < 0 ? own : null;
    Duration interval =
        device.interval() != null && device.interval().isPositive()
            ? device.interval()
            : Duration.ofSeconds(10);
    this.staleAfter = interval.multipliedBy(STALE_POLLS);
    this.errorLog = new PointErrorLog(device.id());
    this.endpoint =
        Objects.requireNonNull(endpoints, "endpoints")
            .acquire(source.host(), source.port(), source.unitId(), source.requests().connection());
  }

  @Override
  public Device device() {
    return device;
  }

  /**
   * Every wait of a poll ends by its deadline, {@link #backstopMargin(Duration)} before the
   * scheduler's timeout: the turn on a shared connection, the connect, each answer (a socket
   * timeout per read). Not with a pause between requests, which is kept after an answer whatever
   * time is left, since the device needs that quiet more than the poll needs its deadline.
   */
  @Override
  public Duration boundedBy() {
    return source.requests().pauseBetweenRequests().isPositive() ? null : pollTimeout;
  }

  /** The read requests one poll makes when every block is readable, in order. */
  public List<ReadBlock> plan() {
    return plan;
  }

  /** Text points of the last poll (model, serial number...), by point name. */
  public Map<String, String> text() {
    return text;
  }

  /** Requests sent so far (for benches and tests). */
  public synchronized long requests() {
    return requests;
  }

  /** How many polls a remembered refusal is trusted before the block is tried whole again. */
  synchronized void reprobeEvery(int polls) {
    this.reprobePolls = polls;
  }

  @Override
  public synchronized List<Sample> poll() throws Exception {
    if (closed.get()) {
      throw new IllegalStateException("collector of " + device.id() + " is closed");
    }
    var readings = new Readings(site, device, clock.instant(), tagCache);
    var poll = new Poll(readings, System.nanoTime() + pollBudgetNanos);
    for (ReadBlock block : plan) {
      poll.block(block);
    }
    text = Collections.unmodifiableMap(poll.text);
    var errors = new LinkedHashMap<>(readings.errors());
    errors.putAll(poll.textErrors);
    errorLog.update(errors);
    return readings.samples();
  }

  @Override
  public Map<String, String> pointErrors() {
    return errorLog.current();
  }

  /** The work of one poll. */
  private final class Poll {
    final Readings readings;
    final long deadline;
    final Map<String, String> text = new LinkedHashMap<>();
    final Map<String, String> textErrors = new LinkedHashMap<>();

    Poll(Readings readings, long deadline) {
      this.readings = readings;
      this.deadline = deadline;
    }

    void block(ReadBlock block) throws IOException, InterruptedException {
      Learned known = learned.get(block);
      if (known != null && known.connection() != endpoint.connectionsDropped()) {
        // A new connection may be a replaced or reconfigured device: learn its map again.
        learned.remove(block);
        known = null;
      }
      if (known != null && known.pollsLeft() > 0 && readLearned(block, known)) {
        return;
      }
      try {
        decodeAll(block, read(block));
        if (learned.remove(block) != null) {
          log.info("device {}: {} is readable again", device.id(), describe(block));
        }
        return;
      } catch (ModbusExceptionResponse e) {
        if (e.code().tryLater()) {
          block.points().forEach(p -> staleOrBad(p, named(e, p)));
          return;
        }
        if (block.points().size() == 1) {
          ReadBlock.Planned p = block.points().getFirst();
          bad(p, named(e, p));
          learned.put(
              block,
              new Learned(
                  List.of(), Map.of(p, named(e, p)), reprobePolls, endpoint.connectionsDropped()));
          return;
        }
      }
      learn(block);
    }

    private int[] read(ReadBlock b)
        throws IOException, ModbusExceptionResponse, InterruptedException {
      return ModbusCollector.this.read(b.type(), b.start(), b.count(), deadline);
    }

    /** Reads a block by its learned plan; false if the device no longer answers as learned. */
    private boolean readLearned(ReadBlock block, Learned known)
        throws IOException, InterruptedException {
      var values = new ArrayList<int[]>();
      for (ReadBlock part : known.reads()) {
        try {
          values.add(read(part));
        } catch (ModbusExceptionResponse e) {
          if (e.code().tryLater()) {
            block.points().forEach(p -> staleOrBad(p, named(e, p)));
            return true;
          }
          log.info(
              "device {}: {} refused again, learning its map anew", device.id(), describe(part));
          learned.remove(block);
          return false;
        }
      }
      learned.put(
          block,
          new Learned(known.reads(), known.refused(), known.pollsLeft() - 1, known.connection()));
      for (int i = 0; i < values.size(); i++) {
        decodeAll(known.reads().get(i), values.get(i));
      }
      known.refused().forEach(this::bad);
      return true;
    }

    /**
     * Finds the fewest reads that cover the answered points of a refused block: halves it until
     * each part is answered or is a single refused point, then merges answered neighbours again
     * where the device answers the merged read (a refusal is not always at a point: it can be an
     * unmapped register between two points, which no per-point probe would find).
     */
    private void learn(ReadBlock block) throws IOException, InterruptedException {
      var answered = new ArrayList<Answered>();
      var refusedSpans = new ArrayList<ReadBlock>();
      var refused = new LinkedHashMap<ReadBlock.Planned, String>();
      refusedSpans.add(block);
      boolean splitComplete = split(block.points(), block, answered, refusedSpans, refused);
      boolean complete = splitComplete;
      var reads = new ArrayList<Answered>();
      Answered current = null;
      // A busy answer left points between the parts already given as STALE: a merged read would
      // give them twice, so merging waits for a poll in which the device is not busy.
      for (Answered next : splitComplete ? answered : List.<Answered>of()) {
        if (current == null) {
          current = next;
          continue;
        }
        ReadBlock union = span(block, current.block(), next.block());
        Answered merged = null;
        if (!refusedBetween(refused, current.block(), next.block())
            && refusedSpans.stream().noneMatch(r -> within(r, union))) {
          try {
            merged = new Answered(union, read(union));
          } catch (ModbusExceptionResponse e) {
            if (e.code().tryLater()) {
              complete = false;
            } else {
              refusedSpans.add(union);
            }
          }
        }
        if (merged != null) {
          current = merged;
        } else {
          reads.add(current);
          current = next;
        }
      }
      if (current != null) {
        reads.add(current);
      }
      if (!splitComplete) {
        reads.addAll(answered);
      }
      for (Answered a : reads) {
        decodeAll(a.block(), a.values());
      }
      refused.forEach(this::bad);
      if (complete) {
        var plan = reads.stream().map(Answered::block).toList();
        learned.put(
            block,
            new Learned(plan, Map.copyOf(refused), reprobePolls, endpoint.connectionsDropped()));
        log.info(
            "device {}: {} refused; reading it as {} request(s) {}, {} point(s) refused",
            device.id(),
            describe(block),
            plan.size(),
            plan.stream().map(ModbusCollector::describe).toList(),
            refused.size());
      }
    }

    /**
     * Halves refused points until each part is answered (added to {@code answered} in address
     * order) or is one refused point; false if the device said "busy" somewhere, so that what was
     * learned is incomplete.
     */
    private boolean split(
        List<ReadBlock.Planned> points,
        ReadBlock block,
        List<Answered> answered,
        List<ReadBlock> refusedSpans,
        Map<ReadBlock.Planned, String> refused)
        throws IOException, InterruptedException {
      if (points.size() == 1) {
        // Reached only for a point whose own read was refused (see below).
        return true;
      }
      int mid = points.size() / 2;
      boolean complete = true;
      for (List<ReadBlock.Planned> half :
          List.of(points.subList(0, mid), points.subList(mid, points.size()))) {
        ReadBlock part = ReadBlock.of(block.type(), half);
        try {
          answered.add(new Answered(part, read(part)));
        } catch (ModbusExceptionResponse e) {
          if (e.code().tryLater()) {
            half.forEach(p -> staleOrBad(p, named(e, p)));
            complete = false;
          } else if (half.size() == 1) {
            refused.put(half.getFirst(), named(e, half.getFirst()));
          } else {
            refusedSpans.add(part);
            complete &= split(half, block, answered, refusedSpans, refused);
          }
        }
      }
      return complete;
    }

    private void decodeAll(ReadBlock block, int[] values) {
      for (ReadBlock.Planned p : block.points()) {
        decode(p, values, p.address() - block.start());
      }
    }

    private void decode(ReadBlock.Planned p, int[] values, int offset) {
      ModbusPoint point = p.point();
      if (point.dataType() == DataType.STRING) {
        text.put(point.name(), RegisterDecoder.text(values, offset, p.size(), point.wordOrder()));
        return;
      }
      double raw = RegisterDecoder.decode(values, offset, point.dataType(), point.wordOrder());
      if (!Double.isFinite(raw)) {
        readings.bad(point, "device sent " + raw + " at " + where(p));
        return;
      }
      double value = raw * point.scale() + point.offset();
      if (!Double.isFinite(value)) {
        readings.bad(
            point,
            "device sent "
                + raw
                + " at "
                + where(p)
                + ", beyond a double after scale "
                + point.scale()
                + " and offset "
                + point.offset());
        return;
      }
      lastGood.put(point, new LastGood(value, readings.time()));
      readings.add(point, value, Quality.GOOD);
    }

    private void bad(ReadBlock.Planned p, String why) {
      if (p.point().dataType() == DataType.STRING) {
        textErrors.put(p.point().name(), why);
      } else {
        readings.bad(p.point(), why);
      }
    }

    private void staleOrBad(ReadBlock.Planned p, String why) {
      LastGood last = lastGood.get(p.point());
      if (last != null
          && p.point().dataType() != DataType.STRING
          && Duration.between(last.time(), readings.time()).compareTo(staleAfter) <= 0) {
        readings.add(p.point(), last.value(), Quality.STALE);
      } else {
        bad(p, why);
      }
    }
  }

  /** A read the device answered, with its values. */
  private record Answered(ReadBlock block, int[] values) {}

  /** The read covering two parts of {@code block}, with the points of both. */
  private static ReadBlock span(ReadBlock block, ReadBlock a, ReadBlock b) {
    var points = new ArrayList<ReadBlock.Planned>(a.points());
    points.addAll(b.points());
    return ReadBlock.of(block.type(), points);
  }

  /** Whether a refused point lies between two parts (so no read may cover both). */
  private static boolean refusedBetween(
      Map<ReadBlock.Planned, String> refused, ReadBlock a, ReadBlock b) {
    int from = a.start() + a.count();
    return refused.keySet().stream().anyMatch(p -> p.address() >= from && p.address() < b.start());
  }

  /** Whether a refused read lies within another: then that one is refused too. */
  private static boolean within(ReadBlock inner, ReadBlock outer) {
    return inner.start() >= outer.start()
        && inner.start() + inner.count() <= outer.start() + outer.count();
  }

  /**
   * How long a request waits for its answer: {@code requestTimeout} if set, else the device's
   * timeout, or half of it on a connection that several unit ids share, so that a unit queued
   * behind one that has just gone silent still has half its timeout for its own reads.
   */
  private Duration answerTimeout() {
    if (requestTimeout != null) {
      return requestTimeout;
    }
    return sharedInConfig || endpoint.sharedByUnits() ? halfPollTimeout : pollTimeout;
  }

  /**
   * How much sooner than the scheduler's poll timeout this collector gives up on its own: then a
   * device that does not answer fails with this collector's clean timeout, which keeps the
   * connection, rather than being cut by the scheduler, which closes it.
   */
  private static Duration backstopMargin(Duration pollTimeout) {
    Duration tenth = pollTimeout.dividedBy(10);
    return tenth.compareTo(BACKSTOP_MARGIN) < 0 ? tenth : BACKSTOP_MARGIN;
  }

  /** Whether the configuration puts other unit ids on this device's connection. */
  private static boolean sharedInConfig(SiteConfig site, Source.Modbus own) {
    if (site == null || own.requests().connection() != Source.ModbusConnection.SHARED) {
      return false;
    }
    Set<Integer> units = SharedUnits.of(site).get(SharedUnits.address(own));
    return units != null && (units.size() > 1 || !units.contains(own.unitId()));
  }

  /**
   * The unit ids on each shared host:port of one site, built once per site: asking the whole device
   * list for every new collector made start-up quadratic, and a 50,000-GPU site (3,072 PDUs) was
   * still creating collectors minutes after its polls should have begun.
   */
  private record SharedUnits(SiteConfig site, Map<String, Set<Integer>> byAddress) {
    private static volatile SharedUnits last;

    static Map<String, Set<Integer>> of(SiteConfig site) {
      SharedUnits cached = last;
      // Identity, not equals: a site's record equality walks its whole configuration.
      if (cached != null && cached.site == site) {
        return cached.byAddress;
      }
      var byAddress = new HashMap<String, Set<Integer>>();
      site.allDevices()
          .forEach(
              d -> {
                if (d.source() instanceof Source.Modbus m
                    && m.host() != null
                    && m.requests().connection() == Source.ModbusConnection.SHARED) {
                  byAddress.computeIfAbsent(address(m), k -> new HashSet<>()).add(m.unitId());
                }
              });
      last = new SharedUnits(site, byAddress);
      return byAddress;
    }

    static String address(Source.Modbus m) {
      return m.host().toLowerCase(Locale.ROOT) + ":" + m.port();
    }
  }

  private int[] read(Profile.RegisterType type, int start, int count, long deadline)
      throws IOException, ModbusExceptionResponse, InterruptedException {
    synchronized (this) {
      requests++;
    }
    try {
      return endpoint.read(
          this,
          source.unitId(),
          type,
          start,
          count,
          answerTimeout(),
          source.requests().silentUnitTimeout(),
          deadline,
          source.requests().pauseBetweenRequests());
    } catch (ModbusExceptionResponse e) {
      if (e.code().deviceUnreachable()) {
        // The gateway answered for a device it cannot reach: that device is down, not refusing.
        throw new IOException(
            "modbus " + endpointName() + " unit " + source.unitId() + ": " + e.getMessage(), e);
      }
      throw e;
    } catch (IOException e) {
      if (closed.get()) {
        throw new IOException("collector of " + device.id() + " closed during a request", e);
      }
      throw e;
    }
  }

  private String named(ModbusExceptionResponse e, ReadBlock.Planned p) {
    return e.getMessage() + " at " + where(p);
  }

  private String where(ReadBlock.Planned p) {
    return name(p.point().registerType())
        + " "
        + p.point().address()
        + (profile.addressBase() == Profile.AddressBase.ONE ? " (wire " + p.address() + ")" : "");
  }

  private static String describe(ReadBlock b) {
    return name(b.type()) + " " + b.start() + "+" + b.count() + " (wire)";
  }

  private String endpointName() {
    return source.host() + ":" + source.port();
  }

  private static String name(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      // Not synchronized: a poll may hold the lock, stuck in a read; releasing the endpoint cuts
      // this collector's request in flight, which is what unblocks it.
      endpoint.release(this, source.unitId());
    }
  }
}
