package io.kilowatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import io.kilowatch.web.ingest.TokenAuth;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's security defaults, end to end over real sockets: tokens and roles, token-protected
 * reading, the rate limit, and HTTPS from a PKCS#12 keystore.
 */
class SecurityTest {
  static final String VIEWER = "viewer-token-1";
  static final String OPERATOR = "operator-token-2";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  /** The site with a viewer and an operator token, plus {@code webFields} under {@code web:}. */
  private SiteConfig site(Map<String, ?> webFields, Map<String, String> env) throws Exception {
    var web =
        YamlMaps.of(
            "tokens",
            List.of(
                SiteBuilder.token("screens", TokenAuth.sha256Hex(VIEWER), "viewer"),
                SiteBuilder.token("agents", TokenAuth.sha256Hex(OPERATOR), "operator")));
    web.putAll(webFields);
    return SiteBuilder.named("Hall")
        .store(YamlMaps.of("dataDir", "data"))
        .web(web)
        .toConfig(dir, env);
  }

  private interface Body {
    void run(String base) throws Exception;
  }

  private void serve(SiteConfig site, Body body) throws Exception {
    try (var store = EmbeddedStore.open(site.store())) {
      var web = new WebServer(site, store, List::of);
      web.start("127.0.0.1", 0);
      try {
        body.run((site.web().tls() != null ? "https" : "http") + "://127.0.0.1:" + web.port());
      } finally {
        web.stop();
      }
    }
  }

