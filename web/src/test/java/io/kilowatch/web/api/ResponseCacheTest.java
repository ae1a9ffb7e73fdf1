package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javalin.Javalin;
import io.kilowatch.testkit.ManualTime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many screens asking the same thing cost one computation; errors are never reused. Expiry follows
 * a manual clock, so how fast this machine answers does not matter.
 */
class ResponseCacheTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final ManualTime time = new ManualTime(Instant.parse("2025-01-01T00:00:00Z"));

  /** Requests that reached the /answer handler. */
  private final AtomicInteger arrived = new AtomicInteger();

  /** A computation of /answer waits until this many requests have arrived. */
  private volatile int gate;

  private interface Body {
    void run(String base) throws Exception;
  }

  private void serve(ResponseCache cache, AtomicInteger computed, Body body) throws Exception {
    var app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.routes.get(
                  "/answer",
                  ctx -> {
                    arrived.incrementAndGet();
                    cache.respond(
                        ctx,
                        () -> {
                          int n = computed.incrementAndGet();
                          // A slow store query: still running when every other request is in.
                          await().atMost(Duration.ofSeconds(20)).until(() -> arrived.get() >= gate);
                          return Map.of("n", n, "q", ctx.queryParam("q"));
                        });
                  });
              cfg.routes.get(
                  "/bad",
                  ctx ->
                      cache.respond(
                          ctx,
                          () -> {
                            computed.incrementAndGet();
                            throw new BadRequest("from", "from must be before to");
                          }));
              cfg.routes.exception(
                  BadRequest.class,
                  (e, ctx) -> ctx.status(400).json(Map.of("error", e.getMessage())));
            });
    app.start("127.0.0.1", 0);
    try {
      body.run("http://127.0.0.1:" + app.port());
    } finally {
      app.stop();
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void concurrentIdenticalRequestsShareOneComputationUntilItExpires() throws Exception {
    var computed = new AtomicInteger();
    serve(
        new ResponseCache(Duration.ofMillis(800), time.clock()),
        computed,
        base -> {
          gate = 20;
          var futures = new ArrayList<CompletableFuture<HttpResponse<String>>>();
          for (int i = 0; i < 20; i++) {
            futures.add(
                HTTP.sendAsync(
                    HttpRequest.newBuilder(URI.create(base + "/answer?q=a")).build(),
                    HttpResponse.BodyHandlers.ofString()));
          }
          List<String> bodies = futures.stream().map(f -> f.join().body()).toList();
          assertThat(bodies).allSatisfy(b -> assertThat(b).isEqualTo(bodies.getFirst()));
          assertThat(computed.get()).isEqualTo(1);
          gate = 0;
          // Another URL is another answer.
          assertThat(get(base + "/answer?q=b").body()).contains("\"q\":\"b\"");
          assertThat(computed.get()).isEqualTo(2);
          time.advance(Duration.ofMillis(799));
          assertThat(get(base + "/answer?q=a").body()).as("within the ttl").contains("\"n\":1");
          time.advance(Duration.ofMillis(1));
          assertThat(get(base + "/answer?q=a").body()).as("after the ttl").contains("\"n\":3");
        });
  }

  @Test
  void anErrorIsAnsweredEveryTimeAndNeverCached() throws Exception {
    var computed = new AtomicInteger();
    serve(
        new ResponseCache(Duration.ofSeconds(5), time.clock()),
        computed,
        base -> {
          for (int i = 0; i < 3; i++) {
            var r = get(base + "/bad");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("from must be before to");
          }
          assertThat(computed.get()).isEqualTo(3);
        });
  }
}
