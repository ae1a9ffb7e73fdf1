package io.kilowatch.collector.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scrape's HTTP/1.1 client. Framing (RFC 9112 §6–7) is checked against a server that answers
 * with exact bytes, so each rule is hit on purpose; keep-alive against Prometheus's own Go {@code
 * net/http} server, the server library dcgm-exporter is built on.
 */
class KeepAliveGetTest {

  /** A loopback server answering each request on a connection with the next scripted bytes. */
  private static final class ScriptedServer implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger accepted = new AtomicInteger();
    final ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();
    private final List<Socket> open = new ArrayList<>();

    /** Per connection, the answers to its requests; null after an answer closes the connection. */
    ScriptedServer(List<List<byte[]>> connections) throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual()
          .start(
              () -> {
                for (List<byte[]> answers : connections) {
                  try {
                    Socket c = socket.accept();
                    synchronized (open) {
                      open.add(c);
                    }
                    accepted.incrementAndGet();
                    InputStream in = c.getInputStream();
                    for (byte[] answer : answers) {
                      if (answer == null) {
                        c.close();
                        break;
                      }
                      requests.add(readRequest(in));
                      c.getOutputStream().write(answer);
                      c.getOutputStream().flush();
                    }
                  } catch (IOException e) {
                    return;
                  }
                }
              });
    }

    URI url(String path) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
    }

    private static String readRequest(InputStream in) throws IOException {
      var b = new ByteArrayOutputStream();
      int state = 0;
      while (state < 4) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("client went away");
        }
        b.write(c);
        state =
            (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                ? state + 1
                : 0;
      }
      return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
      synchronized (open) {
        for (Socket s : open) {
          s.close();
        }
      }
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void readsALengthAndAChunkedBodyOnOneKeptAliveConnection() throws Exception {
    byte[] fixed =
        ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello");
    // Two chunks, one with an extension, then a trailer field (RFC 9112 §7.1.1, §7.1.2).
    byte[] chunked =
        ascii(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "6\r\nDCGM_F\r\n"
                + "a;ext=1\r\nI_DEV 1.5\n\r\n"
                + "0\r\nX-Trailer: t\r\n\r\n");
    try (var server = new ScriptedServer(List.of(List.of(fixed, chunked)))) {
      var get = new KeepAliveGet(server.url("/metrics?x=1"));
      var first = get.get(Duration.ofSeconds(5));
      var second = get.get(Duration.ofSeconds(5));
      get.close();

      assertThat(first.status()).isEqualTo(200);
      assertThat(first.text()).isEqualTo("hello");
      assertThat(second.text()).isEqualTo("DCGM_FI_DEV 1.5\n");
      assertThat(server.accepted.get()).isEqualTo(1);
      assertThat(server.requests)
          .allSatisfy(
              r ->
                  assertThat(r)
                      .startsWith("GET /metrics?x=1 HTTP/1.1\r\n")
                      .contains("\r\nHost: 127.0.0.1:" + server.socket.getLocalPort() + "\r\n"));
    }
  }

  @Test
  void aConnectionTheServerClosedWhileIdleIsReplacedOnce() throws Exception {
    byte[] ok = ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    // The first connection answers once and is closed by the server (an idle timeout).
    var connections = new ArrayList<List<byte[]>>();
    var firstConnection = new ArrayList<byte[]>();
    firstConnection.add(ok);
    firstConnection.add(null);
    connections.add(firstConnection);
    connections.add(List.of(ok));
    try (var server = new ScriptedServer(connections)) {
      var get = new KeepAliveGet(server.url("/metrics"));
      assertThat(get.get(Duration.ofSeconds(5)).text()).isEqualTo("ok");
      await().atMost(Duration.ofSeconds(5)).until(() -> server.requests.size() == 1);
      assertThat(get.get(Duration.ofSeconds(5)).text()).isEqualTo("ok");
      assertThat(server.accepted.get()).isEqualTo(2);
      get.close();
    }
  }

  @Test
  void withoutLengthOrChunksTheBodyEndsWithTheConnection() throws Exception {
    byte[] http10 = ascii("HTTP/1.0 200 OK\r\n\r\nline 1\nline 2\n");
    var answers = new ArrayList<byte[]>();
    answers.add(http10);
    answers.add(null);
    try (var server = new ScriptedServer(List.of(answers))) {
      var get = new KeepAliveGet(server.url("/m"));
      assertThat(get.get(Duration.ofSeconds(5)).text()).isEqualTo("line 1\nline 2\n");
    }
  }

  @Test
  void anErrorStatusIsReturnedWithItsBody() throws Exception {
    byte[] notFound = ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
    try (var server = new ScriptedServer(List.of(List.of(notFound)))) {
      var r = new KeepAliveGet(server.url("/m")).get(Duration.ofSeconds(5));
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.text()).isEqualTo("not found");
    }
  }

  @Test
  void aBodyOverTheLimitIsRefusedNamingTheLimit() throws Exception {
    byte[] huge =
        ascii("HTTP/1.1 200 OK\r\nContent-Length: " + (KeepAliveGet.MAX_BODY + 1L) + "\r\n\r\n");
    try (var server = new ScriptedServer(List.of(List.of(huge)))) {
      var get = new KeepAliveGet(server.url("/m"));
      assertThatThrownBy(() -> get.get(Duration.ofSeconds(5)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("over the limit of " + KeepAliveGet.MAX_BODY);
    }
  }

  @Test
  void garbageInsteadOfAStatusLineFailsClearly() throws Exception {
    try (var server = new ScriptedServer(List.of(List.of(ascii("SSH-2.0-OpenSSH_9.2\r\n\r\n"))))) {
      var get = new KeepAliveGet(server.url("/m"));
      assertThatThrownBy(() -> get.get(Duration.ofSeconds(5)))
          .hasMessageContaining("not an HTTP/1.x status line: SSH-2.0-OpenSSH_9.2");
    }
  }

  @Test
  void aServerThatNeverAnswersTimesOutWithinTheTimeout() throws Exception {
    try (var silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      var get = new KeepAliveGet(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/m"));
      long start = System.nanoTime();
      assertThatThrownBy(() -> get.get(Duration.ofMillis(300)))
          .isInstanceOf(HttpTimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  /**
   * A body several times what the read loop holds for one connection, sent before the scrape asks
   * for it (nothing takes it meanwhile): the loop stops reading that connection at its limit, and
   * reads on once the scrape takes what it holds; every byte arrives, in order.
   */
  @Test
  void theLoopStopsReadingAtTheUnreadLimitAndTheBodyStillArrivesWhole() throws Exception {
    var random = new java.util.Random(7);
    byte[] body = new byte[5 * KeepAliveGet.MAX_UNREAD + 123];
    random.nextBytes(body);
    var wire = new ByteArrayOutputStream();
    wire.writeBytes(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n"));
    wire.writeBytes(body);
    byte[] big = wire.toByteArray();
    byte[] small = ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    try (var listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      var done = new java.util.concurrent.CountDownLatch(1);
      Thread.ofVirtual()
          .start(
              () -> {
                try (Socket c = listener.accept()) {
                  ScriptedServer.readRequest(c.getInputStream());
                  c.getOutputStream().write(small);
                  c.getOutputStream().flush();
                  // The next answer before its request, while no scrape waits: the loop holds it.
                  Thread.sleep(300);
                  c.getOutputStream().write(big);
                  c.getOutputStream().flush();
                  done.await();
                } catch (IOException | InterruptedException e) {
                  // the test has ended
                }
              });
      var get = new KeepAliveGet(URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/m"));
      long pausesBefore = KeepAliveGet.PAUSES.get();
      assertThat(get.get(Duration.ofSeconds(5)).text()).isEqualTo("ok");
      await().atMost(Duration.ofSeconds(10)).until(() -> KeepAliveGet.PAUSES.get() > pausesBefore);

      var r = get.get(Duration.ofSeconds(20));

      assertThat(r.length()).isEqualTo(body.length);
      assertThat(java.util.Arrays.equals(r.body(), 0, r.length(), body, 0, body.length)).isTrue();
      done.countDown();
      get.close();
    }
  }

  /** An interrupt ends a scrape that waits for an answer, as it ends any blocking read. */
  @Test
  void anInterruptEndsAScrapeWaitingForItsAnswer() throws Exception {
    try (var silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      var get = new KeepAliveGet(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/m"));
      var failure = new java.util.concurrent.CompletableFuture<Throwable>();
      Thread scrape =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      get.get(Duration.ofMinutes(5));
                      failure.complete(null);
                    } catch (Throwable t) {
                      failure.complete(t);
                    }
                  });
      try (Socket accepted = silent.accept()) {
        ScriptedServer.readRequest(accepted.getInputStream());
        // The request is out; the scrape parks for the answer, and only then is interrupted.
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> scrape.getState() == Thread.State.WAITING);
        scrape.interrupt();
        assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
      }
    }
  }

  /**
   * Many connections on the one read loop, each answered with its own bytes: every scrape gets its
   * own connection's answer, on the same connection every time.
   */
  @Test
  void manyConnectionsScrapedAtOnceEachGetTheirOwnAnswers() throws Exception {
    int exporters = 40;
    int rounds = 5;
    // The scripted server answers its connections in the order it accepts them, one at a time;
    // one server per exporter, so that all of them answer at once.
    var servers = new ArrayList<ScriptedServer>();
    try {
      for (int e = 0; e < exporters; e++) {
        var answers = new ArrayList<byte[]>();
        for (int r = 0; r < rounds; r++) {
          String text = ("exporter " + e + " round " + r + "\n").repeat(200 + 37 * e);
          answers.add(
              ascii("HTTP/1.1 200 OK\r\nContent-Length: " + text.length() + "\r\n\r\n" + text));
        }
        servers.add(new ScriptedServer(List.of(answers)));
      }
      try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
        var results = new ArrayList<java.util.concurrent.Future<List<String>>>();
        for (int e = 0; e < exporters; e++) {
          var get = new KeepAliveGet(servers.get(e).url("/m"));
          results.add(
              exec.submit(
                  () -> {
                    var texts = new ArrayList<String>();
                    for (int r = 0; r < rounds; r++) {
                      texts.add(get.get(Duration.ofSeconds(20)).text());
                    }
                    get.close();
                    return texts;
                  }));
        }
        for (int e = 0; e < exporters; e++) {
          var texts = results.get(e).get(60, TimeUnit.SECONDS);
          for (int r = 0; r < rounds; r++) {
            assertThat(texts.get(r))
                .isEqualTo(("exporter " + e + " round " + r + "\n").repeat(200 + 37 * e));
          }
          assertThat(servers.get(e).accepted.get()).isEqualTo(1);
        }
      }
    } finally {
      for (var s : servers) {
        s.close();
      }
    }
  }

  /** Any body, cut into any chunks, reads back as the body (RFC 9112 §7.1). */
  @Property(tries = 60)
  void chunksOfAnySizeReassembleTheBody(
      @ForAll @Size(max = 3000) byte[] body, @ForAll @IntRange(min = 1, max = 700) int chunk)
      throws Exception {
    var wire = new ByteArrayOutputStream();
    wire.writeBytes(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
    for (int i = 0; i < body.length; i += chunk) {
      int n = Math.min(chunk, body.length - i);
      wire.writeBytes(ascii(Integer.toHexString(n) + "\r\n"));
      wire.write(body, i, n);
      wire.writeBytes(ascii("\r\n"));
    }
    wire.writeBytes(ascii("0\r\n\r\n"));
    try (var server = new ScriptedServer(List.of(List.of(wire.toByteArray())))) {
      var r = new KeepAliveGet(server.url("/m")).get(Duration.ofSeconds(5));
      assertThat(java.util.Arrays.copyOf(r.body(), r.length())).isEqualTo(body);
    }
  }

  @Test
  @RequiresPeer(Peer.PROMETHEUS)
  void scrapesAGoServerThreeTimesOnOneConnection(@TempDir Path dir) throws Exception {
    int port;
    try (var probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1h\n");
    Process prometheus =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.path=" + dir.resolve("data"))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    try {
      var get = new KeepAliveGet(URI.create("http://127.0.0.1:" + port + "/metrics"));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> get.get(Duration.ofSeconds(2)).status() == 200);
      // Its own counter of accepted connections, read on the connection being counted.
      Pattern accepted =
          Pattern.compile(
              "(?m)^net_conntrack_listener_conn_accepted_total\\{listener_name=\"http\"} (\\d+)$");
      var counts = new ArrayList<Long>();
      for (int i = 0; i < 3; i++) {
        var r = get.get(Duration.ofSeconds(5));
        assertThat(r.status()).isEqualTo(200);
        var parsed = PrometheusTextParser.parse(r.text());
        assertThat(parsed.skipped()).isZero();
        assertThat(parsed.series()).hasSizeGreaterThan(50);
        var m = accepted.matcher(r.text());
        assertThat(m.find()).as("the accepted-connections counter").isTrue();
        counts.add(Long.parseLong(m.group(1)));
      }
      get.close();
      assertThat(counts.get(2))
          .as("connections accepted by then: %s", counts)
          .isEqualTo(counts.get(0));
    } finally {
      prometheus.destroy();
      prometheus.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
