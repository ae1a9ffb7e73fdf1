package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.kilowatch.alerts.AlertEngine;
import io.kilowatch.alerts.DeliveryOptions;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Site;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.config.WebConfig;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.BatchingWriter;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.web.WebServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of a real server holding site data, checked by Prometheus' own linter: what a
 * scraping team's CI would run against us, so a naming slip fails here first.
 */
@RequiresPeer(Peer.PROMTOOL)
class MetricsPromtoolTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  // Energy counters read every 30 s (= 1/120 h). Per reading the facility meter adds 1 kWh, the PDU
  // 2/3 kWh and the CDU 1/4 kWh, so they draw 120 kW, 80 kW and 30 kW: 120,000 W, 80,000 W and
  // 30,000 W, and PUE = 120 / 80 = 1.5.
  private static final Duration EVERY = Duration.ofSeconds(30);
  private static final double FACILITY_KWH_PER_READING = 1.0;
  private static final double IT_KWH_PER_READING = 2.0 / 3.0;
  private static final double COOLING_KWH_PER_READING = 0.25;

  @TempDir Path dir;
  private Store store;
  private BatchingWriter writer;
  private AlertEngine alerts;
  private WebServer web;
  private String base;
  private int stored;

  @BeforeEach
  void start() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    var site =
        io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("t", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                List.of(),
                List.of(),
                List.of(
                    device("main", DeviceKind.METER),
                    device("pdu", DeviceKind.PDU),
                    device("cdu", DeviceKind.CDU)),
                new EnergyModel(
                    EnergyModel.ItLevel.PDU_OUTPUT,
                    List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                    List.of(new Channel("pdu", null, null, "energy_kwh", "power_w")),
                    List.of(new Channel("cdu", null, null, "energy_kwh", "power_w")),
                    List.of(),
                    List.of())));
    // /metrics reads the 15 minutes before now, so the readings cover the 20 minutes up to now.
    Instant end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    var batch = new ArrayList<Sample>();
    for (int i = 0; i <= 40; i++) {
      Instant at = end.minus(EVERY.multipliedBy(40 - i));
      batch.add(reading(at, "meter", "main", i * FACILITY_KWH_PER_READING));
      batch.add(reading(at, "pdu", "pdu", i * IT_KWH_PER_READING));
      batch.add(reading(at, "cdu", "cdu", i * COOLING_KWH_PER_READING));
    }
    stored = batch.size();
    writer = new BatchingWriter(store, 10_000, 1_000, Duration.ofMillis(20));
    writer.accept(batch);
    await().atMost(Duration.ofSeconds(20)).until(() -> writer.written() == stored);

    // A device id with every character the exposition format must escape in a label value.
    var odd =
        new DeviceStatus(
            "rack \"A\"\\7\nfeed",
            DeviceKind.PDU,
            DeviceStatus.State.DOWN,
            end.minusSeconds(90),
            end.minusSeconds(30),
            "timeout",
            3,
            Duration.ofMillis(2_000),
            end.plusSeconds(30));
    var up =
        new DeviceStatus(
            "main",
            DeviceKind.METER,
            DeviceStatus.State.UP,
            end,
            end,
            null,
            0,
            Duration.ofMillis(15),
            end.plusSeconds(30));
    // Not started: its outbox counters are all /metrics needs, and they exist from the start.
    alerts =
        AlertEngine.open(
            site.withAlerts(alerting()),
            store,
            dir.resolve("alerts"),
            Clock.systemUTC(),
            DeliveryOptions.DEFAULT);
    web =
        new WebServer(
            site,
            store,
            () -> List.of(up, odd),
            writer,
            io.kilowatch.web.ingest.IngestSink.direct(store),
            alerts);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  @AfterEach
  void stop() {
    if (web != null) {
      web.stop();
    }
    if (alerts != null) {
      alerts.close();
    }
    if (writer != null) {
      writer.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private static Device device(String id, DeviceKind kind) {
    return new Device(
        id,
        kind,
        Location.FACILITY,
        null,
        new Source.Modbus("127.0.0.1", 502, 1),
        EVERY,
        Duration.ofSeconds(2),
        Map.of());
  }

  private static Sample reading(Instant at, String measurement, String device, double kwh) {
    return Sample.of(at, measurement, Map.of("device", device), Map.of("energy_kwh", kwh));
  }

  @Test
  void promtoolFindsNoProblemInTheExposition() throws Exception {
    String body = metrics();

    var check = promtool(body);

    assertThat(check.exitCode()).as(check.output() + "\n--- exposition:\n" + body).isZero();
    assertThat(check.output()).as(body).isEmpty();
    assertThat(body)
        .contains("kilowatch_device_up{device=\"rack \\\"A\\\"\\\\7\\nfeed\",kind=\"pdu\"} 0\n");
    // Every family the server has was in what promtool checked, each written once.
    var families = new TreeSet<String>(MetricsRoutes.OWN_FAMILIES);
    families.addAll(
        Set.of("kilowatch_ingest_unmatched_lines_total", "kilowatch_ingest_rejected_lines_total"));
    assertThat(body.lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]))
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(families);
  }

  /** One rule and one receiver, so the alerting families have samples for promtool to read. */
  private static io.kilowatch.config.AlertsConfig alerting() {
    var rule =
        new io.kilowatch.config.AlertsConfig.Rule(
            "supply-hot",
            io.kilowatch.config.AlertsConfig.Type.THRESHOLD,
            "cooling_loop",
            "supply_temp_c",
            Map.of(),
            List.of(),
            io.kilowatch.config.AlertsConfig.Reduce.LAST,
            Duration.ofMinutes(2),
            io.kilowatch.config.AlertsConfig.Op.ABOVE,
            40,
            null,
            Duration.ZERO,
            Duration.ZERO,
            null,
            null,
            null,
            null,
            "",
            io.kilowatch.config.AlertsConfig.Severity.CRITICAL,
            Map.of(),
            Map.of());
    var receiver =
        new io.kilowatch.config.AlertsConfig.Receiver(
            "oncall",
            io.kilowatch.config.AlertsConfig.ReceiverKind.WEBHOOK,
            URI.create("http://127.0.0.1:9/hook"),
            null,
            Duration.ofSeconds(2));
    var route =
        new io.kilowatch.config.AlertsConfig.Route(
            "oncall",
            Map.of(),
            List.of("alertname"),
            Duration.ZERO,
            Duration.ofMinutes(5),
            Duration.ofHours(4));
    return new io.kilowatch.config.AlertsConfig(
        null, Duration.ofSeconds(15), List.of(rule), List.of(receiver), List.of(route), List.of());
  }

  @Test
  void alertFamiliesShowEachRuleAndReceiverBeforeAnythingHappened() throws Exception {
    String body = metrics();

    // Nothing evaluated or sent yet: no instance fires, nothing waits, the breaker is closed.
    assertThat(value(body, "kilowatch_alerts_firing{rule=\"supply-hot\",severity=\"critical\"}"))
        .isZero();
    assertThat(value(body, "kilowatch_alert_notifications_pending{receiver=\"oncall\"}")).isZero();
    assertThat(value(body, "kilowatch_alert_deliveries_total{receiver=\"oncall\",result=\"ok\"}"))
        .isZero();
    assertThat(
            value(body, "kilowatch_alert_receiver_breaker{receiver=\"oncall\",state=\"closed\"}"))
        .isEqualTo(1);
    assertThat(value(body, "kilowatch_alert_receiver_breaker{receiver=\"oncall\",state=\"open\"}"))
        .isZero();
  }

  @Test
  void sitePowerIsTheStoredEnergyRateInWatts() throws Exception {
    String body = metrics();

    // 1 kWh per 30 s reading = 120 kW; the gauge is named in watts, so 120,000. A milliwatt of
    // slack absorbs the rounding of 2/3 kWh steps; a unit slip would be off by a factor of 1000.
    assertThat(value(body, "kilowatch_site_power_watts{kind=\"facility\"}"))
        .isCloseTo(120_000.0, within(1e-3));
    assertThat(value(body, "kilowatch_site_power_watts{kind=\"it\"}"))
        .isCloseTo(80_000.0, within(1e-3));
    assertThat(value(body, "kilowatch_site_power_watts{kind=\"cooling\"}"))
        .isCloseTo(30_000.0, within(1e-3));
    assertThat(value(body, "kilowatch_site_pue{category=\"2\"}")).isCloseTo(1.5, within(1e-9));
    assertThat(value(body, "kilowatch_samples_written_total")).isEqualTo(stored);
  }

  private String metrics() throws Exception {
    var r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  private static double value(String body, String series) {
    return body.lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no sample " + series + " in\n" + body));
  }

  private record Check(int exitCode, String output) {}

  /** {@code promtool check metrics} reads the exposition on stdin and lists problems, if any. */
  private static Check promtool(String exposition) throws Exception {
    Path promtool = Peer.find("promtool").orElseThrow();
    Process p =
        new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> drain(p));
    try (var in = p.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("promtool check metrics did not finish in 30 s");
    }
    return new Check(p.exitValue(), output.get(10, TimeUnit.SECONDS));
  }

  private static String drain(Process p) {
    try (InputStream out = p.getInputStream()) {
      var buf = new ByteArrayOutputStream();
      out.transferTo(buf);
      return buf.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
