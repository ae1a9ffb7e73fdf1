package io.kilowatch.bench;

/**
 * What each CDU of the scale site reads, computed from the GPU power functions of {@link
 * GpuNodeServer} at the moment of the read, so the CDUs stay coherent with the load of the racks
 * they cool at any scale without a ticker. CDU {@code c} cools an even, contiguous share of the
 * racks ({@link #firstRack}), hence of the GPU nodes {@link SiteYamlWriter} puts in them. The GPUs'
 * heat goes to the liquid loop; the pump follows the load so that the loop's temperature rise is 10
 * K at full load.
 */
final class CduPhysics {
  /** Supply temperature of the secondary (technology cooling) loop. */
  static final double SUPPLY_C = 32;

  /** kW carried per L/min of water per kelvin of rise (4.186 kJ/kg·K × 1 kg/L ÷ 60 s). */
  static final double KW_PER_LPM_K = 0.0697;

  private static final double DESIGN_RISE_K = 10;
  private static final double MAX_GPU_W = 700;

  private final GpuNodeServer gpus;
  private final int cdus;
  private final int racks;

  CduPhysics(GpuNodeServer gpus, int cdus, int racks) {
    this.gpus = gpus;
    this.cdus = cdus;
    this.racks = racks;
  }

  int cdus() {
    return cdus;
  }

  /** The first rack CDU {@code c} cools; it cools racks up to {@code firstRack(c + 1)}. */
  int firstRack(int cdu) {
    return (int) ((long) racks * cdu / cdus);
  }

  /** The first GPU node of a rack, as the site config lays nodes out. */
  int firstNode(int rack) {
    return (int) ((long) gpus.nodes() * rack / racks);
  }

  private int firstGpu(int cdu) {
    return Math.min(gpus.gpus(), firstNode(firstRack(cdu)) * ScaleSite.GPUS_PER_NODE);
  }

  /** One CDU at one instant. */
  record Reading(
      double supplyC,
      double returnC,
      double flowLpm,
      double pumpSpeedPct,
      double heatRemovedKw,
      double powerW) {}

  Reading read(int cdu) {
    double seconds = gpus.seconds();
    int from = firstGpu(cdu);
    int to = firstGpu(cdu + 1);
    double heatW = 0;
    for (int g = from; g < to; g++) {
      heatW += GpuNodeServer.powerW(g, seconds);
    }
    double designKw = Math.max(1, (to - from) * MAX_GPU_W / 1000);
    double heatKw = heatW / 1000;
    double pump = 30 + 70 * Math.min(1, heatKw / designKw);
    double designFlow = designKw / (KW_PER_LPM_K * DESIGN_RISE_K);
    double flow = designFlow * pump / 100;
    double rise = heatKw / (KW_PER_LPM_K * flow);
    // The pump's draw goes with the cube of its speed; rated at 2 % of the CDU's design load.
    double powerW = 0.02 * designKw * 1000 * Math.pow(pump / 100, 3);
    return new Reading(SUPPLY_C, SUPPLY_C + rise, flow, pump, heatKw, powerW);
  }
}
