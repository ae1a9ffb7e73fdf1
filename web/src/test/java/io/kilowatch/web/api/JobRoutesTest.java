package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Rack;
import io.kilowatch.config.Site;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.config.WebConfig;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobLedger;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.web.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/jobs} and {@code /api/jobs/{id}} on a real server and store: the key names the Jobs
 * page reads, figures by the rules (analytics/README.md J1–J3) and the limits.
 *
 * <p>Two hours from 00:00, readings every minute: facility 150 kWh/h, c1's PDU 100 kWh/h, so c1's
 * PUE is 150/100 = 1.5 in both hours (one cluster, no cooling). n1 gpu 0 at 0.6 kW, gpu 1 at 0.3
 * kW. Job slurm/hpc/7 holds gpu 0 00:00–02:00: 1.2 kWh, facility 1.8 kWh. Pod k8s/ml/pod-1 holds
 * gpu 1 00:30–01:30: 0.3 kWh, facility 0.45 kWh. GPU energy 1.8 kWh = jobs 1.5 + idle 0.3.
 */
class JobRoutesTest {
  static final Instant T0 = Instant.parse("2026-07-01T00:00:00Z");
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;
  Store store;
  WebServer web;
  String base;

  /** A ledger in memory: the durable one is the job sources' business. */
  static final class MemoryLedger implements JobLedger {
    final Map<String, JobRecord> jobs = new LinkedHashMap<>();

    @Override
    public void record(Collection<JobRecord> js) {
      js.forEach(j -> jobs.put(j.id(), j));
    }

    @Override
    public List<JobRecord> overlapping(Instant from, Instant to) {
      return jobs.values().stream()
          .filter(j -> j.overlaps(from, to))
          .sorted(Comparator.comparing(JobRecord::start))
          .toList();
    }

    @Override
    public void close() {}
  }

  private static Device device(String id, DeviceKind kind, Location loc) {
    return new Device(
        id,
        kind,
        loc,
        null,
        new Source.Modbus("127.0.0.1", 502, 1),
        Duration.ofSeconds(60),
        Duration.ofSeconds(2),
        Map.of());
  }

  private static Instant at(double hours) {
    return T0.plusSeconds(Math.round(hours * 3600));
  }

