package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.device.DeviceStatus.State;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.web.WebServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /api/devices a page at a time, on a site of ten devices whose every status is set here: each
 * expected list below is derived by hand from the rules (id order, most failures first, oldest last
 * success first, ties by id) and the table of statuses, not from a previous answer.
 */
class DevicePagingTest {
  static final String SITE =
      """
      site: {name: paging}
      store: {kind: embedded, dataDir: ./data}
      clusters:
        - id: c1
          devices:
            - {id: cdu-c1, kind: cdu, interval: 1m, source: {type: push, match: {d: cdu-c1}}}
          racks:
            - id: c1-r1
              devices:
                - {id: c1-r1-pdu-a, kind: pdu, interval: 1m, source: {type: push, match: {d: c1-r1-pdu-a}}}
                - {id: c1-r1-pdu-b, kind: pdu, interval: 1m, source: {type: push, match: {d: c1-r1-pdu-b}}}
                - {id: c1-r1-n1, kind: gpu-node, interval: 1m, tags: {owner: alpha}, source: {type: push, match: {d: c1-r1-n1}}}
            - id: c1-r2
              devices:
                - {id: c1-r2-pdu-a, kind: pdu, interval: 1m, source: {type: push, match: {d: c1-r2-pdu-a}}}
                - {id: c1-r2-n1, kind: gpu-node, interval: 1m, tags: {owner: beta}, source: {type: push, match: {d: c1-r2-n1}}}
        - id: c2
          racks:
            - id: c2-r1
              devices:
                - {id: c2-r1-pdu-a, kind: pdu, interval: 1m, source: {type: push, match: {d: c2-r1-pdu-a}}}
                - {id: c2-r1-n1, kind: gpu-node, interval: 1m, tags: {owner: alpha}, source: {type: push, match: {d: c2-r1-n1}}}
      devices:
        - {id: fac, kind: meter, interval: 1m, source: {type: push, match: {d: fac}}}
        - {id: chiller, kind: meter, interval: 1m, tags: {room: plant}, source: {type: push, match: {d: chiller}}}
      """;

  static final Instant T = Instant.parse("2026-12-01T12:00:00Z");

  // id, kind, state, consecutive failures, minutes since the last success (-1: never).
  static final List<DeviceStatus> STATUSES =
      List.of(
          status("fac", DeviceKind.METER, State.UP, 0, 1),
          status("chiller", DeviceKind.METER, State.DOWN, 7, 30),
          status("cdu-c1", DeviceKind.CDU, State.UP, 0, 2),
          status("c1-r1-pdu-a", DeviceKind.PDU, State.UP, 0, 1),
          status("c1-r1-pdu-b", DeviceKind.PDU, State.DOWN, 3, 10),
          status("c1-r1-n1", DeviceKind.GPU_NODE, State.UNKNOWN, 0, -1),
          status("c1-r2-pdu-a", DeviceKind.PDU, State.DOWN, 3, 20),
          status("c1-r2-n1", DeviceKind.GPU_NODE, State.UP, 0, 5),
          status("c2-r1-pdu-a", DeviceKind.PDU, State.DOWN, 1, 4),
          status("c2-r1-n1", DeviceKind.GPU_NODE, State.UNKNOWN, 0, -1));

  // Ids compare as strings: "c1-…" < "c2-…" < "cdu-…" < "chiller" < "fac".
  static final List<String> BY_ID =
      List.of(
          "c1-r1-n1",
          "c1-r1-pdu-a",
          "c1-r1-pdu-b",
          "c1-r2-n1",
          "c1-r2-pdu-a",
          "c2-r1-n1",
          "c2-r1-pdu-a",
          "cdu-c1",
          "chiller",
          "fac");

  // 7, then the two 3s by id, then 1, then the six 0s by id.
  static final List<String> BY_FAILURES =
      List.of(
          "chiller",
          "c1-r1-pdu-b",
          "c1-r2-pdu-a",
          "c2-r1-pdu-a",
          "c1-r1-n1",
          "c1-r1-pdu-a",
          "c1-r2-n1",
          "c2-r1-n1",
          "cdu-c1",
          "fac");

  // Never succeeded (by id), then 30, 20, 10, 5, 4, 2 min ago, then the two of 1 min ago by id.
  static final List<String> BY_AGE =
      List.of(
          "c1-r1-n1",
          "c2-r1-n1",
          "chiller",
          "c1-r2-pdu-a",
          "c1-r1-pdu-b",
          "c1-r2-n1",
          "c2-r1-pdu-a",
          "cdu-c1",
          "c1-r1-pdu-a",
          "fac");