  private static HttpResponse<String> get(String url, String token) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> write(String url, String token) throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString("pdu,device=p1 power_w=1200 1732230000000"));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void writesNeedATokenWithARoleThatMayWrite() throws Exception {
    serve(
        site(Map.of(), Map.of()),
        base -> {
          String url = base + "/api/v2/write?precision=ms";
          assertThat(write(url, null).statusCode()).isEqualTo(401);
          assertThat(write(url, "not-a-token").statusCode()).isEqualTo(401);
          assertThat(write(url, VIEWER).statusCode()).as("viewer may not write").isEqualTo(403);
          // Stored; 200 rather than 204 because p1 is no configured device (the body says so).
          assertThat(write(url, OPERATOR).statusCode()).isEqualTo(200);
          // Reading stays open by default.
          assertThat(get(base + "/api/series", null).statusCode()).isEqualTo(200);
        });
  }

  @Test
  void withReadAccessTokenEveryApiReadNeedsAKnownTokenButHealthStaysOpen() throws Exception {
    serve(
        site(Map.of("readAccess", "token"), Map.of()),
        base -> {
          var anonymous = get(base + "/api/series", null);
          assertThat(anonymous.statusCode()).isEqualTo(401);
          assertThat(anonymous.body()).contains("\"error\"");
          assertThat(anonymous.headers().firstValue("www-authenticate")).hasValue("Bearer");
          assertThat(get(base + "/api/series", "guess").statusCode()).isEqualTo(401);
          assertThat(get(base + "/metrics", null).statusCode()).isEqualTo(401);
          assertThat(get(base + "/api/series", VIEWER).statusCode()).isEqualTo(200);
          assertThat(get(base + "/api/health", null).statusCode()).isEqualTo(200);
          // The pages themselves hold no data and load without a token.
          assertThat(get(base + "/", null).statusCode()).isEqualTo(200);
        });
  }

  private static HttpResponse<String> ticket(String base, String token) throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create(base + "/api/events/ticket"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The status of opening the event stream with {@code ticket}; the stream is closed at once. */
  private static int stream(String base, String ticket) throws Exception {
    var r =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        base
                            + "/api/events?ticket="
                            + java.net.URLEncoder.encode(
                                ticket, java.nio.charset.StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    r.body().close();
    return r.statusCode();
  }

  @Test
  void withReadAccessTokenTheEventStreamOpensOnceWithATicketFromATokenHolder() throws Exception {
    serve(
        site(Map.of("readAccess", "token"), Map.of()),
        base -> {
          assertThat(ticket(base, null).statusCode()).isEqualTo(401);
          assertThat(ticket(base, "guess").statusCode()).isEqualTo(401);
          var issued = ticket(base, VIEWER);
          assertThat(issued.statusCode()).isEqualTo(200);
          assertThat(issued.headers().firstValue("cache-control")).hasValue("no-store");
          String t = new ObjectMapper().readTree(issued.body()).get("ticket").asText();
          assertThat(t).doesNotContain(VIEWER);
          assertThat(stream(base, t)).isEqualTo(200);
          assertThat(stream(base, t)).as("reused").isEqualTo(401);
          assertThat(stream(base, "1999999999999.bm9uY2U.c2lnbmF0dXJl"))
              .as("forged")
              .isEqualTo(401);
          var anonymous = get(base + "/api/events", null);
          assertThat(anonymous.statusCode()).isEqualTo(401);
        });
  }

  @Test
  void aStreamTicketStandsInForATokenNowhereButTheStream() throws Exception {
    // A ticket is in a URL and so less secret than a token: it must not read data or write.
    serve(
        site(Map.of("readAccess", "token"), Map.of()),
        base -> {
          String t1 =
              new ObjectMapper().readTree(ticket(base, OPERATOR).body()).get("ticket").asText();
          String t2 =
              new ObjectMapper().readTree(ticket(base, OPERATOR).body()).get("ticket").asText();
          String q = "ticket=" + java.net.URLEncoder.encode(t1, "UTF-8");
          assertThat(get(base + "/api/series?" + q, null).statusCode()).isEqualTo(401);
          assertThat(write(base + "/api/v2/write?precision=ms&" + q, null).statusCode())
              .isEqualTo(401);
          var silence =
              HTTP.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/silences?" + q))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString("{}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(silence.statusCode()).isEqualTo(401);
          // Neither attempt spent the tickets: they only ever open the stream.
          assertThat(stream(base, t1)).isEqualTo(200);
          assertThat(stream(base, t2)).isEqualTo(200);
        });
  }

  @Test
  void withReadAccessOpenTheStreamNeedsNoTicket() throws Exception {
    serve(
        site(Map.of(), Map.of()),
        base -> {
          var r =
              HTTP.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/events"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofInputStream());
          r.body().close();
          assertThat(r.statusCode()).isEqualTo(200);
        });
  }

  @Test
  void aClientOverItsRateLimitGets429WithRetryAfter() throws Exception {
    serve(
        site(Map.of("rateLimitPerMinute", 5), Map.of()),
        base -> {
          // Requests near a minute boundary could fall into two windows; 12 cover that.
          int limited = 0;
          String retryAfter = null;
          String limitedBody = null;
          for (int i = 0; i < 12; i++) {
            var r = get(base + "/api/series", VIEWER);
            if (r.statusCode() == 429) {
              limited++;
              retryAfter = r.headers().firstValue("retry-after").orElse(null);
              limitedBody = r.body();
            }
          }
          assertThat(limited).isGreaterThanOrEqualTo(2);
          assertThat(Integer.parseInt(retryAfter)).isBetween(1, 60);
          assertThat(limitedBody).contains("(rateLimitPerMinute)");
          // Another client (no token: keyed by address) has its own window… but shares the
          // address here, so use a different token instead.
          assertThat(get(base + "/api/series", OPERATOR).statusCode()).isEqualTo(200);
        });
  }

  @Test
  void madeUpTokensFromOneAddressShareThatAddresssBudget() throws Exception {
    // The hostile client of the issue: a new invented token on every request, to get a fresh
    // window each time. The address is counted before any token, so it cannot.
    serve(
        site(Map.of("rateLimitPerMinute", 1_000, "rateLimitPerAddressPerMinute", 10), Map.of()),
        base -> {
          // Two windows (a minute boundary) admit at most 20 of 30.
          int limited = 0;
          for (int i = 0; i < 30; i++) {
            String token = java.util.UUID.randomUUID().toString();
            var r =
                i % 2 == 0
                    ? get(base + "/api/series", token)
                    : write(base + "/api/v2/write?precision=ms", token);
            if (r.statusCode() == 429) {
              limited++;
              assertThat(r.body()).contains("rateLimitPerAddressPerMinute");
              assertThat(Integer.parseInt(r.headers().firstValue("retry-after").orElseThrow()))
                  .isBetween(1, 60);
            } else {
              assertThat(r.statusCode()).isIn(200, 401);
            }
          }
          assertThat(limited).isGreaterThanOrEqualTo(10);
        });
  }

  @Test
  void madeUpTokensCountAsNoTokenAgainstTheAddresssOwnLimit() throws Exception {
    // The bypass with the shipped shape of limits: the address's budget is generous, but
    // a request without a known token is still held to rateLimitPerMinute for its address.
    serve(
        site(Map.of("rateLimitPerMinute", 5), Map.of()),
        base -> {
          int limited = 0;
          for (int i = 0; i < 15; i++) {
            var r = get(base + "/api/series", java.util.UUID.randomUUID().toString());
            if (r.statusCode() == 429) {
              limited++;
              assertThat(r.body()).contains("(rateLimitPerMinute)");
              assertThat(r.headers().firstValue("retry-after")).isPresent();
            }
          }
          // Two windows admit at most 10 of 15.
          assertThat(limited).isGreaterThanOrEqualTo(5);
          // A known token has its own window.
          assertThat(get(base + "/api/series", VIEWER).statusCode()).isEqualTo(200);
        });
  }

  @Test
  void tlsServesHttpsFromAPkcs12KeystoreAndRefusesPlainHttp() throws Exception {
    Path keystore = dir.resolve("kilowatch.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    var p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "kilowatch",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit-test")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();

    var site =
        site(
            Map.of(
                "tls", YamlMaps.of("keystore", "kilowatch.p12", "password", "${KW_TLS_PASSWORD}")),
            Map.of("KW_TLS_PASSWORD", "changeit-test"));
    var trust = KeyStore.getInstance("PKCS12");
    try (var in = new FileInputStream(keystore.toFile())) {
      trust.load(in, "changeit-test".toCharArray());
    }
    var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    var ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    var https = HttpClient.newBuilder().sslContext(ssl).build();
    serve(
        site,
        base -> {
          assertThat(base).startsWith("https://");
          var r =
              https.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/health")).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.body()).contains("\"status\"");
          // Browsers that once reached the monitor over HTTPS must never fall back to HTTP.
          assertThat(r.headers().firstValue("strict-transport-security"))
              .hasValue("max-age=31536000");
          var missing =
              https.send(
                  HttpRequest.newBuilder(URI.create(base + "/no/such/page")).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(missing.statusCode()).isEqualTo(404);
          assertThat(missing.headers().firstValue("strict-transport-security")).isPresent();
          String plain = base.replace("https://", "http://");
          var refused =
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> get(plain + "/api/health", null));
          if (refused == null) {
            // Jetty may answer a plain request on a TLS port with 400; it must never serve data.
            assertThat(get(plain + "/api/health", null).statusCode()).isEqualTo(400);
          }
        });
  }

  /** The headers every answer must carry, on plain HTTP (so without HSTS). */
  static final Map<String, String> HEADERS =
      Map.of(
          "content-security-policy", WebServer.CSP,
          "x-content-type-options", "nosniff",
          "x-frame-options", "DENY",
          "referrer-policy", "no-referrer");

  /** One request written byte for byte, so malformed ones reach Jetty as they are. */
  private static RawAnswer raw(String base, String request) throws Exception {
    var uri = URI.create(base);
    try (var socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  socket.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
      int status = Integer.parseInt(in.readLine().split(" ")[1]);
      Map<String, String> headers = new java.util.HashMap<>();
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        int colon = line.indexOf(':');
        headers.put(
            line.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT),
            line.substring(colon + 1).strip());
      }
      return new RawAnswer(status, headers);
    }
  }

  record RawAnswer(int status, Map<String, String> headers) {}

  @Test
  void jettysOwnErrorAnswersCarryTheSecurityHeadersToo() throws Exception {
    serve(
        site(Map.of(), Map.of()),
        base -> {
          // Each of these is answered by Jetty before any route runs.
          var badUri = raw(base, "GET /api/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
          var noHost = raw(base, "GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n");
          var hugeHeader =
              raw(
                  base,
                  "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: "
                      + "a".repeat(64 * 1024)
                      + "\r\nConnection: close\r\n\r\n");
          var badVersion = raw(base, "GET /api/health HTTP/7.3\r\nHost: x\r\n\r\n");
          var longUri =
              raw(
                  base,
                  "GET /api/"
                      + "a".repeat(64 * 1024)
                      + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
          assertThat(badUri.status()).isEqualTo(400);
          assertThat(noHost.status()).isEqualTo(400);
          assertThat(hugeHeader.status()).isEqualTo(431);
          assertThat(badVersion.status()).isIn(400, 505);
          assertThat(longUri.status()).isIn(414, 431);
          for (var answer : List.of(badUri, noHost, hugeHeader, badVersion, longUri)) {
            assertThat(answer.headers())
                .as("answer %d", answer.status())
                .containsAllEntriesOf(HEADERS)
                .doesNotContainKey("strict-transport-security");
          }
          // And the ones Javalin gives: an unknown path, a page, a JSON answer.
          for (String path : List.of("/no/such/page", "/", "/api/health")) {
            var r = get(base + path, null);
            for (var h : HEADERS.entrySet()) {
              assertThat(r.headers().allValues(h.getKey())).as(path).containsExactly(h.getValue());
            }
          }
        });
  }

  @Test
  void aKnownPathAskedWithTheWrongMethodGets405WithAllow() throws Exception {
    serve(
        site(Map.of(), Map.of()),
        base -> {
          var delete =
              HTTP.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/health")).DELETE().build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(delete.statusCode()).isEqualTo(405);
          assertThat(delete.headers().firstValue("allow")).hasValue("GET, HEAD");
          assertThat(delete.body()).contains("\"error\"");
          // Allow lists what the path really answers: HEAD works wherever GET does.
          var head =
              HTTP.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/health"))
                      .method("HEAD", HttpRequest.BodyPublishers.noBody())
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
          assertThat(head.statusCode()).isEqualTo(200);
          // Silences are read and created on one path, so both methods are named.
          var put =
              HTTP.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/silences"))
                      .PUT(HttpRequest.BodyPublishers.ofString("{}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(put.statusCode()).isEqualTo(405);
          assertThat(put.headers().firstValue("allow").orElseThrow().split(", "))
              .containsExactlyInAnyOrder("GET", "HEAD", "POST");
          // A path that does not exist stays 404.
          var unknown =
              HTTP.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/nothing-here")).DELETE().build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(unknown.statusCode()).isEqualTo(404);
        });
  }

  @Test
  void aTlsPasswordWrittenInTheFileIsRefused() {
    var e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            io.kilowatch.config.ConfigException.class,
            () ->
                site(
                    Map.of("tls", YamlMaps.of("keystore", "missing.p12", "password", "hunter2")),
                    Map.of()));
    assertThat(e.getMessage())
        .contains("web.tls.password")
        .contains("${VARIABLE}")
        .contains("web.tls.keystore")
        .doesNotContain("hunter2");
  }
}
