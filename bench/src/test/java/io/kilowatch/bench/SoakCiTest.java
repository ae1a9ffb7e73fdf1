package io.kilowatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak's short CI variant: 2,000 GPUs, 32 PDUs and 4 CDUs (OPC UA) through the real collectors
 * for 45 s, with devices going silent, slow and garbled on schedule and the OPC UA server
 * restarted. Correctness, not speed: every answer a device that stayed up gave must be in the
 * store.
 */
class SoakCiTest {
  @TempDir Path work;

  @Test
  void everyAnswerOfADeviceThatStayedUpIsStoredWhileOthersFail() throws Exception {
    var options =
        new SoakOptions(
            2_000,
            32,
            Duration.ofSeconds(45),
            Duration.ofSeconds(5),
            Duration.ofSeconds(2),
            true,
            2,
            work,
            4,
            Duration.ofSeconds(4),
            false);

    SoakReport report = SoakRun.run(options);
    System.out.println(report.render());

    assertNothingLost(report);
    assertThat(report.losses())
        .extracting(SoakRun.Loss::source)
        .containsExactly("dcgm", "modbus", "opcua");
    assertThat(report.losses())
        .filteredOn(l -> l.source().equals("opcua"))
        .singleElement()
        .satisfies(l -> assertThat(l.upDevices()).as("CDUs up").isEqualTo(4));
    // The OPC UA server was restarted once, and kilowatch reconnected by itself: every CDU
    // stored readings again after the server came back.
    assertThat(report.opcUaRestarts().restarts()).hasSize(1);
    assertThat(report.opcUaRestarts().cdusStoringAfter())
        .as("CDUs storing after restart")
        .isEqualTo(4);
    assertThat(report.api().requests()).as("dashboard requests").isPositive();
    assertThat(report.outages())
        .as("outages that happened")
        .allSatisfy(h -> assertThat(h.down()).as(h.window().what()).isNotNull());
    assertThat(report.carbon().answered()).as("/api/carbon answers").isPositive();
  }

  /**
   * What every soak must show: each answer of a device that stayed up is in the store, and each
   * alert notification kilowatch queued reached the receiver, the one the receiver refused during
   * its outage included.
   */
  static void assertNothingLost(SoakReport report) {
    assertThat(report.losses()).hasSizeGreaterThanOrEqualTo(2);
    for (SoakRun.Loss loss : report.losses()) {
      if (loss.upDevices() + loss.faultedDevices() == 0) {
        continue; // a source type this soak did not simulate
      }
      if (loss.source().equals("opcua")) {
        // The OPC UA fault is a server restart, not a device fault: every CDU counts.
        assertThat(loss.faultedDevices()).as("CDUs faulted").isZero();
      } else {
        assertThat(loss.faultedDevices()).as("%s faulted devices", loss.source()).isPositive();
      }
      assertThat(loss.upDevices()).as("%s devices up", loss.source()).isPositive();
      // Each device that stayed up answered several polls.
      assertThat(loss.expected())
          .as("%s answers", loss.source())
          .isGreaterThan(loss.upDevices() * 3L);
      // A sample may be missing only where kilowatch itself recorded the poll as failed (an
      // answer that arrived after its timeout on an overloaded runner): never silently.
      int perPoll = loss.source().equals("dcgm") ? ScaleSite.GPUS_PER_NODE : 1;
      assertThat(loss.lost())
          .as("%s samples missing beyond polls kilowatch recorded as failed", loss.source())
          .isLessThanOrEqualTo(loss.failedPolls() * perPoll);
      assertThat(loss.stored()).as("%s stored", loss.source()).isLessThanOrEqualTo(loss.expected());
      if (loss.failedPolls() == 0) {
        assertThat(loss.stored()).as("%s stored", loss.source()).isEqualTo(loss.expected());
      }
    }
    assertThat(report.dropped()).as("samples dropped by the write queue").isZero();

    AlertTally alerts = report.alerts();
    assertThat(alerts.faultedDevices()).isPositive();
    assertThat(alerts.faultedAlerted())
        .as("faulted devices alerted on, missing %s", alerts.notAlerted())
        .isEqualTo(alerts.faultedDevices());
    assertThat(alerts.queued()).as("notifications queued").isGreaterThanOrEqualTo(1);
    assertThat(alerts.received()).as("notifications received").isEqualTo(alerts.queued());
    assertThat(alerts.lost()).isZero();
    assertThat(alerts.givenUp()).isZero();
    assertThat(alerts.stillQueued()).isZero();
    assertThat(alerts.badSignatures()).isZero();
  }
}
