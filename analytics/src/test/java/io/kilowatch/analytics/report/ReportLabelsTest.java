package io.kilowatch.analytics.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.units.Units;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

/** The labels table: units from the units model, one row per EED item, nothing unlabelled. */
class ReportLabelsTest {
  @Test
  void everyIndicatorUnitIsAUnitOfItsQuantity() {
    for (var i : ReportLabels.Indicator.values()) {
      var parsed = Units.parse(i.ucum());
      if (i.quantity() != null) {
        assertThat(i.quantity().accepts(parsed)).as(i.name()).isTrue();
      }
    }
    assertThat(ReportLabels.Indicator.E_DC.unit()).isEqualTo("kWh");
    assertThat(ReportLabels.Indicator.CO2E_MARKET.unit()).isEqualTo("kgCO2e");
    assertThat(ReportLabels.Indicator.CUE_LOCATION.unit()).isEqualTo("kgCO2e/kWh");
    assertThat(ReportLabels.Indicator.WUE.unit()).isEqualTo("L/kWh");
    assertThat(ReportLabels.Indicator.PUE.unit()).isEmpty();
  }

  @Test
  void eedItemsAreUniqueAndAnnexOneComesBeforeAnnexTwo() {
    var ids = new HashSet<String>();
    var identifiers = new HashSet<String>();
    boolean annexTwo = false;
    for (var e : ReportLabels.EED) {
      assertThat(ids.add(e.id())).as(e.id()).isTrue();
      assertThat(identifiers.add(e.identifier())).as(e.identifier()).isTrue();
      Units.parse(e.ucum());
      if (e.annex().equals("II")) {
        annexTwo = true;
      } else {
        assertThat(annexTwo).as(e.id() + " after Annex II").isFalse();
      }
    }
    assertThat(ReportLabels.eed("water_input").unit()).isEqualTo("m³");
    assertThat(ReportLabels.eed("reuse_temperature").unit()).isEqualTo("°C");
  }
}
