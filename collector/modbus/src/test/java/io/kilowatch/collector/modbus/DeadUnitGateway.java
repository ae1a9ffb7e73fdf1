package io.kilowatch.collector.modbus;

import io.kilowatch.collector.PollScheduler;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.AddressBase;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.modbus.ModbusAnswer;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An RTU-over-TCP gateway as the field has it: a Modbus TCP server (the test kit's {@link
 * ModbusTcpFake}, real MBAP frames over loopback) that answers the healthy unit ids at once and
 * never answers one unit id, keeping the connection open, as a gateway does when the serial device
 * behind it is dead. (A j2mod slave cannot play this part: it answers exception 2 for a unit id it
 * does not serve.) Every unit is polled by the real {@link ModbusCollector} and {@link
 * PollScheduler}; what each healthy unit got is counted, so that a lost poll shows as a missing
 * slot. Used by {@code ModbusGatewayTest} (seconds) and {@link ModbusGatewayBench} (30 minutes).
 */
final class DeadUnitGateway implements AutoCloseable {
  static final int DEAD_UNIT = 7;

  final List<Integer> healthyUnits;
  final Duration interval;
  final Map<String, List<Instant>> goodPolls = new ConcurrentHashMap<>();
  final List<String> transitions = new CopyOnWriteArrayList<>();
  private final ModbusTcpFake server;
  private final PollScheduler scheduler;
  final ModbusEndpoints endpoints = new ModbusEndpoints();

  /**
   * @param answerTime how long a healthy unit takes to answer, as over a serial line (a read of a
   *     few registers at 9600 baud takes about 20 ms)
   */
  DeadUnitGateway(
      int healthy,
      Duration answerTime,
      Duration interval,
      Duration timeout,
      Source.ModbusRequests requests)
      throws Exception {
    this.interval = interval;
    this.healthyUnits = new ArrayList<>();
    for (int unit = 1; unit <= healthy; unit++) {
      healthyUnits.add(unit);
    }
    server =
        ModbusTcpFake.start(
            r ->
                r.unit() == DEAD_UNIT
                    ? new ModbusAnswer.Silence()
                    : new ModbusAnswer.Late(
                        answerTime, new ModbusAnswer.Values(new int[] {100 * r.unit()})));
    int port = server.port();
    var profile =
        new Profile.Modbus("map", AddressBase.ZERO, List.of(ModbusFaultsTest.u16("a", 0)));
    var devices = new ArrayList<Device>();
    var units = new ArrayList<>(healthyUnits);
    units.add(DEAD_UNIT);
    for (int unit : units) {
      devices.add(
          new Device(
              "unit-" + unit,
              DeviceKind.METER,
              Location.FACILITY,
              "map",
              new Source.Modbus("127.0.0.1", port, unit, requests),
              interval,
              timeout,
              Map.of()));
    }
    SiteConfig site = TestSites.site(List.of(profile), devices);
    scheduler =
        new PollScheduler(
            site,
            samples -> {
              for (Sample s : samples) {
                if (s.quality() == Quality.GOOD && s.fields().containsKey("a")) {
                  goodPolls
                      .computeIfAbsent(s.tags().get("device"), k -> new CopyOnWriteArrayList<>())
                      .add(s.time());
                }
              }
            },
            Clock.systemUTC(),
            d ->
                new ModbusCollector(
                    d, (Source.Modbus) d.source(), profile, site, Clock.systemUTC(), endpoints));
    scheduler.addListener(
        (before, now) ->
            transitions.add(now.deviceId() + ":" + before.state() + ">" + now.state()));
  }

  void start() {
    scheduler.start();
  }

  PollScheduler scheduler() {
    return scheduler;
  }

  long connections() {
    return server.connections();
  }

  /**
   * Poll slots of a healthy unit that produced no good sample, between its first and its last good
   * sample. The scheduler keeps each device's slots on a fixed grid, so those two samples are a
   * whole number of intervals apart, give or take the few ms a poll starts after its slot; each
   * slot in between without a good sample is a poll lost. (Counting slots rather than summing the
   * gaps between samples keeps a poll that merely started late from counting as lost.)
   */
  long lostPolls(String device) {
    List<Instant> times = goodPolls.getOrDefault(device, List.of());
    if (times.size() < 2) {
      return 0;
    }
    long span = Duration.between(times.getFirst(), times.getLast()).toNanos();
    long slots = Math.round((double) span / interval.toNanos()) + 1;
    return Math.max(0, slots - times.size());
  }

  /** Times a healthy unit went DOWN. */
  long downs(String device) {
    return transitions.stream().filter(t -> t.equals(device + ":UP>DOWN")).count()
        + transitions.stream().filter(t -> t.equals(device + ":UNKNOWN>DOWN")).count();
  }

  @Override
  public void close() throws Exception {
    try {
      scheduler.close();
    } finally {
      server.close();
    }
  }
}
