package io.kilowatch.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The standalone agent jar's entry point answers like {@code kilowatch agent}. */
class AgentMainTest {

  @Test
  void withoutATargetItIsAUsageError() {
    assertThat(AgentMain.execute()).isEqualTo(2);
    assertThat(AgentMain.execute("--target", "http://a:1", "--influxdb", "http://b:2"))
        .isEqualTo(2);
  }

  @Test
  void versionAndHelpExitZero() {
    assertThat(AgentMain.execute("--version")).isZero();
    assertThat(AgentMain.execute("--help")).isZero();
  }

  @Test
  void aBadIntervalIsAUsageError() {
    assertThat(
            AgentMain.execute(
                "--target", "http://127.0.0.1:9", "--interval", "soon", "--node", "n"))
        .isEqualTo(2);
  }
}