  @BeforeEach
  void start() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    var r1 = new Location("c1", "r1");
    var site =
        io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("t", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                List.of(),
                List.of(
                    new Cluster(
                        "c1",
                        "c1",
                        List.of(
                            new Rack(
                                "r1",
                                List.of(
                                    device("pdu", DeviceKind.PDU, r1),
                                    device("n1", DeviceKind.GPU_NODE, r1)))),
                        List.of())),
                List.of(device("main", DeviceKind.METER, Location.FACILITY)),
                new EnergyModel(
                    EnergyModel.ItLevel.PDU_OUTPUT,
                    List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                    List.of(new Channel("pdu", null, null, "energy_kwh", "power_w")),
                    List.of(),
                    List.of(),
                    List.of())));
    var batch = new ArrayList<Sample>();
    for (int t = 0; t <= 7200; t += 60) {
      Instant when = T0.plusSeconds(t);
      double h = t / 3600.0;
      batch.add(Sample.of(when, "meter", Map.of("device", "main"), Map.of("energy_kwh", 150 * h)));
      batch.add(Sample.of(when, "pdu", Map.of("device", "pdu"), Map.of("energy_kwh", 100 * h)));
      for (int g = 0; g < 2; g++) {
        // kW × h = kWh; 1 kWh = 3.6e9 mJ.
        double mj = (g == 0 ? 0.6 : 0.3) * h * 3.6e9;
        batch.add(
            Sample.of(
                when,
                "gpu",
                Map.of("device", "n1", "gpu", "" + g, "cluster", "c1"),
                Map.of("energy_mj", mj)));
      }
    }
    store.write(batch);
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  private void ledger() {
    var l = new MemoryLedger();
    l.record(
        List.of(
            new JobRecord(
                "slurm/hpc/7",
                JobOrigin.SLURM,
                "c1",
                "train",
                "alice",
                "physics",
                "gpu",
                T0,
                at(2),
                List.of(new GpuHold("n1", "0", T0, at(2)))),
            new JobRecord(
                "k8s/ml/pod-1",
                JobOrigin.KUBERNETES,
                "c1",
                "pod-1",
                "bob",
                "ml",
                "Job/etl",
                at(0.5),
                at(1.5),
                List.of(new GpuHold("n1", "1", at(0.5), at(1.5))))));
    web.jobs(l);
  }

  @AfterEach
  void stop() {
    web.stop();
    store.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static final String WINDOW = "from=2026-07-01T00:00:00Z&to=2026-07-01T02:00:00Z";

  @Test
  void theListHasTotalsThatAddUpTopJobsByFacilityEnergyAndAccounts() throws Exception {
    ledger();
    var r = get("/api/jobs?" + WINDOW + "&cluster=c1");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode b = JSON.readTree(r.body());
    assertThat(b.at("/units/energy").asText()).isEqualTo("kWh");
    assertThat(b.at("/units/carbon").asText()).isEqualTo("kgCO2e");
    assertThat(b.at("/cluster").asText()).isEqualTo("c1");
    assertThat(b.at("/interval/from").asText()).isEqualTo("2026-07-01T00:00:00Z");
    JsonNode t = b.get("totals");
    assertThat(t.get("clusterItEnergyKwh").asDouble()).isCloseTo(1.8, within(1e-9));
    assertThat(t.get("jobsItEnergyKwh").asDouble()).isCloseTo(1.5, within(1e-9));
    assertThat(t.get("idleItEnergyKwh").asDouble()).isCloseTo(0.3, within(1e-9));
    assertThat(t.get("idleShare").asDouble()).isCloseTo(0.3 / 1.8, within(1e-9));
    assertThat(t.get("facilityEnergyKwh").asDouble()).isCloseTo(2.7, within(1e-9));
    assertThat(t.get("coverage").asDouble()).isEqualTo(1.0);
    // No carbon source: no emissions figure, not 0 kg.
    assertThat(t.get("locationKgCo2e").isNull()).isTrue();
    assertThat(t.has("marketKgCo2e")).isTrue();
    assertThat(b.get("jobCount").asInt()).isEqualTo(2);
    JsonNode first = b.at("/jobs/0");
    assertThat(first.get("id").asText()).isEqualTo("slurm/hpc/7");
    for (String key :
        List.of(
            "id",
            "origin",
            "cluster",
            "name",
            "user",
            "account",
            "partition",
            "start",
            "end",
            "running",
            "gpuCount",
            "gpuHours",
            "itEnergyKwh",
            "facilityEnergyKwh",
            "pue",
            "locationKgCo2e",
            "marketKgCo2e",
            "coverage")) {
      assertThat(first.has(key)).as(key).isTrue();
    }
    assertThat(first.get("itEnergyKwh").asDouble()).isCloseTo(1.2, within(1e-9));
    assertThat(first.get("facilityEnergyKwh").asDouble()).isCloseTo(1.8, within(1e-9));
    assertThat(first.get("pue").asDouble()).isCloseTo(1.5, within(1e-9));
    assertThat(first.get("gpuHours").asDouble()).isCloseTo(2, within(1e-12));
    assertThat(first.get("running").asBoolean()).isFalse();
    assertThat(b.at("/jobs/1/facilityEnergyKwh").asDouble()).isCloseTo(0.45, within(1e-9));
    assertThat(b.at("/accounts/0/account").asText()).isEqualTo("physics");
    assertThat(b.at("/accounts/1/jobs").asInt()).isEqualTo(1);
    assertThat(b.at("/accounts/1/gpuHours").asDouble()).isCloseTo(1, within(1e-12));

    // A user filter lists that user's jobs; the totals stay the cluster's.
    JsonNode bob = JSON.readTree(get("/api/jobs?" + WINDOW + "&user=bob&top=1").body());
    assertThat(bob.get("jobCount").asInt()).isEqualTo(1);
    assertThat(bob.at("/jobs/0/id").asText()).isEqualTo("k8s/ml/pod-1");
    assertThat(bob.at("/totals/idleItEnergyKwh").asDouble()).isCloseTo(0.3, within(1e-9));
  }

  @Test
  void oneJobHasItsGpusAndHoursAndAnUnknownIdIsA404NamingIt() throws Exception {
    ledger();
    var r = get("/api/jobs/k8s/ml/pod-1?" + WINDOW);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode b = JSON.readTree(r.body());
    assertThat(b.get("id").asText()).isEqualTo("k8s/ml/pod-1");
    assertThat(b.get("origin").asText()).isEqualTo("KUBERNETES");
    assertThat(b.get("itEnergyKwh").asDouble()).isCloseTo(0.3, within(1e-9));
    assertThat(b.at("/gpus/0/device").asText()).isEqualTo("n1");
    assertThat(b.at("/gpus/0/gpu").asText()).isEqualTo("1");
    assertThat(b.at("/gpus/0/itEnergyKwh").asDouble()).isCloseTo(0.3, within(1e-9));
    assertThat(b.at("/gpus/0/coverage").asDouble()).isEqualTo(1.0);
    // 00:30–01:30 is two hour pieces of 0.15 kWh each, at PUE 1.5.
    JsonNode hours = b.get("hours");
    assertThat(hours).hasSize(2);
    for (String key :
        List.of(
            "from",
            "to",
            "itEnergyKwh",
            "pue",
            "facilityEnergyKwh",
            "locationGPerKwh",
            "marketGPerKwh",
            "locationKgCo2e",
            "marketKgCo2e",
            "coverage")) {
      assertThat(hours.get(0).has(key)).as(key).isTrue();
    }
    assertThat(hours.get(0).get("from").asText()).isEqualTo("2026-07-01T00:30:00Z");
    assertThat(hours.get(0).get("to").asText()).isEqualTo("2026-07-01T01:00:00Z");
    assertThat(hours.get(1).get("itEnergyKwh").asDouble()).isCloseTo(0.15, within(1e-9));
    assertThat(hours.get(1).get("pue").asDouble()).isCloseTo(1.5, within(1e-9));
    assertThat(hours.get(1).get("facilityEnergyKwh").asDouble()).isCloseTo(0.225, within(1e-9));

    var missing = get("/api/jobs/slurm/hpc/404404?" + WINDOW);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("slurm/hpc/404404");
  }

  @Test
  void theLimitsAre400sNamingTheirParameter() throws Exception {
    ledger();
    var top = get("/api/jobs?" + WINDOW + "&top=1001");
    assertThat(top.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(top.body()).get("parameter").asText()).isEqualTo("top");
    assertThat(top.body()).contains("1000");
    var range = get("/api/jobs?from=2026-01-01T00:00:00Z&to=2026-07-01T00:00:00Z");
    assertThat(range.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(range.body()).get("parameter").asText()).isEqualTo("from");
    assertThat(range.body()).contains("92 days");
    var cluster = get("/api/jobs?" + WINDOW + "&cluster=nope");
    assertThat(cluster.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(cluster.body()).get("parameter").asText()).isEqualTo("cluster");
  }

  @Test
  void withoutALedgerTheListIsEmptyAndSaysWhy() throws Exception {
    var r = get("/api/jobs?" + WINDOW);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode b = JSON.readTree(r.body());
    assertThat(b.get("jobs")).isEmpty();
    assertThat(b.get("jobCount").asInt()).isZero();
    assertThat(b.get("reason").asText()).contains("no job ledger");
    assertThat(get("/api/jobs/slurm/hpc/7").statusCode()).isEqualTo(404);
  }
}
