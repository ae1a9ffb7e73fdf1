package io.kilowatch.config;

import java.util.List;

/**
 * Which meter channels make up the facility's energy, so PUE is computed from this tree rather than
 * from hard-coded device names.
 *
 * @param itLevel where IT energy is metered; sets the ISO/IEC 30134-2 measurement category
 * @param facility total energy entering the facility (E_DC)
 * @param it energy delivered to IT equipment (E_IT)
 * @param cooling energy of cooling equipment; a channel with a cluster serves only that cluster
 * @param losses power-delivery losses metered separately (UPS, transformers)
 * @param other other overhead (lighting, security)
 */
public record EnergyModel(
    ItLevel itLevel,
    List<Channel> facility,
    List<Channel> it,
    List<Channel> cooling,
    List<Channel> losses,
    List<Channel> other) {

  public EnergyModel {
    facility = List.copyOf(facility);
    it = List.copyOf(it);
    cooling = List.copyOf(cooling);
    losses = List.copyOf(losses);
    other = List.copyOf(other);
  }

  /** ISO/IEC 30134-2 measurement category follows from where E_IT is metered. */
  public enum ItLevel {
    UPS_OUTPUT(1),
    PDU_OUTPUT(2),
    IT_INPUT(3);

    private final int category;

    ItLevel(int category) {
      this.category = category;
    }

    public int category() {
      return category;
    }
  }

  /**
   * One or more meter channels: a single device, or every device of a kind (optionally within one
   * cluster).
   *
   * @param device a device id, or {@code null} when {@code kind} selects
   * @param kind every device of this kind, or {@code null} when {@code device} selects
   * @param cluster restricts a kind selection to one cluster and, for cooling, says which cluster
   *     the energy serves; {@code null} for site-wide
   * @param energyField the cumulative energy field, e.g. {@code energy_kwh}
   * @param powerField the power field used where no energy counter exists, e.g. {@code power_w}
   */
  public record Channel(
      String device, DeviceKind kind, String cluster, String energyField, String powerField) {}
}
