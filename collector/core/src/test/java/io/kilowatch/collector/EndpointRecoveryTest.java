package io.kilowatch.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.config.CollectorConfig;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Shard;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two devices behind one address (two Modbus units of a gateway) on a real TCP listener in real
 * time. Each device's poll is a TCP connect to the listener, so the devices fail exactly while it
 * is gone. The case: a server that appears only after kilowatch started, and the devices
 * behind it waiting out their own backoffs (116 s) instead of being polled when it answers.
 */
class EndpointRecoveryTest {
  /** Short enough for a test, long against the backoff the devices reach (several seconds). */
  private static final Duration INTERVAL = Duration.ofMillis(250);

  private final Map<String, List<Instant>> attempts = new ConcurrentHashMap<>();
  private PollScheduler scheduler;
  private ServerSocket listener;

  @AfterEach
  void stop() throws IOException {
    if (scheduler != null) {
      scheduler.close();
    }
    if (listener != null) {
      listener.close();
    }
  }

  /** A collector whose poll succeeds exactly when the address accepts a connection. */
  private DeviceCollector connecting(Device device, int port) {
    return new DeviceCollector() {
      @Override
      public Device device() {
        return device;
      }

      @Override
      public List<Sample> poll() throws IOException {
        attempts.computeIfAbsent(device.id(), k -> new CopyOnWriteArrayList<>()).add(Instant.now());
        try (var s = new Socket()) {
          s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        }
        return List.of(
            Sample.of(Instant.now(), "pdu", Map.of("device", device.id()), Map.of("power", 1.0)));
      }

      @Override
      public void close() {}
    };
  }

  /** Accepts and closes every connection until closed. */
  private static ServerSocket listen(int port) throws IOException {
    var ss = new ServerSocket();
    ss.setReuseAddress(true);
    ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    Thread.ofVirtual()
        .name("listener-" + port)
        .start(
            () -> {
              while (!ss.isClosed()) {
                try (Socket ignored = ss.accept()) {
                  // accepted: the address answers
                } catch (IOException e) {
                  // closed
                }
              }
            });
    return ss;
  }

  private DeviceStatus status(String id) {
    return scheduler.statuses().stream()
        .filter(s -> s.deviceId().equals(id))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void bothDevicesBehindAnAddressArePolledWithinOneIntervalOfItAnswering() throws Exception {
    int port;
    try (var free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Device a =
        TestSites.device(
            "unit1",
            DeviceKind.PDU,
            new Source.Modbus("127.0.0.1", port, 1),
            INTERVAL,
            Duration.ofMillis(200));
    Device b =
        TestSites.device(
            "unit2",
            DeviceKind.PDU,
            new Source.Modbus("127.0.0.1", port, 2),
            INTERVAL,
            Duration.ofMillis(200));
    SiteConfig site =
        TestSites.site(List.of(), List.of(a, b))
            .withCollector(new CollectorConfig(Shard.ALL, Duration.ofMinutes(1)));
    scheduler = new PollScheduler(site, samples -> {}, Clock.systemUTC(), d -> connecting(d, port));
    scheduler.start();

    // Nothing listens yet: both back off until their next attempts are more than 3 s away
    // (250 ms × 2^4 = 4 s after the fourth failure, less at most 10% jitter).
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                List.of("unit1", "unit2").stream()
                    .map(this::status)
                    .allMatch(
                        s ->
                            s.state() == DeviceStatus.State.DOWN
                                && Duration.between(Instant.now(), s.nextAttempt())
                                        .compareTo(Duration.ofMillis(3000))
                                    > 0));
    Instant due1 = status("unit1").nextAttempt();
    Instant due2 = status("unit2").nextAttempt();

    listener = listen(port);
    Instant answering = Instant.now();

    // One interval for the watch's next connect, plus slack for a loaded machine; still well
    // before either device's own backoff would have ended.
    await()
        .atMost(INTERVAL.plusMillis(1500))
        .until(
            () ->
                status("unit1").state() == DeviceStatus.State.UP
                    && status("unit2").state() == DeviceStatus.State.UP);
    for (var id : List.of("unit1", "unit2")) {
      Instant polled =
          attempts.get(id).stream().filter(t -> !t.isBefore(answering)).findFirst().orElseThrow();
      assertThat(polled).as(id).isBefore(id.equals("unit1") ? due1 : due2);
      assertThat(Duration.between(answering, polled)).as(id).isLessThan(INTERVAL.plusMillis(1500));
      assertThat(status(id).consecutiveFailures()).isZero();
    }
  }
}
