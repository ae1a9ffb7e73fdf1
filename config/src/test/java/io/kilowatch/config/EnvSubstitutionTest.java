package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvSubstitutionTest {
  private final EnvSubstitution env = new EnvSubstitution(Map.of("HOST", "pdu1", "EMPTY", ""));

  @Test
  void replacesSetVariablesAnywhereInTheText() {
    var r = env.apply("modbus://${HOST}:502");

    assertThat(r.value()).isEqualTo("modbus://pdu1:502");
    assertThat(r.substituted()).isTrue();
    assertThat(r.errors()).isEmpty();
  }

  @Test
  void theDefaultAppliesWhenUnsetOrEmptyAsInAShell() {
    assertThat(env.apply("${PORT:-5020}").value()).isEqualTo("5020");
    assertThat(env.apply("${EMPTY:-x}").value()).isEqualTo("x");
    assertThat(env.apply("${HOST:-x}").value()).isEqualTo("pdu1");
  }

  @Test
  void anUnsetVariableWithoutDefaultNamesTheVariable() {
    var r = env.apply("${PASSWORD}");

    assertThat(r.errors())
        .containsExactly(
            "environment variable PASSWORD is not set (write ${PASSWORD:-default} to give a default)");
  }

  @Test
  void theHintForAnUnsetSecretOffersNoDefault() {
    var r = env.apply("${PASSWORD}", true);

    assertThat(r.errors())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("environment variable PASSWORD is not set")
        .doesNotContain(":-");
  }

  @Test
  void doubledDollarWritesALiteralReference() {
    assertThat(env.apply("$${HOST}").value()).isEqualTo("${HOST}");
    assertThat(env.apply("cost: 5$").value()).isEqualTo("cost: 5$");
  }

  @Test
  void anUnterminatedReferenceIsAnError() {
    assertThat(env.apply("${HOST").errors()).hasSize(1);
  }
}
