package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Many screens asking the same thing cost one computation; errors are never reused. */
class ResponseCacheTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private interface Body {
    void run(String base) throws Exception;
  }

  private static void serve(ResponseCache cache, AtomicInteger computed, Body body)
      throws Exception {
    var app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.routes.get(
                  "/answer",
                  ctx ->
                      cache.respond(
                          ctx,
                          () -> {
                            int n = computed.incrementAndGet();
                            Thread.sleep(200); // a slow store query
                            return Map.of("n", n, "q", ctx.queryParam("q"));
                          }));
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
        new ResponseCache(Duration.ofMillis(800)),
        computed,
        base -> {
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
          // Another URL is another answer.
          assertThat(get(base + "/answer?q=b").body()).contains("\"q\":\"b\"");
          assertThat(computed.get()).isEqualTo(2);
          Thread.sleep(900);
          assertThat(get(base + "/answer?q=a").body()).contains("\"n\":3");
        });
  }

  @Test
  void anErrorIsAnsweredEveryTimeAndNeverCached() throws Exception {
    var computed = new AtomicInteger();
    serve(
        new ResponseCache(Duration.ofSeconds(5)),
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
