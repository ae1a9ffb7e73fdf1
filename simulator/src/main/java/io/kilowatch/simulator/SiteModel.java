package io.kilowatch.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The demo hall's physics. Simulated time moves in fixed one-second steps, so the same seed and the
 * same total advance give the same state whatever the tick jitter; {@link #advance} is what the
 * live site's tick thread calls and what tests call to skip ahead without waiting.
 *
 * <p>Power flows up: GPU utilisation sets GPU power, nodes add their host, racks sum their nodes.
 * Each node's supplies draw from three feeds: feed C (the rack's SNMP PDU, one outlet per node)
 * carries a fixed share of every node, and feeds A and B (the Modbus PDUs, three phases each) split
 * the rest about half and half. The three feeds add up to exactly what the nodes draw, so IT power
 * and energy metered at the PDUs are the same whichever protocol carries them. Heat flows out: each
 * cluster's IT power goes into its CDU's loop, the loops and the distribution losses go to the
 * cooling plant (chillers trimming what the dry coolers cannot do), and the main meter sees it all
 * plus lighting and other overhead.
 *
 * <p>Energy counters integrate continuously, as a real meter's do. A step's power holds until the
 * next step, and each step first adds the energy of the power it is about to replace, so a counter
 * is linear in time between steps. {@link #reading} carries the counters on through the part second
 * not yet stepped without storing anything: a device read between steps shows the energy up to that
 * instant, never runs ahead of the next step's value (so it never goes backwards), and the stored
 * state still depends on the total advance alone. Stepped counters alone would lag by up to a
 * second — a tenth of a 10 s chart step.
 *
 * <p>Thread-safe: {@link #advance} and {@link #reading} are serialised, {@link #snapshot} returns
 * the latest immutable state without blocking.
 */
public final class SiteModel {
  private static final double STEP_S = 1.0;
  private static final long STEP_MS = 1000;

  /** UPS and distribution losses, as a share of IT power. */
  private static final double LOSS_SHARE = 0.04;

  private static final double OTHER_BASE_W = 8_000;
  private static final double PLANT_DESIGN_HEAT_KW = 260;
  private static final double GRID_HZ = 50;

  private final SiteLayout layout;
  private final Instant start;
  private final FaultSchedule faults;
  private final RandomGenerator rng;
  private final List<RackSim> racks = new ArrayList<>();
  private final List<CoolingLoop> loops = new ArrayList<>();
  private final Meter mainMeter;
  private final Meter coolingPlant;

  private long elapsedMs;
  private long pendingMs;
  private double outdoorC;
  private double gridV;
  private double gridHz = GRID_HZ;
  private double lossesW;
  private double otherW;
  private double lossesWh;
  private double otherWh;
  private volatile SiteSnapshot snapshot;

  /** How long an ended job stays in {@link #jobs()}. */
  static final Duration KEEP_ENDED = Duration.ofHours(1);

  private final Map<String, SimulatedJob> runningJobs = new LinkedHashMap<>();
  private final ArrayDeque<SimulatedJob> endedJobs = new ArrayDeque<>();

  private static final class Meter {
    final String id;
    double powerW;
    double energyWh;

    Meter(String id, double energyWh) {
      this.id = id;
      this.energyWh = energyWh;
    }
  }

  /** A rack: its jobs, its nodes, its two Modbus PDUs and its SNMP PDU. */
  private static final class RackSim {
    final SiteLayout.RackSpec spec;
    final RackJobs jobs;
    final List<NodeSim> nodes = new ArrayList<>();
    final List<PduSim> pdus = new ArrayList<>();
    final PduSim snmpPdu;
    final double shareA;
    final double shareC;
    final SplittableRandom rng;

    RackSim(SiteLayout.RackSpec spec, long seed, SplittableRandom rng) {
      this.spec = spec;
      this.rng = rng;
      this.jobs =
          new RackJobs(spec.id(), spec.nodeIds().size(), SiteLayout.GPUS_PER_NODE, rng.split());
      for (String node : spec.nodeIds()) {
        nodes.add(new NodeSim(node, spec.clusterId(), spec.id(), seed, rng.split()));
      }
      for (String pdu : spec.pduIds()) {
        pdus.add(new PduSim(pdu, spec.id(), rng.split()));
      }
      // Servers' dual supplies never share perfectly.
      this.shareA = 0.5 + rng.nextDouble(-0.025, 0.025);
      // Drawn after the nodes and the A/B share, which keep the values they had with two feeds.
      this.snmpPdu = new PduSim(spec.snmpPduId(), spec.id(), 1, rng.split());
      // Feed C carries about a fifth: within a single-phase 32 A PDU (7.4 kW) at full load.
      this.shareC = 0.2 + rng.nextDouble(-0.01, 0.01);
    }

    double powerW() {
      return nodes.stream().mapToDouble(NodeSim::powerW).sum();
    }
  }

  public SiteModel(DemoOptions options) {
    this(options, Instant.now());
  }

  public SiteModel(DemoOptions options, Instant start) {
    Objects.requireNonNull(options, "options");
    this.layout = SiteLayout.demo();
    this.start = Objects.requireNonNull(start, "start");
    this.faults =
        new FaultSchedule(options.coolingFaults(), options.faultPeriod(), options.faultLength());
    SplittableRandom root = new SplittableRandom(options.seed());
    this.rng = root.split();
    for (SiteLayout.ClusterSpec cluster : layout.clusters()) {
      loops.add(new CoolingLoop(cluster.cduId(), cluster.id(), root.split()));
      for (SiteLayout.RackSpec rack : cluster.racks()) {
        racks.add(new RackSim(rack, options.seed(), root.split()));
      }
    }
    this.mainMeter = new Meter(SiteLayout.MAIN_METER, rng.nextDouble(2e8, 6e8));
    this.coolingPlant = new Meter(SiteLayout.COOLING_PLANT, rng.nextDouble(3e7, 8e7));
    prime();
  }

  /** Starts every lagged quantity at its steady state so the first readings are plausible. */
  private void prime() {
    updateWeather();
    for (CoolingLoop loop : loops) {
      double heatKw = 0;
      for (RackSim rack : racksOf(loop.clusterId)) {
        for (int i = 0; i < rack.nodes.size(); i++) {
          double w = 1200;
          for (int g = 0; g < SiteLayout.GPUS_PER_NODE; g++) {
            double u = rack.jobs.util(i, g, 0);
            w += 600 * u / SiteLayout.GPUS_PER_NODE + 70 + u * 630 * rack.jobs.intensity(i, g);
          }
          heatKw += w / 1000;
        }
      }
      loop.step(0, 0, heatKw, faults.severity(0), facilitySupplyC());
    }
    step(0);
    publish();
  }

  public SiteLayout layout() {
    return layout;
  }

  /** The latest state; never blocks. */
  public SiteSnapshot snapshot() {
    return snapshot;
  }

  /**
   * What the devices show now: the latest state with the energy counters carried on through the
   * advance not yet stepped (under a second). Nothing is stored.
   */
  public synchronized SiteSnapshot reading() {
    return snapshot.after(Duration.ofMillis(pendingMs));
  }

  /** Whether cluster c2's pump is degraded (fully or ramping) at the latest state. */
  public boolean coolingFaultActive() {
    return faults.severity(snapshot.elapsed().toMillis() / 1000.0) > 0;
  }

  /**
   * Moves simulated time forward. Whole seconds are simulated; the remainder carries over to the
   * next call.
   */
  public synchronized SiteSnapshot advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("time only moves forward: " + by);
    }
    pendingMs += by.toMillis();
    boolean moved = false;
    while (pendingMs >= STEP_MS) {
      pendingMs -= STEP_MS;
      elapsedMs += STEP_MS;
      step(STEP_S);
      moved = true;
    }
    if (moved) {
      publish();
    }
    return snapshot;
  }

  private List<RackSim> racksOf(String clusterId) {
    return racks.stream().filter(r -> r.spec.clusterId().equals(clusterId)).toList();
  }

  private double seconds() {
    return elapsedMs / 1000.0;
  }

  private void updateWeather() {
    Instant now = start.plusMillis(elapsedMs);
    double hourOfDay = (now.getEpochSecond() % 86_400) / 3600.0;
    // Warmest mid-afternoon (UTC ~14 h), coolest before dawn.
    outdoorC = 15 + 5 * Math.sin(2 * Math.PI * (hourOfDay - 8) / 24);
    gridV = 231 + 1.5 * Math.sin(2 * Math.PI * hourOfDay / 24) + rng.nextGaussian() * 0.2;
    gridHz = Lag.clamp(gridHz + rng.nextGaussian() * 0.003 - (gridHz - GRID_HZ) * 0.05, 49.9, 50.1);
  }

  /** W27-class facility water: warmer on warm afternoons. */
  private double facilitySupplyC() {
    return 25.8 + 0.2 * (outdoorC - 15);
  }

  private void step(double dtS) {
    // Each counter counts the draw held since the last step, before this step changes it.
    coolingPlant.energyWh += coolingPlant.powerW * dtS / 3600;
    mainMeter.energyWh += mainMeter.powerW * dtS / 3600;
    lossesWh += lossesW * dtS / 3600;
    otherWh += otherW * dtS / 3600;
    double t = seconds();
    updateWeather();
    double itW = 0;
    double cduW = 0;
    double loopHeatKw = 0;
    for (CoolingLoop loop : loops) {
      double clusterW = 0;
      double severity = loop.clusterId.equals("c2") ? faults.severity(t) : 0;
      for (RackSim rack : racksOf(loop.clusterId)) {
        rack.jobs.step(t);
        recordJobs(rack);
        for (int i = 0; i < rack.nodes.size(); i++) {
          double[] util = new double[SiteLayout.GPUS_PER_NODE];
          double[] intensity = new double[SiteLayout.GPUS_PER_NODE];
          for (int g = 0; g < util.length; g++) {
            util[g] = rack.jobs.util(i, g, t);
            intensity[g] = rack.jobs.intensity(i, g);
          }
          rack.nodes.get(i).step(dtS, util, intensity, loop.coolantAtGpusC(), loop.relativeFlow());
        }
        double rackW = rack.powerW();
        double[] outlets = new double[rack.nodes.size()];
        double c = 0;
        for (int i = 0; i < outlets.length; i++) {
          outlets[i] = rack.nodes.get(i).powerW() * rack.shareC;
          c += outlets[i];
        }
        rack.snmpPdu.step(dtS, outlets, gridV);
        // A and B share what feed C leaves, so the three add up to the rack whatever rounding.
        double ab = rackW - c;
        double a = rack.shareA + rack.rng.nextGaussian() * 0.002;
        rack.pdus.get(0).step(dtS, ab * a, gridV);
        rack.pdus.get(1).step(dtS, ab * (1 - a), gridV);
        clusterW += rackW;
      }
      loop.step(t, dtS, clusterW / 1000, severity, facilitySupplyC());
      itW += clusterW;
      cduW += loop.powerW();
      loopHeatKw += loop.heatRemovedKw();
    }
    lossesW = LOSS_SHARE * itW;
    double daylight = Math.max(0, Math.sin(2 * Math.PI * (hoursOfDay() - 6) / 24));
    otherW = OTHER_BASE_W + 1000 * daylight + rng.nextGaussian() * 80;

    // Heat leaving the building: the loops, the CDUs' pump work and the distribution losses.
    double heatKw = loopHeatKw + (cduW + lossesW) / 1000;
    // Dry coolers carry what the outdoor air allows; chillers trim the rest.
    double chillerShare = Lag.clamp(0.45 + 0.03 * (outdoorC - 15), 0.2, 0.7);
    double cop = 4 + 2 * (1 - Lag.clamp(heatKw / PLANT_DESIGN_HEAT_KW, 0, 1));
    double chillerKw = heatKw * chillerShare / cop;
    double dryCoolersAndPumpsKw = 5 + 0.03 * heatKw;
    coolingPlant.powerW = (chillerKw + dryCoolersAndPumpsKw) * 1000 + rng.nextGaussian() * 50;
    mainMeter.powerW = itW + cduW + coolingPlant.powerW + lossesW + otherW;
  }

  /** Takes the jobs the rack started and ended in this step into the site's job log. */
  private void recordJobs(RackSim rack) {
    for (RackJobs.Job j : rack.jobs.drainStarted()) {
      runningJobs.put(j.id(), job(rack, j, null));
    }
    for (RackJobs.Ended e : rack.jobs.drainEnded()) {
      runningJobs.remove(e.job().id());
      endedJobs.addLast(job(rack, e.job(), at(e.at())));
    }
    Instant keepFrom = start.plusMillis(elapsedMs).minus(KEEP_ENDED);
    while (!endedJobs.isEmpty() && endedJobs.peekFirst().end().isBefore(keepFrom)) {
      endedJobs.removeFirst();
    }
  }

  private SimulatedJob job(RackSim rack, RackJobs.Job j, Instant end) {
    return new SimulatedJob(
        j.id(),
        rack.spec.clusterId(),
        rack.spec.nodeIds().get(j.node()),
        j.gpus(),
        j.user(),
        j.account(),
        j.name(),
        at(j.start()),
        end);
  }

  /** The instant of simulated second {@code s}, to the millisecond. */
  private Instant at(double s) {
    return start.plusMillis(Math.round(s * 1000));
  }

  /**
   * The jobs running now and those that ended within the last hour of simulated time, in start
   * order: what a scheduler would report to a poller. Jobs that ended earlier are forgotten, as
   * slurmctld forgets them; whoever keeps a ledger polls more often than that.
   */
  public synchronized List<SimulatedJob> jobs() {
    List<SimulatedJob> out = new ArrayList<>(runningJobs.values());
    out.addAll(endedJobs);
    out.sort(Comparator.comparing(SimulatedJob::start).thenComparing(SimulatedJob::id));
    return out;
  }

  private double hoursOfDay() {
    return (start.plusMillis(elapsedMs).getEpochSecond() % 86_400) / 3600.0;
  }

  private void publish() {
    List<NodeReading> nodes = new ArrayList<>();
    List<PduReading> pdus = new ArrayList<>();
    for (RackSim rack : racks) {
      rack.nodes.forEach(n -> nodes.add(n.reading()));
      rack.pdus.forEach(p -> pdus.add(p.reading()));
      pdus.add(rack.snmpPdu.reading());
    }
    List<CduReading> cdus = loops.stream().map(CoolingLoop::reading).toList();
    snapshot =
        new SiteSnapshot(
            start.plusMillis(elapsedMs),
            Duration.ofMillis(elapsedMs),
            nodes,
            pdus,
            cdus,
            new MeterReading(mainMeter.id, mainMeter.powerW, mainMeter.energyWh, gridV, gridHz),
            new MeterReading(
                coolingPlant.id, coolingPlant.powerW, coolingPlant.energyWh, gridV - 0.8, gridHz),
            lossesW,
            otherW,
            lossesWh,
            otherWh,
            outdoorC);
  }
}
