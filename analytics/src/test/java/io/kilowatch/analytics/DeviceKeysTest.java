package io.kilowatch.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceKeysTest {
  private static final SeriesKey A_POWER = SeriesKey.of("pdu", Map.of("device", "a"), "power_w");
  private static final SeriesKey A_OUTLET =
      SeriesKey.of("pdu", Map.of("device", "a", "outlet", "1"), "power_w");
  private static final SeriesKey B_POWER = SeriesKey.of("pdu", Map.of("device", "b"), "power_w");
  private static final SeriesKey SITE = SeriesKey.of("pdu", Map.of("rack", "r1"), "power_w");

  private final DeviceKeys keys = new DeviceKeys(List.of(A_POWER, A_OUTLET, B_POWER, SITE));

  @Test
  void aDevicesQuerySeesOnlyThatDevicesSeriesInTheirOrder() {
    var a = new SeriesQuery("pdu", "power_w", Map.of("device", "a"));

    assertThat(keys.candidates(a)).containsExactly(A_POWER, A_OUTLET);
    assertThat(keys.matching(a.withTag("outlet", "1"))).containsExactly(A_OUTLET);
    assertThat(keys.matching(new SeriesQuery("pdu", "power_w", Map.of("device", "c")))).isEmpty();
  }

  @Test
  void aQueryWithoutADeviceTagSeesEveryKey() {
    assertThat(keys.matching(new SeriesQuery("pdu", "power_w", Map.of("rack", "r1"))))
        .containsExactly(SITE);
    assertThat(keys.candidates(SeriesQuery.of("pdu", "power_w"))).hasSize(4);
  }
}
