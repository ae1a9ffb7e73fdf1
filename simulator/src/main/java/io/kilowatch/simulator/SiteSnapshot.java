package io.kilowatch.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The whole site's true state at one instant: what every device would report, plus the parts of the
 * facility load that no device meters (distribution losses, lighting and other), so tests can check
 * the energy balance.
 *
 * @param elapsed simulated time since the site started
 * @param lossesW UPS and distribution losses (not metered separately)
 * @param otherW lighting, offices and other overhead (not metered separately)
 * @param lossesEnergyWh energy of {@code lossesW} since the site started
 * @param otherEnergyWh energy of {@code otherW} since the site started
 */
public record SiteSnapshot(
    Instant time,
    Duration elapsed,
    List<NodeReading> nodes,
    List<PduReading> pdus,
    List<CduReading> cdus,
    MeterReading mainMeter,
    MeterReading coolingPlant,
    double lossesW,
    double otherW,
    double lossesEnergyWh,
    double otherEnergyWh,
    double outdoorTempC) {

  public SiteSnapshot {
    nodes = List.copyOf(nodes);
    pdus = List.copyOf(pdus);
    cdus = List.copyOf(cdus);
  }

  /**
   * This state {@code by} later as the meters would show it: every energy register (PDUs, meters,
   * CDUs and the unmetered losses and other load) carried on at the present draw, everything else
   * as it is. Between two whole-second steps the draw is constant, so this is exact up to the next
   * step and never runs past it.
   */
  public SiteSnapshot after(Duration by) {
    double s = by.toNanos() / 1e9;
    return new SiteSnapshot(
        time.plus(by),
        elapsed.plus(by),
        nodes,
        pdus.stream().map(p -> p.after(s)).toList(),
        cdus.stream().map(c -> c.after(s)).toList(),
        mainMeter.after(s),
        coolingPlant.after(s),
        lossesW,
        otherW,
        lossesEnergyWh + lossesW * s / 3600,
        otherEnergyWh + otherW * s / 3600,
        outdoorTempC);
  }

  /** IT power as metered at PDU outputs (the energy model's IT level). */
  public double itPowerW() {
    return pdus.stream().mapToDouble(PduReading::powerW).sum();
  }

  public double itPowerW(String clusterId) {
    return nodes.stream()
        .filter(n -> n.clusterId().equals(clusterId))
        .mapToDouble(NodeReading::powerW)
        .sum();
  }

  public double cduPowerW() {
    return cdus.stream().mapToDouble(CduReading::powerW).sum();
  }

  /** Everything that cools: the plant (chillers, dry coolers, pumps) and the CDUs. */
  public double coolingPowerW() {
    return coolingPlant.powerW() + cduPowerW();
  }

  public double facilityPowerW() {
    return mainMeter.powerW();
  }

  /** Instantaneous power usage effectiveness from true values. */
  public double pue() {
    return facilityPowerW() / itPowerW();
  }

  public double itEnergyWh() {
    return pdus.stream().mapToDouble(PduReading::energyWh).sum();
  }

  public double cduEnergyWh() {
    return cdus.stream().mapToDouble(c -> c.energyKwh() * 1000).sum();
  }

  public NodeReading node(String id) {
    return nodes.stream()
        .filter(n -> n.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("no node " + id));
  }

  public PduReading pdu(String id) {
    return pdus.stream()
        .filter(p -> p.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("no PDU " + id));
  }

  public CduReading cdu(String id) {
    return cdus.stream()
        .filter(c -> c.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("no CDU " + id));
  }

  public MeterReading meter(String id) {
    return switch (id) {
      case SiteLayout.MAIN_METER -> mainMeter;
      case SiteLayout.COOLING_PLANT -> coolingPlant;
      default -> throw new NoSuchElementException("no meter " + id);
    };
  }

  public List<GpuReading> gpus(String clusterId) {
    return nodes.stream()
        .filter(n -> n.clusterId().equals(clusterId))
        .flatMap(n -> n.gpus().stream())
        .toList();
  }
}
