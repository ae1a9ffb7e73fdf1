package io.kilowatch.app.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.app.DemoYaml;
import io.kilowatch.app.Kilowatch;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.YamlTree;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.DemoSite;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.web.ingest.TokenAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The dashboard of a site with {@code web.readAccess: token}, in headless Chromium: the pages ask
 * for a token, keep it for the tab, and open the event stream with a ticket.
 */
@RequiresPeer(Peer.CHROMIUM)
class ReadTokenBrowserTest {
  static final String VIEWER = "wall-screen-viewer-7f3a";
  static final String OPERATOR = "duty-operator-91c2";

  /**
   * Counts, in the page, the event streams opened, the ticks they delivered, the URLs tried and
   * those that opened; installed before any page script runs.
   */
  private static final String STREAM_PROBE =
      """
      (() => {
        const Base = window.EventSource;
        const st = window.__kwStream = {opened: 0, ticks: 0, urls: [], openedUrls: []};
        window.EventSource = class extends Base {
          constructor(url, opts) {
            super(url, opts);
            st.urls.push(String(url));
            this.addEventListener('open', () => { st.opened++; st.openedUrls.push(String(url)); });
            this.addEventListener('tick', () => st.ticks++);
          }
        };
      })();
      """;

  private static final String DIALOG_OPEN =
      "(d => d !== null && d.open)(document.getElementById('token-dialog'))";

