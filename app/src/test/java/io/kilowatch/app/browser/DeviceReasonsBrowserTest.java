package io.kilowatch.app.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.app.Kilowatch;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import io.kilowatch.testkit.modbus.RegisterBank;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device page in a real browser, fed by a real Modbus collector: a register the meter refuses
 * shows its reason next to the point and in the status table, and once the meter stops answering
 * its values are shown stale with why, not as good readings.
 */
@RequiresPeer(Peer.CHROMIUM)
class DeviceReasonsBrowserTest {
  @TempDir Path dir;

  private static final String SITE =
      """
      site: {name: reasons}
      store: {kind: embedded, dataDir: ./data}
      profiles:
        - id: meter
          source: modbus
          addressBase: zero
          points:
            - {name: power, registerType: holding, address: 0, dataType: uint16, unit: W, field: power}
            - {name: ghost, registerType: holding, address: 101, dataType: uint16, unit: W, field: ghost}
      devices:
        - {id: m1, kind: meter, profile: meter, interval: 1s, timeout: 500ms, source: {type: modbus, host: 127.0.0.1, port: PORT, unitId: 1}}
      """;

  @Test
  void theDevicePageSaysWhyAPointIsBadAndMarksADownDevicesValuesStale() throws Exception {
    var meter = ModbusTcpFake.start(new RegisterBank(1, new int[] {1234, 0, 0, 0}));
    boolean stopped = false;
    Path file = dir.resolve("site.yaml");
    Files.writeString(file, SITE.replace("PORT", String.valueOf(meter.port())));
    try (var app = Kilowatch.start(ConfigLoader.load(file), 0);
        var browser = Chromium.start(dir.resolve("chromium-profile"))) {
      browser.navigate("http://127.0.0.1:" + app.port() + "/device.html?id=m1");
      String reason = "illegal data address (exception 2) at holding 101";
      awaitText(browser, "#status tbody", "ghost: " + reason);
      awaitText(browser, "#points tbody", reason);

      meter.close();
      stopped = true;
      awaitText(browser, "#points tbody", "device down (last read ");
      assertThat(
              browser
                  .evaluate(
                      "[...document.querySelectorAll('#points tbody tr')]"
                          + ".every(r => r.className === 'stale-row')")
                  .asBoolean())
          .isTrue();
      assertThat(browser.errors()).isEmpty();
    } finally {
      if (!stopped) {
        meter.close();
      }
    }
  }

  private static void awaitText(Chromium browser, String selector, String text) {
    String js =
        "(e => e !== null && e.textContent.includes("
            + quote(text)
            + "))(document.querySelector("
            + quote(selector)
            + "))";
    await(selector + " shows " + text)
        .atMost(Duration.ofSeconds(30))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> browser.evaluate(js).asBoolean());
  }

  private static String quote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
