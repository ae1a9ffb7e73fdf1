package io.kilowatch.app.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.app.Kilowatch;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.modbus.ModbusTcpFake;
import io.kilowatch.testkit.modbus.RegisterBank;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site of 100 clusters (each one rack of two PDUs and a GPU node, 301 devices with the facility
 * meter), polled by a real kilowatch over Modbus: the meter and cluster c042 answer, every other
 * device's address refuses connections, so 4 devices are up and 297 down. Looked at in Chromium:
 * the header's cluster picker finds a cluster by typing and goes there, by mouse or keyboard, and
 * the devices page pages, searches and filters, with the console clean throughout.
 */
@RequiresPeer(Peer.CHROMIUM)
class ManyClustersBrowserTest {
  static final Path SHOTS = Path.of("target", "screenshots");
  static final int CLUSTERS = 100;

  @TempDir static Path dir;
  static ModbusTcpFake meter;
  static Kilowatch app;
  static Chromium browser;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    meter = ModbusTcpFake.start(new RegisterBank(1, new int[] {1500, 0, 0, 0}));
    int closed;
    try (var s = new ServerSocket(0)) {
      // Free now and closed again: connecting to it is refused at once.
      closed = s.getLocalPort();
    }
    var yaml = new StringBuilder();
    yaml.append(
        """
        site: {name: hundred}
        store: {kind: embedded, dataDir: ./data}
        profiles:
          - id: pdu
            source: modbus
            addressBase: zero
            points:
              - {name: power, registerType: holding, address: 0, dataType: uint16, unit: W, field: power_w}
        energy:
          itLevel: pdu-output
          facility: [{device: fac, powerField: power_w}]
          it: [{kind: pdu}]
        devices:
          - {id: fac, kind: meter, profile: pdu, interval: 2s, timeout: 500ms, source: {type: modbus, host: 127.0.0.1, port: UP, unitId: 1}}
        clusters:
        """
            .replace("UP", String.valueOf(meter.port())));
    for (int i = 0; i < CLUSTERS; i++) {
      String c = String.format("c%03d", i);
      int port = i == 42 ? meter.port() : closed;
      yaml.append("  - id: ").append(c).append("\n    name: Hall ").append(i);
      yaml.append("\n    racks:\n      - id: ").append(c).append("-r1\n        devices:\n");
      for (String[] d : new String[][] {{"pdu-a", "pdu"}, {"pdu-b", "pdu"}, {"n1", "gpu-node"}}) {
        yaml.append("          - {id: ")
            .append(c)
            .append("-r1-")
            .append(d[0])
            .append(", kind: ")
            .append(d[1])
            .append(", profile: pdu, interval: 2s, timeout: 500ms, source: {type: modbus,")
            .append(" host: 127.0.0.1, port: ")
            .append(port)
            .append(", unitId: 1}}\n");
      }
    }
    Path file = dir.resolve("site.yaml");
    Files.writeString(file, yaml.toString());
    app = Kilowatch.start(ConfigLoader.load(file), 0);
    browser = Chromium.start(dir.resolve("chromium-profile"));
    // A headless page is never the focused window, so focus() alone would fire no focus event,
    // which is what opens the picker's list for a person who tabs or clicks into it.
    browser.send("Emulation.setFocusEmulationEnabled", Map.of("enabled", true));
    base = "http://127.0.0.1:" + app.port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (app != null) {
      app.close();
    }
    if (meter != null) {
      meter.close();
    }
  }

  // The issue: the header listed every cluster as a link and wrapped; at 100 it would fill a
  // phone's screen. Now one search box: typing narrows the list, a click or Enter goes there.
  @Test
  void thePickerFindsAClusterByTypingAndGoesThere() throws Exception {
    browser.viewport(390, 844, true);
    try {
      browser.clearErrors();
      browser.navigate(base + "/jobs.html");
      awaitTrue("document.getElementById('site-name').textContent === 'hundred'");
      assertThat(count("#nav a[href^='/cluster.html']")).isZero();
      // The page links keep to one line, and the picker does not cover the brand.
      assertThat(
              eval("new Set([...document.querySelectorAll('#nav a')].map(a => a.offsetTop)).size")
                  .asInt())
          .isEqualTo(1);
      assertThat(
              eval("(() => { const b = document.querySelector('.brand').getBoundingClientRect();"
                      + " const p = document.querySelector('.picker').getBoundingClientRect();"
                      + " return b.right <= p.left || b.bottom <= p.top; })()")
                  .asBoolean())
          .isTrue();
      double header = number("document.getElementById('top').offsetHeight");

      // Focused and empty: the first 50 of 100, and a note that 50 more are a few keys away.
      eval("document.getElementById('cluster-picker').focus()");
      awaitTrue("!document.getElementById('cluster-list').hidden");
      assertThat(count("#cluster-list [role=option]")).isEqualTo(50);
      assertThat(text("#cluster-list .picker-note")).isEqualTo("50 more: type to narrow");
      // The list floats over the page: the header is as tall as before, and nothing scrolls
      // sideways on a phone.
      assertThat(number("document.getElementById('top').offsetHeight")).isEqualTo(header);
      assertThat(number("document.documentElement.scrollWidth - window.innerWidth"))
          .isLessThanOrEqualTo(1);
      browser.screenshot(SHOTS.resolve("picker-open-390.png"));

      // "c04" is in c040..c049 only; the arrow keys walk them, Enter takes the third.
      browser.send("Input.insertText", Map.of("text", "c04"));
      awaitTrue("document.querySelectorAll('#cluster-list [role=option]').length === 10");
      assertThat(text("#cluster-list [role=option]")).isEqualTo("Hall 40 (c040)");
      for (int i = 0; i < 3; i++) {
        key("ArrowDown", 40);
      }
      assertThat(
              eval("document.getElementById('cluster-picker').getAttribute('aria-activedescendant')")
                  .asText())
          .isEqualTo("cluster-option-2");
      key("Enter", 13);
      awaitTrue("location.pathname === '/cluster.html' && location.search === '?id=c042'");

      // By name, and by mouse: "hall 99" matches one cluster.
      browser.navigate(base + "/devices.html");
      eval("document.getElementById('cluster-picker').focus()");
      browser.send("Input.insertText", Map.of("text", "hall 99"));
      awaitTrue("document.querySelectorAll('#cluster-list [role=option]').length === 1");
      eval(
          "document.querySelector('#cluster-list [role=option]').dispatchEvent("
              + "new MouseEvent('mousedown', {bubbles: true, cancelable: true}))");
      awaitTrue("location.pathname === '/cluster.html' && location.search === '?id=c099'");
      assertThat(browser.errors()).as("console").isEmpty();
    } finally {
      browser.viewport(1366, 768, false);
    }
  }

  // The overview's grid: a card per cluster, the worst risk first, then the most IT power. Only
  // c042 draws power here, so among clusters of one risk level it comes first.
  @Test
  void theOverviewOrdersClusterCardsByRiskThenPower() throws Exception {
    browser.clearErrors();
    browser.navigate(base + "/");
    awaitTrue("document.querySelectorAll('#cluster-grid .card').length === " + CLUSTERS);
    awaitTrue(
        "document.querySelector('#cluster-grid .card .card-title').textContent === 'Hall 42 (c042)'");
    // The rule itself, on made-up clusters: critical before ok whatever the power; within a
    // level the higher power first; without power, by id.
    JsonNode order =
        eval(
            """
            (() => {
              const risk = new Map([['a', {level: 'OK'}], ['b', {level: 'CRITICAL'}], ['c', {level: 'OK'}],
                ['d', {level: 'WARNING'}], ['e', {level: 'OK'}]]);
              const power = new Map([['a', 10], ['b', 1], ['c', 30], ['d', 50]]);
              return ['a', 'b', 'c', 'd', 'e', 'f'].map(id => ({id})).sort(clusterOrder(risk, power)).map(c => c.id);
            })()
            """);
    // b critical, d warning, then the OKs by power (c 30, a 10, e none), then f with no risk.
    assertThat(order.toString()).isEqualTo("[\"b\",\"d\",\"c\",\"a\",\"e\",\"f\"]");
    browser.screenshot(SHOTS.resolve("overview-100-clusters.png"));
    assertThat(browser.errors()).as("console").isEmpty();
  }

  @Test
  void theDevicesPagePagesSearchesAndFilters() throws Exception {
    browser.clearErrors();
    browser.navigate(base + "/devices.html");
    // 3 devices of c042 and the meter answer; the 297 others are refused.
    awaitTrue("chip('up') === 'up 4' && chip('down') === 'down 297'", CHIP);
    assertThat(text("#state-counts [data-state='']")).isEqualTo("all 301");
    assertThat(count("#devices tbody tr")).isEqualTo(100);
    assertThat(text("#page-info")).isEqualTo("1–100 of 301");
    assertThat(text("#devices tbody tr td")).isEqualTo("c000-r1-n1");

    // Ids in order: three per cluster (n1, pdu-a, pdu-b), then fac. Row 101 is the 2nd of c033.
    click("#page-next");
    awaitTrue("document.getElementById('page-info').textContent === '101–200 of 301'");
    assertThat(text("#devices tbody tr td")).isEqualTo("c033-r1-pdu-a");
    click("#page-next");
    awaitTrue("document.getElementById('page-info').textContent === '201–300 of 301'");
    click("#page-next");
    awaitTrue("document.getElementById('page-info').textContent === '301–301 of 301'");
    assertThat(text("#devices tbody tr td")).isEqualTo("fac");
    assertThat(eval("document.getElementById('page-next').disabled").asBoolean()).isTrue();
    click("#page-prev");
    awaitTrue("document.getElementById('page-info').textContent === '201–300 of 301'");
    browser.screenshot(SHOTS.resolve("devices-paged.png"));

    // Search: the three devices of c042, all up; the counts follow the search.
    eval("document.getElementById('q').focus()");
    browser.send("Input.insertText", Map.of("text", "c042"));
    awaitTrue("document.getElementById('page-info').textContent === '1–3 of 3'");
    assertThat(
            eval("[...document.querySelectorAll('#devices tbody tr td:first-child')].map(td => td.textContent)")
                .toString())
        .isEqualTo("[\"c042-r1-n1\",\"c042-r1-pdu-a\",\"c042-r1-pdu-b\"]");
    assertThat(text("#state-counts [data-state='up']")).isEqualTo("up 3");
    assertThat(text("#state-counts [data-state='down']")).isEqualTo("down 0");
    assertThat(eval("location.search").asText()).isEqualTo("?q=c042");

    // Filters: GPU nodes (one per cluster), then only those down.
    eval(
        "(i => { i.value = ''; i.dispatchEvent(new Event('input')); })(document.getElementById('q'))");
    eval(
        "(s => { s.value = 'gpu-node'; s.dispatchEvent(new Event('change')); })"
            + "(document.getElementById('f-kind'))");
    awaitTrue("document.getElementById('page-info').textContent === '1–100 of 100'");
    awaitTrue("chip('up') === 'up 1' && chip('down') === 'down 99'", CHIP);
    assertThat(eval("document.getElementById('page-next').disabled").asBoolean()).isTrue();
    click("#state-counts [data-state='down']");
    awaitTrue("document.getElementById('page-info').textContent === '1–99 of 99'");
    assertThat(
            eval("[...document.querySelectorAll('#devices tbody tr td:nth-child(4)')].every(td => td.textContent === 'down')")
                .asBoolean())
        .isTrue();

    // Sorted by failures: most first, down the page.
    click("#devices th[data-sort='failures'] button");
    awaitTrue(
        "document.querySelector('#devices th[data-sort=failures]').getAttribute('aria-sort') === 'descending'");
    JsonNode failures =
        eval(
            "[...document.querySelectorAll('#devices tbody tr td:nth-child(7)')].map(td => +td.textContent)");
    for (int i = 1; i < failures.size(); i++) {
      assertThat(failures.get(i).asInt()).isLessThanOrEqualTo(failures.get(i - 1).asInt());
    }
    assertThat(eval("location.search").asText())
        .isEqualTo("?state=down&kind=gpu-node&sort=failures");
    browser.screenshot(SHOTS.resolve("devices-filtered.png"));
    assertThat(browser.errors()).as("console").isEmpty();
  }

  /** The text of a state chip on the devices page. */
  static final String CHIP =
      "const chip = s => (b => b ? b.textContent : '')(document.querySelector(\"#state-counts [data-state='\" + s + \"']\"));";

  private static void click(String selector) throws Exception {
    eval("document.querySelector(" + quote(selector) + ").click()");
  }

  private static void key(String key, int code) throws Exception {
    for (String type : new String[] {"rawKeyDown", "keyUp"}) {
      browser.send(
          "Input.dispatchKeyEvent",
          Map.of("type", type, "key", key, "code", key, "windowsVirtualKeyCode", code));
    }
  }

  private static JsonNode eval(String js) throws Exception {
    return browser.evaluate(js);
  }

  private static String text(String selector) throws Exception {
    return eval("(e => e ? e.textContent : null)(document.querySelector(" + quote(selector) + "))")
        .asText();
  }

  private static int count(String selector) throws Exception {
    return eval("document.querySelectorAll(" + quote(selector) + ").length").asInt();
  }

  private static double number(String js) throws Exception {
    return eval(js).asDouble();
  }

  private static void awaitTrue(String expression) {
    awaitTrue(expression, "");
  }

  private static void awaitTrue(String expression, String prelude) {
    String js = "(() => { " + prelude + " return " + expression + "; })()";
    await(expression)
        .atMost(Duration.ofSeconds(60))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> browser.evaluate(js).asBoolean());
  }

  private static String quote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