  @TempDir static Path dir;
  static DemoSite demo;
  static Kilowatch app;
  static Chromium browser;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    var d = DemoOptions.defaults();
    demo =
        DemoSite.start(
            new DemoOptions(
                Duration.ofSeconds(1), d.seed(), true, d.faultPeriod(), d.faultLength()));
    Map<String, Object> root =
        new Yaml().load(DemoYaml.of(demo.siteYaml(), dir.resolve("data"), 0));
    @SuppressWarnings("unchecked")
    var web = (Map<String, Object>) root.get("web");
    web.put("readAccess", "token");
    web.put(
        "tokens",
        List.of(
            YamlTree.map(
                "name", "screens", "sha256", TokenAuth.sha256Hex(VIEWER), "role", "viewer"),
            YamlTree.map(
                "name", "duty", "sha256", TokenAuth.sha256Hex(OPERATOR), "role", "operator")));
    Path file = dir.resolve("demo-site.yaml");
    Files.writeString(file, YamlTree.emit(root));
    app = Kilowatch.start(ConfigLoader.load(file, DemoYaml.environment(demo)), 0);
    base = "http://127.0.0.1:" + app.port();
    browser = Chromium.start(dir.resolve("chromium-profile"));
    browser.send("Page.addScriptToEvaluateOnNewDocument", Map.of("source", STREAM_PROBE));
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (app != null) {
      app.close();
    }
    if (demo != null) {
      demo.close();
    }
  }

  /** A tab that has never been given a token, on the overview. */
  private static void freshTab() throws Exception {
    browser.navigate(base + "/favicon.svg");
    browser.evaluate("sessionStorage.clear(), true");
    browser.navigate(base + "/");
  }

  private static void enter(String token) throws Exception {
    browser.evaluate(
        "(() => { document.getElementById('token-input').value = '"
            + token
            + "'; document.getElementById('token-form').requestSubmit(); return true; })()");
  }

  @Test
  void aViewerTokenEnteredOnceShowsTheDataAndLiveUpdatesForTheWholeTab() throws Exception {
    freshTab();
    awaitTrue(DIALOG_OPEN);
    assertThat(text("#token-message")).contains("needs an access token");
    // The input is labelled and has focus, so a keyboard or screen-reader user can answer.
    assertThat(browser.evaluate("document.activeElement.id").asText()).isEqualTo("token-input");
    assertThat(text("label[for=token-input]")).isEqualTo("Token");
    // The refusals that led to the prompt are expected; from here on nothing may fail.
    browser.clearErrors();
    enter(VIEWER);
    awaitTrue("!" + DIALOG_OPEN);
    assertChartsAndTiles("token-overview");
    awaitTrue("window.__kwStream.opened >= 1 && window.__kwStream.ticks >= 2");
    assertStreamUsedTickets(false);
    assertThat(browser.errors()).as("console after the token").isEmpty();

    // A reload in the same tab keeps the token: no prompt, no refused request, a live stream.
    browser.clearErrors();
    browser.navigate(base + "/");
    assertChartsAndTiles("token-overview-reloaded");
    awaitTrue("window.__kwStream.opened >= 1 && window.__kwStream.ticks >= 2");
    assertStreamUsedTickets(true);
    assertThat(browser.evaluate("document.getElementById('token-dialog') === null").asBoolean())
        .isTrue();
    assertThat(browser.errors()).as("console after reload").isEmpty();
    // Another page of the tab: the same token, no prompt.
    browser.navigate(base + "/alerts.html");
    awaitTrue("/6 rules evaluated/.test(document.querySelector('#alerts-meta').textContent)");
    awaitTrue("window.__kwStream.opened >= 1");
    assertStreamUsedTickets(true);
    assertThat(browser.evaluate("document.getElementById('token-dialog') === null").asBoolean())
        .isTrue();
    assertThat(browser.errors()).as("console on the alerts page").isEmpty();

    // The viewer's token does not become an operator's: a write with it is forbidden.
    int status =
        browser
            .evaluate(
                "kw.authFetch('/api/silences', {method: 'POST', headers: {'Content-Type':"
                    + " 'application/json'}, body: '{}'}).then(r => r.status)")
            .asInt();
    assertThat(status).isEqualTo(403);
  }

  @Test
  void aWrongTokenIsRefusedWithAMessageAndAskedForAgain() throws Exception {
    freshTab();
    awaitTrue(DIALOG_OPEN);
    enter("not-a-token");
    awaitTrue(
        DIALOG_OPEN + " && /refused/.test(document.getElementById('token-message').textContent)");
    assertThat(text("#token-message")).contains("unknown token").contains("Enter another");
    browser.screenshot(DashboardBrowserTest.SHOTS.resolve("token-refused.png"));
    assertThat(browser.evaluate("sessionStorage.getItem('kilowatch.token') === null").asBoolean())
        .as("a refused token is not kept")
        .isTrue();
    browser.clearErrors();
    enter(VIEWER);
    awaitTrue("!" + DIALOG_OPEN);
    assertChartsAndTiles("token-overview-after-wrong");
  }

  /**
   * Every stream that opened used a ticket and no URL carried the token. A tab without a token
   * tries the plain stream first and is refused; with {@code everyTry} not even that.
   */
  private static void assertStreamUsedTickets(boolean everyTry) throws Exception {
    JsonNode opened = browser.evaluate("window.__kwStream.openedUrls");
    assertThat(opened).isNotEmpty();
    for (JsonNode u : opened) {
      assertThat(u.asText()).contains("/api/events?ticket=");
    }
    for (JsonNode u : browser.evaluate("window.__kwStream.urls")) {
      assertThat(u.asText()).doesNotContain(VIEWER);
      if (everyTry) {
        assertThat(u.asText()).contains("/api/events?ticket=");
      }
    }
  }

  private static String text(String selector) throws Exception {
    return browser.evaluate("document.querySelector('" + selector + "').textContent").asText();
  }

  private static void assertChartsAndTiles(String shot) throws Exception {
    Map<String, Integer> minPoints = Map.of("chart-power", 3, "chart-pue", 2);
    var state = new AtomicReference<JsonNode>();
    try {
      await("charts")
          .atMost(Duration.ofSeconds(60))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                state.set(browser.evaluate(DashboardBrowserTest.CHART_STATE));
                return DashboardBrowserTest.chartsReady(state.get(), minPoints);
              });
    } catch (ConditionTimeoutException e) {
      // The screenshot is still taken; the assertion below says what lacks.
    }
    browser.nextFrame();
    browser.screenshot(DashboardBrowserTest.SHOTS.resolve(shot + ".png"));
    assertThat(DashboardBrowserTest.chartsReady(state.get(), minPoints))
        .as("charts: " + state.get())
        .isTrue();
    awaitTrue("/^1\\.\\d{3}$/.test(document.querySelector('#tile-pue .value').textContent)");
    awaitTrue("document.querySelectorAll('#cluster-grid .card').length === 2");
    awaitTrue("/^\\d+$/.test(document.querySelector('#tile-alerts .value').textContent)");
  }

  private static void awaitTrue(String expression) {
    await(expression)
        .atMost(Duration.ofSeconds(30))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> browser.evaluate(expression).asBoolean());
  }
}
