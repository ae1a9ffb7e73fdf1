package io.kilowatch.agent;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.kilowatch.queue.DurableQueue;
import io.kilowatch.testkit.StubNvml;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent killed with SIGKILL while its target is down loses no reading it had taken: a child JVM
 * runs the agent and prints the number of NVML reads each time one has gone into its buffer; after
 * the kill, a new agent on the same buffer folder delivers at least that many batches, oldest
 * first, to a target that is up.
 */
class AgentKillTest {
  private static final int GPUS = 2;

  @TempDir Path dir;

  /** The child: an agent pushing to a port nobody listens on; prints its read count. */
  public static void main(String[] args) throws Exception {
    var options =
        new AgentOptions(
            "n1",
            "c1",
            "r1",
            Map.of(),
            args[0],
            Duration.ofMillis(20),
            PushTarget.kilowatch(URI.create(args[1]), "t", Duration.ofMillis(200)),
            Path.of(args[2]),
            64L * 1024 * 1024,
            Duration.ofSeconds(5));
    try (var agent = new NodeAgent(options, Clock.systemUTC())) {
      agent.start();
      long seen = 0;
      while (true) {
        long polls = agent.polls();
        if (polls != seen) {
          seen = polls;
          System.out.println("read " + seen);
          System.out.flush();
        }
        // The report interval of a child process that only samples a counter; nothing to await.
        Thread.sleep(1);
      }
    }
  }

  private static int closedPort() throws Exception {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void readingsBufferedBeforeAKillAreDeliveredByTheNextAgent() throws Exception {
    var stub = StubNvml.load(StubNvml.CURRENT).reset(GPUS);
    Path buffer = dir.resolve("agent-buffer");
    String down = "http://127.0.0.1:" + closedPort();
    var child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                AgentKillTest.class.getName(),
                stub.path(),
                down,
                buffer.toString())
            .redirectErrorStream(true)
            .start();
    long acknowledged = 0;
    long killAt = 20 + (long) (Math.random() * 30);
    try (var out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("read ")) {
          acknowledged = Long.parseLong(line.substring(5));
          if (acknowledged >= killAt) {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            break;
          }
        }
      }
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(acknowledged).as("the child read NVML before it was killed").isEqualTo(killAt);
    try (var q =
        DurableQueue.open(buffer, 64L * 1024 * 1024, DurableQueue.FullPolicy.DROP_OLDEST)) {
      assertThat((long) q.size())
          .as("batches on disk after the kill")
          .isGreaterThanOrEqualTo(killAt);
    }

    List<String> received = new CopyOnWriteArrayList<>();
    var server = receiver(received);
    try {
      // The replay is under test, not new reads: one read an hour.
      var options = replayOptions(stub, buffer, server);
      long expected = killAt;
      try (var agent = new NodeAgent(options, Clock.systemUTC())) {
        agent.start();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> agent.buffered() == 0 && received.size() >= expected);
      }
    } finally {
      server.stop(0);
    }
    // Each replayed batch is one whole read of every GPU, and they come oldest first.
    long previous = Long.MIN_VALUE;
    for (String batch : received.subList(0, (int) killAt)) {
      var lines = batch.strip().lines().toList();
      assertThat(lines).hasSizeGreaterThanOrEqualTo(GPUS);
      long t = Long.parseLong(lines.getFirst().substring(lines.getFirst().lastIndexOf(' ') + 1));
      assertThat(t).isGreaterThanOrEqualTo(previous);
      previous = t;
    }
  }

  /** Batches an earlier agent left as one {@code .lp} file each are sent first after an upgrade. */
  @Test
  void batchesLeftByTheEarlierOneFilePerBatchBufferAreSentFirst() throws Exception {
    var stub = StubNvml.load(StubNvml.CURRENT).reset(GPUS);
    Path buffer = dir.resolve("old-buffer");
    java.nio.file.Files.createDirectories(buffer);
    java.nio.file.Files.writeString(buffer.resolve("000000000001.lp"), "m,device=n1 f=1 1000\n");
    java.nio.file.Files.writeString(buffer.resolve("000000000002.lp"), "m,device=n1 f=2 2000\n");
    List<String> received = new CopyOnWriteArrayList<>();
    var server = receiver(received);
    try {
      // The replay is under test, not new reads: one read an hour.
      var options = replayOptions(stub, buffer, server);
      try (var agent = new NodeAgent(options, Clock.systemUTC())) {
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 3);
      }
    } finally {
      server.stop(0);
    }
    assertThat(received.subList(0, 2))
        .containsExactly("m,device=n1 f=1 1000\n", "m,device=n1 f=2 2000\n");
    try (var files = java.nio.file.Files.list(buffer)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".lp"));
    }
  }

  /** A central kilowatch's write endpoint on loopback that records every batch, gunzipped. */
  private static HttpServer receiver(List<String> received) throws java.io.IOException {
    var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/api/v2/write",
        ex -> {
          var body = ex.getRequestBody();
          if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
            body = new GZIPInputStream(body);
          }
          received.add(new String(body.readAllBytes(), UTF_8));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    server.start();
    return server;
  }

  private static AgentOptions replayOptions(StubNvml stub, Path buffer, HttpServer server) {
    return new AgentOptions(
        "n1",
        "c1",
        "r1",
        Map.of(),
        stub.path(),
        Duration.ofHours(1),
        PushTarget.kilowatch(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
            "t",
            Duration.ofSeconds(5)),
        buffer,
        64L * 1024 * 1024,
        Duration.ofSeconds(5));
  }
}
