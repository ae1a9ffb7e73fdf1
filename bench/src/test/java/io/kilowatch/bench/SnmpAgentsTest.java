package io.kilowatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SnmpAgentsTest {
  @Test
  void energyIsTheExactIntegralOfThePowerWave() {
    // Agent 0 of 4 (phase 0), a quarter period (150 s) in: P = 2000 + 1000 sin(π/2) = 3000 W, and
    // ∫ = 2000·150 + (1000·600/2π)(cos 0 − cos π/2) = 300,000 + 95,492.97 = 395,492.97 W·s
    // = 109.859 Wh on top of the 1 MWh the register starts at.
    var r = SnmpAgents.reading(0, 4, 150);
    assertThat(r.powerW()).isCloseTo(3000.0, within(1e-9));
    assertThat(r.energyWh() - 1_000_000).isCloseTo(109.859, within(1e-3));
    // Outlets share the inlet evenly, power and energy.
    assertThat(r.outlets()).hasSize(SnmpAgents.OUTLETS);
    assertThat(r.outlets().getFirst().powerW()).isCloseTo(3000.0 / 8, within(1e-9));
    assertThat(r.outlets().getFirst().energyWh() * 8).isCloseTo(r.energyWh(), within(1e-6));
  }
}
