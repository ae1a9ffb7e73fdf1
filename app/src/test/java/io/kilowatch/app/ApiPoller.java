package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/** The end-to-end tests' view of a running instance's API. */
final class ApiPoller {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String base;

  ApiPoller(String base) {
    this.base = base;
  }

  static ApiPoller of(Kilowatch app) {
    return new ApiPoller("http://127.0.0.1:" + app.port());
  }

  HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Polls until the answer satisfies {@code ready}; fails with the last answer at the limit. */
  JsonNode awaitJson(String path, Predicate<JsonNode> ready, Duration limit) {
    var last = new AtomicReference<JsonNode>();
    await(path)
        .atMost(limit)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              var r = get(path);
              assertThat(r.statusCode()).as("status of %s", path).isEqualTo(200);
              JsonNode answer = JSON.readTree(r.body());
              last.set(answer);
              assertThat(ready.test(answer)).as("answer of %s: %s", path, answer).isTrue();
            });
    return last.get();
  }

  /** The newest value of the overview series {@code name}, or null while it has none. */
  static Double latest(JsonNode overview, String name) {
    for (JsonNode s : overview.get("series")) {
      if (s.get("name").asText().equals(name)) {
        JsonNode l = s.get("latest");
        return l == null || l.isNull() ? null : l.get(1).asDouble();
      }
    }
    throw new AssertionError("no series " + name + " in " + overview);
  }
}
