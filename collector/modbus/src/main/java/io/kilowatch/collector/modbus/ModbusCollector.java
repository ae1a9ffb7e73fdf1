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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
 *       the device is still read. A refused block of several points is probed point by point once;
 *       what was refused is remembered, so later polls read only the readable points and do not
 *       split the block again, until a re-probe every {@value #DEFAULT_REPROBE_POLLS} polls;
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

  private final Device device;
  private final Source.Modbus source;
  private final Profile.Modbus profile;
  private final SiteConfig site;
  private final Clock clock;
  private final List<ReadBlock> plan;
  private final Duration requestTimeout;
  private final Duration staleAfter;
  private final PointErrorLog errorLog;
  private final ModbusEndpoints.Endpoint endpoint;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<ReadBlock, Refusals> refusals = new HashMap<>();
  private final Map<ModbusPoint, LastGood> lastGood = new HashMap<>();
  private volatile Map<String, String> text = Map.of();
  private int reprobePolls = DEFAULT_REPROBE_POLLS;
  private long requests;

  /** What a refused block taught: which of its points the device refuses, which it answers. */
  private record Refusals(
      List<ReadBlock> readable, Map<ReadBlock.Planned, String> refused, int pollsLeft) {}

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
    this.requestTimeout = own != null && own.compareTo(deviceTimeout) < 0 ? own : deviceTimeout;
    Duration interval =
        device.interval() != null && device.interval().isPositive()
            ? device.interval()
            : Duration.ofSeconds(10);
    this.staleAfter = interval.multipliedBy(STALE_POLLS);
    this.errorLog = new PointErrorLog(device.id());
    this.endpoint =
        Objects.requireNonNull(endpoints, "endpoints").acquire(source.host(), source.port());
  }

  @Override
  public Device device() {
    return device;
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
    var readings = new Readings(site, device, clock.instant());
    var poll = new Poll(readings);
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
    final Map<String, String> text = new LinkedHashMap<>();
    final Map<String, String> textErrors = new LinkedHashMap<>();

    Poll(Readings readings) {
      this.readings = readings;
    }

    void block(ReadBlock block) throws IOException, InterruptedException {
      Refusals known = refusals.get(block);
      if (known != null && known.pollsLeft() > 0) {
        refusals.put(block, new Refusals(known.readable(), known.refused(), known.pollsLeft() - 1));
        known.refused().forEach((p, why) -> bad(p, why));
        for (ReadBlock part : known.readable()) {
          try {
            decodeAll(part, read(part.type(), part.start(), part.count()));
          } catch (ModbusExceptionResponse e) {
            refusedBlock(part, e, false);
          }
        }
        return;
      }
      try {
        decodeAll(block, read(block.type(), block.start(), block.count()));
        if (refusals.remove(block) != null) {
          log.info("device {}: {} is readable again", device.id(), describe(block));
        }
      } catch (ModbusExceptionResponse e) {
        refusedBlock(block, e, true);
      }
    }

    /** A block the device refused: probe its points one by one, and remember if asked to. */
    private void refusedBlock(ReadBlock block, ModbusExceptionResponse e, boolean remember)
        throws IOException, InterruptedException {
      if (e.code().tryLater()) {
        block.points().forEach(p -> staleOrBad(p, named(e, p)));
        return;
      }
      var refused = new LinkedHashMap<ReadBlock.Planned, String>();
      if (block.points().size() == 1) {
        refused.put(block.points().getFirst(), named(e, block.points().getFirst()));
      } else {
        for (ReadBlock.Planned p : block.points()) {
          try {
            decode(p, read(block.type(), p.address(), p.size()), 0);
          } catch (ModbusExceptionResponse pe) {
            if (pe.code().tryLater()) {
              staleOrBad(p, named(pe, p));
            } else {
              refused.put(p, named(pe, p));
            }
          }
        }
      }
      refused.forEach(this::bad);
      if (remember) {
        refusals.put(block, new Refusals(readableParts(block, refused), refused, reprobePolls));
      }
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

  /** The points of a block that were answered, merged again between the refused ones. */
  private static List<ReadBlock> readableParts(
      ReadBlock block, Map<ReadBlock.Planned, String> refused) {
    var parts = new ArrayList<ReadBlock>();
    var run = new ArrayList<ReadBlock.Planned>();
    for (ReadBlock.Planned p : block.points()) {
      if (refused.containsKey(p)) {
        addRun(block, run, parts);
        run = new ArrayList<>();
      } else {
        run.add(p);
      }
    }
    addRun(block, run, parts);
    return parts;
  }

  private static void addRun(ReadBlock block, List<ReadBlock.Planned> run, List<ReadBlock> out) {
    if (run.isEmpty()) {
      return;
    }
    int start = run.stream().mapToInt(ReadBlock.Planned::address).min().orElseThrow();
    int end = run.stream().mapToInt(p -> p.address() + p.size()).max().orElseThrow();
    out.add(new ReadBlock(block.type(), start, end - start, run));
  }

  private int[] read(Profile.RegisterType type, int start, int count)
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
          requestTimeout,
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
      endpoint.release(this);
    }
  }
}
