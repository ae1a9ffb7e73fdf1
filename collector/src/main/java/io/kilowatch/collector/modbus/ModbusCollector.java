package io.kilowatch.collector.modbus;

import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.ModbusSlaveException;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.util.BitVector;
import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.PointErrorLog;
import io.kilowatch.collector.Readings;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Polls a Modbus TCP device through one j2mod connection, kept open between polls and opened again
 * after a failure.
 *
 * <p>An exception response (say, illegal data address) makes only the points it covers BAD: a
 * merged block that is refused is read again point by point, so one wrong address in a map costs
 * that point, not its neighbours. An I/O failure fails the whole poll.
 */
public final class ModbusCollector implements DeviceCollector {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  private final Device device;
  private final Source.Modbus source;
  private final Profile.Modbus profile;
  private final SiteConfig site;
  private final Clock clock;
  private final List<ReadBlock> plan;
  private final int timeoutMs;
  private final PointErrorLog errorLog;
  private volatile ModbusTCPMaster master;
  private volatile boolean closed;

  public ModbusCollector(
      Device device, Source.Modbus source, Profile.Modbus profile, SiteConfig site, Clock clock) {
    this(device, source, profile, site, clock, new RequestPlanner());
  }

  public ModbusCollector(
      Device device,
      Source.Modbus source,
      Profile.Modbus profile,
      SiteConfig site,
      Clock clock,
      RequestPlanner planner) {
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
      this.plan = planner.plan(profile.points(), profile.addressBase());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "device " + device.id() + ", profile " + profile.id() + ": " + e.getMessage(), e);
    }
    Duration t =
        device.timeout() != null && device.timeout().isPositive()
            ? device.timeout()
            : DEFAULT_TIMEOUT;
    this.timeoutMs = (int) Math.min(Integer.MAX_VALUE, t.toMillis());
    this.errorLog = new PointErrorLog(device.id());
  }

  @Override
  public Device device() {
    return device;
  }

  /** The read requests one poll makes, in order. */
  public List<ReadBlock> plan() {
    return plan;
  }

  @Override
  public synchronized List<Sample> poll() throws Exception {
    if (closed) {
      throw new IllegalStateException("collector of " + device.id() + " is closed");
    }
    ModbusTCPMaster m = connect();
    var readings = new Readings(site, device, clock.instant());
    try {
      for (ReadBlock block : plan) {
        readBlock(m, block, readings);
      }
    } catch (ModbusException e) {
      disconnect();
      throw new IOException(
          "modbus " + source.host() + ":" + source.port() + ": " + e.getMessage(), e);
    }
    errorLog.update(readings.errors());
    return readings.samples();
  }

  @Override
  public Map<String, String> pointErrors() {
    return errorLog.current();
  }

  private void readBlock(ModbusTCPMaster m, ReadBlock block, Readings readings)
      throws ModbusException {
    int[] values;
    try {
      values = read(m, block.type(), block.start(), block.count());
    } catch (ModbusSlaveException e) {
      if (block.points().size() == 1) {
        refused(block.points().getFirst(), e, readings);
        return;
      }
      // Find out which points the device refuses instead of losing the whole block.
      for (ReadBlock.Planned p : block.points()) {
        try {
          int[] own = read(m, block.type(), p.address(), p.size());
          decode(p, own, 0, readings);
        } catch (ModbusSlaveException pointError) {
          refused(p, pointError, readings);
        }
      }
      return;
    }
    for (ReadBlock.Planned p : block.points()) {
      decode(p, values, p.address() - block.start(), readings);
    }
  }

  private void decode(ReadBlock.Planned p, int[] values, int offset, Readings readings) {
    ModbusPoint point = p.point();
    double raw = RegisterDecoder.decode(values, offset, point.dataType(), point.wordOrder());
    if (!Double.isFinite(raw)) {
      readings.bad(point, "device sent " + raw + " at " + where(p));
      return;
    }
    readings.add(point, raw * point.scale() + point.offset(), Quality.GOOD);
  }

  private void refused(ReadBlock.Planned p, ModbusSlaveException e, Readings readings) {
    readings.bad(p.point(), e.getMessage() + " (exception " + e.getType() + ") at " + where(p));
  }

  private String where(ReadBlock.Planned p) {
    String type = p.point().registerType().name().toLowerCase(Locale.ROOT);
    return type
        + " "
        + p.point().address()
        + (profile.addressBase() == Profile.AddressBase.ONE ? " (wire " + p.address() + ")" : "");
  }

  /** Reads registers as unsigned 16-bit values, or bits as 0/1. */
  private int[] read(ModbusTCPMaster m, Profile.RegisterType type, int start, int count)
      throws ModbusException {
    int unit = source.unitId();
    return switch (type) {
      case HOLDING -> unsigned(m.readMultipleRegisters(unit, start, count), count);
      case INPUT -> unsigned(m.readInputRegisters(unit, start, count), count);
      case COIL -> bits(m.readCoils(unit, start, count), count);
      case DISCRETE -> bits(m.readInputDiscretes(unit, start, count), count);
    };
  }

  private static int[] unsigned(InputRegister[] regs, int count) throws ModbusException {
    if (regs == null || regs.length < count) {
      throw new ModbusException(
          "short answer: " + (regs == null ? 0 : regs.length) + " of " + count + " registers");
    }
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = regs[i].toUnsignedShort();
    }
    return out;
  }

  private static int[] bits(BitVector v, int count) throws ModbusException {
    if (v == null || v.size() < count) {
      throw new ModbusException(
          "short answer: " + (v == null ? 0 : v.size()) + " of " + count + " bits");
    }
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = v.getBit(i) ? 1 : 0;
    }
    return out;
  }

  private ModbusTCPMaster connect() throws Exception {
    if (master != null && master.isConnected()) {
      return master;
    }
    disconnect();
    var m = new ModbusTCPMaster(source.host(), source.port(), timeoutMs, false, false);
    // j2mod treats 0 retries as its default of 5; one attempt is enough, the scheduler retries.
    m.setRetries(1);
    try {
      m.connect();
    } catch (Exception e) {
      m.disconnect();
      throw new IOException(
          "cannot connect to modbus " + source.host() + ":" + source.port() + ": " + e.getMessage(),
          e);
    }
    master = m;
    return m;
  }

  private void disconnect() {
    ModbusTCPMaster m = master;
    master = null;
    if (m != null) {
      m.disconnect();
    }
  }

  @Override
  public void close() {
    closed = true;
    // Not synchronized, and the socket is closed before disconnect(): j2mod's facade methods are
    // synchronized on the master, so disconnect() alone would wait for a read stuck in the socket.
    // Closing the socket is what makes that read fail.
    ModbusTCPMaster m = master;
    master = null;
    if (m != null) {
      try {
        var transport = m.getTransport();
        if (transport != null) {
          transport.close();
        }
      } catch (IOException | RuntimeException e) {
        // closing anyway
      }
      m.disconnect();
    }
  }
}
