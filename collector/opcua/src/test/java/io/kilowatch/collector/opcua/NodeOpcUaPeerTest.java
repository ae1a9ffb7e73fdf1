package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RepoRoot;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.SiteDevice;
import io.kilowatch.testkit.site.SiteSources;
import io.kilowatch.testkit.site.YamlMaps;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector against an OPC UA server we did not write: node-opcua (npm), serving the CDU model
 * of the shipped profile {@code config/profiles/cdu-generic.yaml}, which the test loads as a user
 * would. Skipped when Node.js or the package is missing, unless {@code CI} is set: then it fails,
 * since CI installs both ({@code npm ci --prefix collector/opcua/src/test/node}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@RequiresPeer(Peer.NODE_OPCUA)
class NodeOpcUaPeerTest {
  private static final Path NODE_DIR = Path.of("src/test/node");
  private static final Path PROFILE = RepoRoot.resolve("config/profiles/cdu-generic.yaml");
  private static final Duration START_WAIT = Duration.ofSeconds(40);
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Every field the profile writes. */
  private static final Set<String> FIELDS =
      Set.of(
          "primary_supply_temp_c",
          "primary_return_temp_c",
          "supply_temp_c",
          "return_temp_c",
          "delta_t_k",
          "supply_pressure_kpa",
          "return_pressure_kpa",
          "diff_pressure_kpa",
          "flow_lpm",
          "pump_speed_pct",
          "heat_removed_kw",
          "reservoir_level_pct",
          "leak_state",
          "power_w",
          "energy_kwh");

  @TempDir static Path tmp;
  private final java.util.concurrent.atomic.AtomicInteger sessions =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger sessionEvents =
      new java.util.concurrent.atomic.AtomicInteger();
  private String endpoint;
  private Process server;
  private SiteConfig site;
  private OpcUaCollector collector;

  @BeforeAll
  void startNodeOpcUa() throws Exception {
    int port;
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path log = tmp.resolve("node-opcua.log");
    server =
        new ProcessBuilder(
                "node",
                "cdu-server.js",
                String.valueOf(port),
                tmp.resolve("pki").toString(),
                "cdu-n1",
                "cdu-n2")
            .directory(NODE_DIR.toFile())
            .redirectError(log.toFile())
            .start();
    var ready = new CompletableFuture<Void>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (var out =
                  new BufferedReader(
                      new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  if (line.startsWith("READY")) {
                    ready.complete(null);
                  } else if (line.startsWith("SESSIONS ")) {
                    sessionEvents.incrementAndGet();
                    sessions.set(Integer.parseInt(line.substring("SESSIONS ".length()).strip()));
                  }
                }
                ready.completeExceptionally(new IOException("node-opcua exited"));
              } catch (IOException e) {
                ready.completeExceptionally(e);
              }
            });
    try {
      ready.get(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      throw new AssertionError("node-opcua did not start: " + Files.readString(log), e);
    }
    endpoint = "opc.tcp://127.0.0.1:" + port + "/UA/kilowatch";
    site =
        SiteBuilder.named("node-opcua peer")
            .profile(YamlMaps.of("file", PROFILE.toAbsolutePath().normalize().toString()))
            .device(
                SiteDevice.of(
                        "cdu-n1", "cdu", "cdu-generic", SiteSources.opcua(endpoint, "mode", "poll"))
                    .every(Duration.ofSeconds(1), null))
            .device(
                SiteDevice.of(
                        "cdu-n2",
                        "cdu",
                        "cdu-generic",
                        SiteSources.opcua(endpoint, "samplingInterval", "100ms"))
                    .every(Duration.ofSeconds(1), null))
            .toConfig(tmp);
  }

  @AfterAll
  void stop() throws Exception {
    if (collector != null) {
      collector.close();
    }
    if (server != null) {
      server.destroy();
      if (!server.waitFor(5, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private OpcUaCollector collector(String id) {
    if (collector != null) {
      collector.close();
    }
    collector = OpcUaCollectors.of(site.device(id).orElseThrow(), site);
    return collector;
  }

  private static Set<String> goodFields(List<Sample> samples) {
    return samples.stream()
        .filter(s -> s.quality() == Quality.GOOD && s.measurement().equals("cooling_loop"))
        .flatMap(s -> s.fields().keySet().stream())
        .collect(java.util.stream.Collectors.toSet());
  }

  @Test
  void pollingReadsEveryPointOfTheCduProfileByBrowsePath() throws Exception {
    var c = collector("cdu-n1");

    List<Sample> samples = Polls.until(c, WAIT, s -> goodFields(s).containsAll(FIELDS));

    assertThat(goodFields(samples)).containsExactlyInAnyOrderElementsOf(FIELDS);
    assertThat(c.pointErrors()).isEmpty();
    Map<String, Double> v = Polls.fields(samples, Quality.GOOD);
    assertThat(v.get("heat_removed_kw"))
        .isCloseTo(
            0.0697 * v.get("flow_lpm") * v.get("delta_t_k"),
            org.assertj.core.data.Offset.offset(5.0));
  }

  @Test
  void theUnitsNodeOpcUaDeclaresAgreeWithTheShippedProfileAndNameTheLeakStates() throws Exception {
    // node-opcua packs UNECE codes with its own code: a wrong unpacking would be a mismatch here.
    var c = collector("cdu-n1");

    Polls.until(c, WAIT, s -> goodFields(s).containsAll(FIELDS));

    assertThat(c.unitWarnings()).isEmpty();
    assertThat(c.serverDeclarations().get("supply").unitCode()).isEqualTo("CEL");
    assertThat(c.serverDeclarations().get("flow").unitCode()).isEqualTo("L2");
    assertThat(c.serverDeclarations().get("energy").unitCode()).isEqualTo("KWH");
    assertThat(c.serverDeclarations().get("power").range())
        .isEqualTo(new ServerDeclaration.Range(0, 10000));
    assertThat(c.serverDeclarations().get("leak-state").states())
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(Map.of(0L, "OK", 1L, "Warning", 2L, "Critical")));
  }

  @Test
  void subscriptionDeliversEveryPointAndThenItsChanges() throws Exception {
    var c = collector("cdu-n2");

    List<Sample> samples =
        Polls.until(
            c,
            WAIT,
            s ->
                goodFields(s).containsAll(FIELDS)
                    && Polls.values(s, "flow_lpm").stream().distinct().count() >= 3);

    assertThat(goodFields(samples)).containsExactlyInAnyOrderElementsOf(FIELDS);
    assertThat(Polls.values(samples, "flow_lpm").stream().distinct().count())
        .isGreaterThanOrEqualTo(3);
    assertThat(samples).allSatisfy(s -> assertThat(s.tags()).containsEntry("device", "cdu-n2"));
  }

  @Test
  void tenWrongPasswordAttemptsLeaveNoSessionOnNodeOpcUa() throws Exception {
    // The server reports its session count on every create and close; a session a failed login
    // left open would stay counted until its timeout (two minutes).
    var options =
        new io.kilowatch.config.OpcUaOptions(
            io.kilowatch.config.OpcUaOptions.Mode.POLL,
            null,
            null,
            10,
            io.kilowatch.config.OpcUaOptions.Timestamps.SOURCE,
            null,
            null,
            false,
            tmp.resolve("client-pki"));
    var source =
        new io.kilowatch.config.Source.OpcUa(
            java.net.URI.create(endpoint),
            io.kilowatch.config.Source.SecurityPolicy.NONE,
            "operator",
            "not-the-password",
            options);
    var template = site.device("cdu-n1").orElseThrow();
    var device =
        new io.kilowatch.config.Device(
            "cdu-n1",
            template.kind(),
            template.location(),
            template.profile(),
            source,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            Map.of());
    var profile =
        (io.kilowatch.config.Profile.OpcUa) site.profile(template.profile()).orElseThrow();
    if (collector != null) {
      collector.close();
    }
    // The previous test's session closes asynchronously: count from when the server has none.
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> sessions.get() == 0);
    collector = new OpcUaCollector(device, source, profile, site, java.time.Clock.systemUTC());
    int eventsBefore = sessionEvents.get();

    for (int attempt = 0; attempt < 10; attempt++) {
      assertThat(Polls.failure(collector)).hasMessageContaining("the server refused user");
    }

    // Ten created and ten closed: twenty events, the count back at none.
    org.awaitility.Awaitility.await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(sessionEvents.get() - eventsBefore).isEqualTo(20);
              assertThat(sessions.get()).isZero();
            });
  }
}