  @TempDir Path dir;
  Store store;
  WebServer web;
  String base;
  final AtomicReference<List<DeviceStatus>> statuses = new AtomicReference<>(STATUSES);

  @BeforeEach
  void start() throws Exception {
    Files.writeString(dir.resolve("site.yaml"), SITE);
    SiteConfig site = ConfigLoader.load(dir.resolve("site.yaml"));
    store = EmbeddedStore.open(site.store());
    web = new WebServer(site, store, statuses::get);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  @AfterEach
  void stop() {
    web.stop();
    store.close();
  }

  // The issue: 4,726 devices in one 1.3 MB answer. Every page size walks every device exactly
  // once, in the order of its sort, and the last page says there is no next one.
  @Test
  void aCursorWalkListsEveryDeviceOnceInTheOrderOfEachSort() throws Exception {
    var orders = Map.of("id", BY_ID, "failures", BY_FAILURES, "age", BY_AGE);
    for (var e : orders.entrySet()) {
      for (int limit = 1; limit <= 11; limit++) {
        var pages = new ArrayList<Integer>();
        var seen = walk("sort=" + e.getKey() + "&limit=" + limit, pages);
        assertThat(seen).as("sort=%s limit=%d", e.getKey(), limit).isEqualTo(e.getValue());
        // ten devices in pages of limit: full pages, then the rest.
        int full = 10 / limit;
        var expected = new ArrayList<Integer>();
        for (int i = 0; i < full; i++) {
          expected.add(limit);
        }
        if (10 % limit != 0) {
          expected.add(10 % limit);
        }
        assertThat(pages).as("page sizes, sort=%s limit=%d", e.getKey(), limit).isEqualTo(expected);
      }
    }
  }

  @Test
  void withoutParametersTheAnswerIsTheFirstHundredInIdOrderWithCountsOfEveryState()
      throws Exception {
    JsonNode page = get("/api/devices");
    assertThat(ids(page)).isEqualTo(BY_ID);
    assertThat(page.get("limit").asInt()).isEqualTo(100);
    assertThat(page.get("sort").asText()).isEqualTo("id");
    assertThat(page.get("total").asInt()).isEqualTo(10);
    assertThat(page.get("next").isNull()).isTrue();
    // up: fac, cdu-c1, c1-r1-pdu-a, c1-r2-n1; down: chiller, both 3s, c2-r1-pdu-a; unknown: 2.
    assertThat(counts(page)).isEqualTo(Map.of("up", 4, "down", 4, "unknown", 2));
    // Each entry keeps the fields it had, and says where the device is.
    JsonNode n1 = page.get("devices").get(0);
    assertThat(n1.get("deviceId").asText()).isEqualTo("c1-r1-n1");
    assertThat(n1.get("kind").asText()).isEqualTo("gpu-node");
    assertThat(n1.get("state").asText()).isEqualTo("UNKNOWN");
    assertThat(n1.get("consecutiveFailures").asInt()).isZero();
    assertThat(n1.get("units").get("lastRoundTrip").asText()).isEqualTo("ISO 8601 duration");
    assertThat(n1.has("points")).isTrue();
    assertThat(n1.has("unitWarnings")).isTrue();
    assertThat(n1.get("cluster").asText()).isEqualTo("c1");
    assertThat(n1.get("rack").asText()).isEqualTo("c1-r1");
    assertThat(n1.get("intervalSeconds").asDouble()).isEqualTo(60.0);
  }

  // Counts leave the state filter out, so each says what choosing that state would list; total
  // is what every filter together matches.
  @Test
  void filtersNarrowTheListAndTheCountsFollowEveryFilterButState() throws Exception {
    JsonNode down = get("/api/devices?state=down");
    assertThat(ids(down)).containsExactly("c1-r1-pdu-b", "c1-r2-pdu-a", "c2-r1-pdu-a", "chiller");
    assertThat(down.get("total").asInt()).isEqualTo(4);
    assertThat(counts(down)).isEqualTo(Map.of("up", 4, "down", 4, "unknown", 2));

    JsonNode pdus = get("/api/devices?kind=pdu");
    assertThat(ids(pdus))
        .containsExactly("c1-r1-pdu-a", "c1-r1-pdu-b", "c1-r2-pdu-a", "c2-r1-pdu-a");
    assertThat(counts(pdus)).isEqualTo(Map.of("up", 1, "down", 3, "unknown", 0));

    // A cluster holds its own devices (the CDU) and those of its racks.
    JsonNode c1 = get("/api/devices?cluster=c1");
    assertThat(ids(c1))
        .containsExactly(
            "c1-r1-n1", "c1-r1-pdu-a", "c1-r1-pdu-b", "c1-r2-n1", "c1-r2-pdu-a", "cdu-c1");
    assertThat(counts(c1)).isEqualTo(Map.of("up", 3, "down", 2, "unknown", 1));

    assertThat(ids(get("/api/devices?rack=c1-r2"))).containsExactly("c1-r2-n1", "c1-r2-pdu-a");

    JsonNode mixed = get("/api/devices?cluster=c1&state=down&sort=failures");
    assertThat(ids(mixed)).containsExactly("c1-r1-pdu-b", "c1-r2-pdu-a");
    assertThat(mixed.get("total").asInt()).isEqualTo(2);
    assertThat(counts(mixed)).isEqualTo(Map.of("up", 3, "down", 2, "unknown", 1));

    assertThat(ids(get("/api/devices?kind=gpu-node&state=unknown")))
        .containsExactly("c1-r1-n1", "c2-r1-n1");
    assertThat(ids(get("/api/devices?cluster=c9"))).isEmpty();
  }

  // q matches part of the id or of a tag value, in any case.
  @Test
  void searchFindsDevicesByIdOrTagValue() throws Exception {
    assertThat(ids(get("/api/devices?q=alpha"))).containsExactly("c1-r1-n1", "c2-r1-n1");
    assertThat(ids(get("/api/devices?q=PLANT"))).containsExactly("chiller");
    assertThat(ids(get("/api/devices?q=pdu-a")))
        .containsExactly("c1-r1-pdu-a", "c1-r2-pdu-a", "c2-r1-pdu-a");
    JsonNode beta = get("/api/devices?q=beta&kind=gpu-node");
    assertThat(ids(beta)).containsExactly("c1-r2-n1");
    assertThat(counts(beta)).isEqualTo(Map.of("up", 1, "down", 0, "unknown", 0));
    assertThat(ids(get("/api/devices?q=nothing-like-it"))).isEmpty();
  }

  // With an offset, a device leaving the filter before the cursor would make the next page skip
  // one; the cursor starts the next page after the last device sent, wherever it now is.
  @Test
  void aDeviceThatLeavesTheFilterBetweenPagesDoesNotMakeTheNextPageSkipOne() throws Exception {
    JsonNode first = get("/api/devices?state=down&limit=2");
    assertThat(ids(first)).containsExactly("c1-r1-pdu-b", "c1-r2-pdu-a");
    var now = new ArrayList<>(STATUSES);
    now.replaceAll(
        s ->
            s.deviceId().equals("c1-r1-pdu-b")
                ? status("c1-r1-pdu-b", DeviceKind.PDU, State.UP, 0, 0)
                : s);
    statuses.set(now);
    JsonNode second = get("/api/devices?state=down&limit=2&cursor=" + first.get("next").asText());
    assertThat(ids(second)).containsExactly("c2-r1-pdu-a", "chiller");
    assertThat(second.get("total").asInt()).isEqualTo(3);
    assertThat(second.get("next").isNull()).isTrue();
  }

  @Test
  void aPageOverTheLimitOrABadCursorOrSortIsRefusedNamingWhy() throws Exception {
    assertThat(get("/api/devices?limit=500").get("limit").asInt()).isEqualTo(500);
    var over = refused("/api/devices?limit=501", 400);
    assertThat(over.get("parameter").asText()).isEqualTo("limit");
    assertThat(over.get("error").asText()).contains("500").contains("501");
    assertThat(refused("/api/devices?limit=0", 400).get("parameter").asText()).isEqualTo("limit");
    assertThat(refused("/api/devices?sort=name", 400).get("parameter").asText()).isEqualTo("sort");
    assertThat(refused("/api/devices?state=sideways", 400).get("parameter").asText())
        .isEqualTo("state");
    assertThat(refused("/api/devices?kind=toaster", 400).get("parameter").asText())
        .isEqualTo("kind");
    assertThat(refused("/api/devices?cursor=not-a-cursor", 400).get("parameter").asText())
        .isEqualTo("cursor");
    // A cursor holds its sort's key: under another sort it would start at the wrong place.
    String byId = get("/api/devices?limit=3").get("next").asText();
    var wrongSort = refused("/api/devices?sort=age&cursor=" + byId, 400);
    assertThat(wrongSort.get("parameter").asText()).isEqualTo("cursor");
    assertThat(wrongSort.get("error").asText()).contains("sort=id");
  }

  @Test
  void oneDeviceHasItsOwnAnswerAndAnUnknownOneIsA404() throws Exception {
    JsonNode chiller = get("/api/devices/chiller");
    assertThat(chiller.get("deviceId").asText()).isEqualTo("chiller");
    assertThat(chiller.get("state").asText()).isEqualTo("DOWN");
    assertThat(chiller.get("consecutiveFailures").asInt()).isEqualTo(7);
    assertThat(chiller.get("cluster").isNull()).isTrue();
    assertThat(chiller.get("source").asText()).isEqualTo("push");
    assertThat(refused("/api/devices/nope", 404).get("error").asText()).contains("nope");

    // A device of the site that this instance does not poll (another collector does): where it
    // is, and no poll state.
    statuses.set(STATUSES.stream().filter(s -> !s.deviceId().equals("c1-r2-n1")).toList());
    JsonNode elsewhere = get("/api/devices/c1-r2-n1");
    assertThat(elsewhere.get("state").isNull()).isTrue();
    assertThat(elsewhere.get("polledHere").asBoolean()).isFalse();
    assertThat(elsewhere.get("kind").asText()).isEqualTo("gpu-node");
    assertThat(elsewhere.get("rack").asText()).isEqualTo("c1-r2");
    assertThat(get("/api/devices").get("total").asInt()).isEqualTo(9);
  }

  // The nav, the overview and the cluster page read the summary on every load: it names the
  // clusters and their own devices, not the racks' devices, and the full document stays.
  @Test
  void theSiteSummaryListsClustersWithCountsAndLeavesTheRacksDevicesOut() throws Exception {
    JsonNode s = get("/api/site?view=summary");
    assertThat(s.get("view").asText()).isEqualTo("summary");
    assertThat(s.get("deviceCount").asInt()).isEqualTo(10);
    assertThat(s.has("devices")).isFalse();
    JsonNode c1 = s.get("clusters").get(0);
    assertThat(c1.get("id").asText()).isEqualTo("c1");
    assertThat(c1.get("rackCount").asInt()).isEqualTo(2);
    // cdu-c1 and the five devices of c1-r1 and c1-r2.
    assertThat(c1.get("deviceCount").asInt()).isEqualTo(6);
    assertThat(c1.get("devices").get(0).get("id").asText()).isEqualTo("cdu-c1");
    assertThat(c1.has("racks")).isFalse();
    assertThat(s.get("clusters").get(1).get("deviceCount").asInt()).isEqualTo(2);
    assertThat(s.has("minStepSeconds")).isTrue();

    JsonNode full = get("/api/site");
    assertThat(full.get("clusters").get(0).get("racks").get(1).get("devices").size()).isEqualTo(2);
    assertThat(full.get("devices").size()).isEqualTo(2);
    assertThat(refused("/api/site?view=tiny", 400).get("parameter").asText()).isEqualTo("view");
  }

  /** The ids of every page from the first, following next; adds each page's size to pages. */
  private List<String> walk(String query, List<Integer> pages) throws Exception {
    var out = new ArrayList<String>();
    String cursor = null;
    do {
      JsonNode page = get("/api/devices?" + query + (cursor == null ? "" : "&cursor=" + cursor));
      out.addAll(ids(page));
      pages.add(page.get("devices").size());
      assertThat(page.get("total").asInt()).isEqualTo(10);
      cursor = page.get("next").isNull() ? null : page.get("next").asText();
      assertThat(pages.size()).as("pages of " + query).isLessThanOrEqualTo(11);
    } while (cursor != null);
    return out;
  }

  private static List<String> ids(JsonNode page) {
    var out = new ArrayList<String>();
    page.get("devices").forEach(d -> out.add(d.get("deviceId").asText()));
    return out;
  }

  private static Map<String, Integer> counts(JsonNode page) {
    var out = new java.util.HashMap<String, Integer>();
    page.get("byState").properties().forEach(e -> out.put(e.getKey(), e.getValue().asInt()));
    return out;
  }

  private JsonNode get(String path) throws Exception {
    var r = send(path);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return ApiUnitsTest.JSON.readTree(r.body());
  }

  private JsonNode refused(String path, int status) throws Exception {
    var r = send(path);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(status);
    return ApiUnitsTest.JSON.readTree(r.body());
  }

  private HttpResponse<String> send(String path) throws Exception {
    return ApiUnitsTest.HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static DeviceStatus status(
      String id, DeviceKind kind, State state, int failures, int minutesAgo) {
    Instant last = minutesAgo < 0 ? null : T.minus(Duration.ofMinutes(minutesAgo));
    return new DeviceStatus(
        id,
        kind,
        state,
        last,
        T,
        state == State.DOWN ? "connection refused" : null,
        failures,
        Duration.ofMillis(3),
        T.plusSeconds(60),
        0,
        Map.of());
  }
}
