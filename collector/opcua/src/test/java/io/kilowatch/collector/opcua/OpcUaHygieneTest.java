package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.collector.PollScheduler;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.opcua.OpcUaFakeSetup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the collector leaves behind on a server and in the log when things go wrong, and that a
 * quiet subscription and a first connection are not mistaken for failures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpcUaHygieneTest {
  private static final String LEAK = "nsu=" + OpcUaFakeServer.DEMO_URI + ";s={device}/Leak";
  private static final Pattern THUMBPRINT = Pattern.compile("SHA-1 ([0-9a-f]{40})");

  @TempDir static Path tmp;
  private OpcUaFakeServer plain;
  private OpcUaFakeServer secure;
  private Path trustingPki;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  void startServers() throws Exception {
    var leak = new DataValue(new Variant(0.0));
    plain =
        new OpcUaFakeServer(
            OpcUaFakeSetup.of(Map.of("cdu-1/Leak", leak, "cdu-2/Leak", leak, "cdu-3/Leak", leak))
                .withAdvertisedHost(OpcUaFakeServer.UNRESOLVABLE_HOST)
                .withUser("operator", "secret"));
    secure =
        new OpcUaFakeServer(
            OpcUaFakeSetup.of(Map.of("cdu-1/Leak", leak))
                .withAdvertisedHost(OpcUaFakeServer.UNRESOLVABLE_HOST)
                .withSecurity()
                .withUser("operator", "secret"));
    trustingPki = tmp.resolve("pki-trusting");
    Files.createDirectories(trustingPki.resolve("trusted/certs"));
    Files.write(trustingPki.resolve("trusted/certs/server.der"), secure.certificate().getEncoded());
  }

  @AfterAll
  void stopServers() {
    plain.close();
    secure.close();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  private static Device device(
      String id,
      OpcUaFakeServer server,
      Source.SecurityPolicy policy,
      String password,
      Path pki,
      Duration interval,
      Duration timeout) {
    return device(id, server.endpoint(), policy, password, pki, interval, timeout);
  }

  private static Device device(
      String id,
      OpcUaFakeServer server,
      Source.SecurityPolicy policy,
      String password,
      Path pki,
      Duration interval,
      Duration timeout,
      Duration sampling) {
    return device(id, server.endpoint(), policy, password, pki, interval, timeout, sampling);
  }

  private static Device device(
      String id,
      String endpoint,
      Source.SecurityPolicy policy,
      String password,
      Path pki,
      Duration interval,
      Duration timeout) {
    return device(id, endpoint, policy, password, pki, interval, timeout, Duration.ofMillis(50));
  }

  private static Device device(
      String id,
      String endpoint,
      Source.SecurityPolicy policy,
      String password,
      Path pki,
      Duration interval,
      Duration timeout,
      Duration sampling) {
    var options =
        new OpcUaOptions(
            OpcUaOptions.Mode.SUBSCRIBE,
            null,
            sampling,
            10,
            OpcUaOptions.Timestamps.SOURCE,
            null,
            null,
            false,
            pki);
    var source =
        new Source.OpcUa(
            URI.create(endpoint), policy, password == null ? null : "operator", password, options);
    return new Device(
        id, DeviceKind.CDU, Location.FACILITY, "p", source, interval, timeout, Map.of());
  }

  private static SiteConfig site(Device... devices) {
    var profile =
        new Profile.OpcUa("p", List.of(OpcUaCollectorTest.point("leak", LEAK, "leak_state")));
    return TestSites.site(List.of(profile), List.of(devices));
  }

  private OpcUaCollector collector(Device device) {
    var c = OpcUaCollectors.of(device, site(device));
    open.add(c);
    return c;
  }

  @ParameterizedTest
  @EnumSource(
      value = Source.SecurityPolicy.class,
      names = {"NONE", "BASIC256SHA256"})
  void tenWrongPasswordAttemptsLeaveNoSessionOnTheServer(Source.SecurityPolicy policy)
      throws Exception {
    // A CDU controller allows a handful of sessions; each one a failed login leaves open until
    // it times out (two minutes here) locks the BMS out.
    OpcUaFakeServer server = policy == Source.SecurityPolicy.NONE ? plain : secure;
    var c =
        collector(
            device(
                "cdu-1",
                server,
                policy,
                "not-the-password",
                trustingPki,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5)));
    var counts = new ArrayList<Integer>();

    for (int attempt = 0; attempt < 10; attempt++) {
      assertThat(Polls.failure(c)).hasMessageContaining("the server refused user 'operator'");
      counts.add(server.sessionCount());
    }

    assertThat(counts).containsOnly(0);
  }

  @Test
  void repeatedFailuresLogOneWarningPerKindAndDeviceWithoutStackTraces() throws Exception {
    var wrongPassword =
        collector(
            device(
                "cdu-1",
                plain,
                Source.SecurityPolicy.NONE,
                "not-the-password",
                null,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5)));
    var untrusted =
        collector(
            device(
                "cdu-2",
                secure,
                Source.SecurityPolicy.BASIC256SHA256,
                null,
                tmp.resolve("pki-empty"),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5)));

    String log;
    try (var captured = CapturedLog.start()) {
      for (int attempt = 0; attempt < 4; attempt++) {
        assertThat(Polls.failure(wrongPassword)).isNotNull();
        assertThat(Polls.failure(untrusted)).isNotNull();
      }
      log = captured.text();
    }

    // (Milo's trust-list watcher may complain about a deleted temporary directory: not ours.)
    List<String> warnings =
        log.lines()
            .filter(l -> l.contains("] WARN ") || l.contains("] ERROR "))
            .filter(l -> !l.contains("WatchKeyRunner"))
            .toList();
    assertThat(warnings)
        .as(log)
        .satisfiesExactlyInAnyOrder(
            w -> assertThat(w).contains("device cdu-1: ").contains("refused user 'operator'"),
            w -> assertThat(w).contains("device cdu-2: ").contains("is not trusted"));
    assertThat(log.lines())
        .as("no stack trace at WARN or above")
        .noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by:"));
  }

  @Test
  void aRefusedServerCertificateIsFiledUnderTheThumbprintTheMessageQuotes() throws Exception {
    Path pki = tmp.resolve("pki-review");
    var c =
        collector(
            device(
                "cdu-1",
                secure,
                Source.SecurityPolicy.BASIC256SHA256,
                null,
                pki,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5)));

    String message = Polls.failure(c).getMessage();

    // The thumbprint is SHA-1 over the certificate's DER encoding (OPC UA Part 6 §6.2.3).
    String expected =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-1").digest(secure.certificate().getEncoded()));
    var quoted = THUMBPRINT.matcher(message);
    assertThat(quoted.find()).as(message).isTrue();
    assertThat(quoted.group(1)).isEqualTo(expected);
    Path rejected = pki.resolve("rejected").resolve(expected + ".der");
    assertThat(rejected).exists();
    assertThat(message).contains(rejected.toString());

    // What the README tells the operator to do: move that file into trusted/certs.
    Files.move(rejected, pki.resolve("trusted/certs").resolve(rejected.getFileName()));

    List<Sample> after =
        Polls.until(c, Duration.ofSeconds(10), p -> Polls.has(p, "leak_state", Quality.GOOD));
    assertThat(Polls.fields(after, Quality.GOOD)).containsEntry("leak_state", 0.0);
  }

  @Test
  void aValueThatNeverChangesStaysGoodInEveryPollWhileKeepAlivesArrive() throws Exception {
    // A leak sensor reads 0 for weeks: OPC UA sends it once, then only keep-alives. Stored only
    // once, it would look stale and an `absent` rule on it would fire.
    // Polls every 400 ms; sampling (and publishing) every 200 ms, so a keep-alive every 400 ms.
    Device d =
        device(
            "cdu-3",
            plain,
            Source.SecurityPolicy.NONE,
            null,
            null,
            Duration.ofMillis(400),
            Duration.ofSeconds(2),
            Duration.ofMillis(200));
    var made = new AtomicReference<OpcUaCollector>();
    SiteConfig site = site(d);
    List<List<Sample>> polls = new CopyOnWriteArrayList<>();
    var scheduler =
        new PollScheduler(
            site,
            polls::add,
            Clock.systemUTC(),
            dev -> {
              var c = OpcUaCollectors.of(dev, site);
              made.set(c);
              return c;
            });
    open.add(scheduler);
    scheduler.start();

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                made.get() != null
                    && made.get().keepAliveCount() >= 4
                    && firstWithLeak(polls) >= 0
                    && polls.size() - firstWithLeak(polls) >= 12);

    List<List<Sample>> since = List.copyOf(polls.subList(firstWithLeak(polls), polls.size()));
    assertThat(since)
        .allSatisfy(
            p -> assertThat(Polls.fields(p, Quality.GOOD)).containsEntry("leak_state", 0.0));
    // One notification: every later value came from the keep-alives, not from a change.
    assertThat(made.get().notificationCount()).isEqualTo(1);
    assertThat(made.get().pointErrors()).isEmpty();
  }

  private static int firstWithLeak(List<List<Sample>> polls) {
    for (int i = 0; i < polls.size(); i++) {
      if (Polls.has(polls.get(i), "leak_state", Quality.GOOD)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void startingAgainstAServerThatAnswersGivesNoFailedAttemptAndNoDeviceDownLine() throws Exception {
    Device d =
        device(
            "cdu-2",
            plain,
            Source.SecurityPolicy.NONE,
            null,
            null,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5));
    SiteConfig site = site(d);
    var states = new CopyOnWriteArrayList<DeviceStatus.State>();
    var received = new CopyOnWriteArrayList<Sample>();
    String log;
    try (var captured = CapturedLog.start()) {
      var scheduler = OpcUaCollectors.scheduler(site, received::addAll);
      open.add(scheduler);
      scheduler.addListener((before, now) -> states.add(now.state()));
      scheduler.start();
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> Polls.has(received, "leak_state", Quality.GOOD));
      log = captured.text();
      assertThat(scheduler.statuses().getFirst().consecutiveFailures()).isZero();
    }

    assertThat(states).containsExactly(DeviceStatus.State.UP);
    assertThat(log).doesNotContain("is down");
  }

  @Test
  void aFirstConnectionInProgressIsConnectingUntilItFailsWithItsCause() throws Exception {
    // A server that accepts the connection and never answers: opening takes as long as it may.
    try (var silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var accepted = new CopyOnWriteArrayList<Socket>();
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  while (true) {
                    accepted.add(silent.accept());
                  }
                } catch (IOException e) {
                  // closed at the end of the test
                }
              });
      var c =
          collector(
              device(
                  "cdu-9",
                  "opc.tcp://127.0.0.1:" + silent.getLocalPort() + "/kilowatch",
                  Source.SecurityPolicy.NONE,
                  null,
                  null,
                  Duration.ofMillis(400),
                  Duration.ofMillis(400)));

      assertThat(c.connecting()).as("before the first poll").isFalse();
      assertThat(c.poll()).as("a poll while the first session opens").isEmpty();
      assertThat(c.connecting()).isTrue();

      // Discovery gives up after its bound (10 s): the cause, not "still connecting".
      Exception last =
          await()
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(100))
              .until(() -> pollFailure(c), e -> e != null);
      assertThat(last).hasMessageContaining("cannot reach");
      assertThat(c.connecting()).isFalse();
      // A retry that takes its time is the device still being down, not a start.
      assertThat(pollFailure(c)).hasMessageStartingWith("still connecting");
      assertThat(c.connecting()).isFalse();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  private static Exception pollFailure(OpcUaCollector c) {
    try {
      c.poll();
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  /**
   * What slf4j-simple writes (it prints to whatever {@code System.err} is at the time), while still
   * passing it on to the real stderr.
   */
  private static final class CapturedLog implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    static CapturedLog start() {
      var c = new CapturedLog();
      OutputStream tee =
          new OutputStream() {
            @Override
            public void write(int b) {
              synchronized (c.buffer) {
                c.buffer.write(b);
              }
              c.original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
              synchronized (c.buffer) {
                c.buffer.write(b, off, len);
              }
              c.original.write(b, off, len);
            }
          };
      System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
      return c;
    }

    String text() {
      synchronized (buffer) {
        return buffer.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() {
      System.setErr(original);
    }
  }
}
