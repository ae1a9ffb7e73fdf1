package io.kilowatch.alerts;

import static io.kilowatch.alerts.AlertSites.supply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.http.WebhookReceiver;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a receiver sees: Alertmanager's field set, and a signature the README's snippet checks. */
class WebhookContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private WebhookReceiver.Request oneDelivery() throws Exception {
    try (var receiver = new WebhookReceiver(0)) {
      var site = AlertSites.site(dir, AlertSites.supplyRule(receiver.url(), "0s"));
      Instant t0 = Instant.now().minusSeconds(120).truncatedTo(ChronoUnit.SECONDS);
      try (var store = EmbeddedStore.open(site.store());
          var engine =
              AlertEngine.open(
                  site, store, dir.resolve("alerts"), Clock.systemUTC(), AlertEngineTest.FAST)) {
        engine.startDelivery();
        supply(store, t0, "cdu-1", "c1", 50);
        engine.evaluate(t0);
        engine.evaluate(t0.plusSeconds(30));
        return receiver.await(r -> r.size() == 1, Duration.ofSeconds(10)).getFirst();
      }
    }
  }

  @Test
  void payloadHasEveryFieldAlertmanagerSends() throws Exception {
    JsonNode fixture;
    try (InputStream in =
        getClass().getResourceAsStream("/alertmanager/alertmanager_notify-exec_success.json")) {
      fixture = JSON.readTree(in);
    }
    JsonNode ours = JSON.readTree(oneDelivery().body());
    assertThat(names(ours)).containsAll(names(fixture)).contains("truncatedAlerts");
    assertThat(names(ours.get("alerts").get(0))).isEqualTo(names(fixture.get("alerts").get(0)));
    assertThat(ours.get("version").asText()).isEqualTo("4");
  }

  @Test
  void slackReceiverGetsAnIncomingWebhookMessage() throws Exception {
    try (var receiver = new WebhookReceiver(0)) {
      var rules = AlertSites.supplyRule(receiver.url(), "0s");
      AlertSites.receiver(rules).put("kind", "slack");
      var site = AlertSites.site(dir, rules);
      Instant t0 = Instant.now().minusSeconds(120).truncatedTo(ChronoUnit.SECONDS);
      try (var store = EmbeddedStore.open(site.store());
          var engine =
              AlertEngine.open(
                  site, store, dir.resolve("alerts"), Clock.systemUTC(), AlertEngineTest.FAST)) {
        engine.startDelivery();
        supply(store, t0, "cdu-1", "c1", 50);
        engine.evaluate(t0);
        engine.evaluate(t0.plusSeconds(30));
        JsonNode msg =
            JSON.readTree(
                receiver.await(r -> r.size() == 1, Duration.ofSeconds(10)).getFirst().body());
        assertThat(msg.get("text").asText()).isEqualTo("[FIRING:1] alertname=supply-hot");
        JsonNode att = msg.get("attachments").get(0);
        assertThat(att.get("color").asText()).isEqualTo("danger");
        assertThat(att.get("text").asText()).isEqualTo("cdu-1 supply 50 °C above 40 °C");
        assertThat(att.get("title_link").asText())
            .isEqualTo("http://kw.example:8080/device.html?id=cdu-1");
      }
    }
  }

  private static Set<String> names(JsonNode n) {
    Set<String> out = new TreeSet<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void signatureVerifiesWithTheReadmeSnippetAndFailsWithAWrongSecret() throws Exception {
    WebhookReceiver.Request r = oneDelivery();
    String ts = r.header(Signatures.TIMESTAMP_HEADER);
    String sig = r.header(Signatures.SIGNATURE_HEADER);
    assertThat(sig).matches("sha256=[0-9a-f]{64}");
    assertThat(Signatures.verify(AlertSites.SECRET, ts, r.body(), sig, Instant.now())).isTrue();
    assertThat(Signatures.verify("wrong-secret", ts, r.body(), sig, Instant.now())).isFalse();
    assertThat(Signatures.verify(AlertSites.SECRET, ts, r.body() + " ", sig, Instant.now()))
        .isFalse();

    // The Java half above runs everywhere; the README's Python snippet needs python3.
    Peer.PYTHON3.require();
    Path body = dir.resolve("body.json");
    Files.writeString(body, r.body(), StandardCharsets.UTF_8);
    Path script = dir.resolve("verify.py");
    Files.writeString(
        script,
        readmeSnippet()
            + "\nimport sys\n"
            + "body = open(sys.argv[1], 'rb').read()\n"
            + "print(verify(sys.argv[2].encode(), sys.argv[3], body, sys.argv[4]))\n");
    assertThat(python(script, body, AlertSites.SECRET, ts, sig)).isEqualTo("True");
    assertThat(python(script, body, "wrong-secret", ts, sig)).isEqualTo("False");
  }

  /** The Python block that follows the marker in the top-level README. */
  static String readmeSnippet() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    int marker = readme.indexOf("<!-- signature-snippet -->");
    assertThat(marker).as("README marker").isNotNegative();
    int start = readme.indexOf("```python\n", marker) + "```python\n".length();
    int end = readme.indexOf("```", start);
    return readme.substring(start, end);
  }

  private static String python(Path script, Path body, String secret, String ts, String sig)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), body.toString()));
    cmd.addAll(List.of(secret, ts, sig));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("python finished").isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }
}
