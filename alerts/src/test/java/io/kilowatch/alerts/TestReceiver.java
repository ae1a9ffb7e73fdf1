package io.kilowatch.alerts;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/** A webhook receiver on loopback that records every request and answers scripted statuses. */
final class TestReceiver implements AutoCloseable {
  record Request(Map<String, String> headers, String body, int answered) {
    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  private final HttpServer server;
  private final Deque<Integer> script = new ArrayDeque<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger dropped = new AtomicInteger();
  private volatile boolean down;

  TestReceiver(int port, Integer... statuses) throws IOException {
    script.addAll(List.of(statuses));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext(
        "/hook",
        exchange -> {
          if (down) {
            // Hang up without an answer: the sender sees a connection failure, while the port
            // stays ours for when the receiver comes back.
            dropped.incrementAndGet();
            exchange.close();
            return;
          }
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int status;
          synchronized (script) {
            status = script.isEmpty() ? 200 : script.poll();
          }
          var headers = new java.util.HashMap<String, String>();
          exchange
              .getRequestHeaders()
              .forEach(
                  (k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
          requests.add(new Request(headers, body, status));
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  String url() {
    return "http://127.0.0.1:" + port() + "/hook";
  }

  /** From now on, hangs up on every request (see {@link #up()}). */
  void down() {
    down = true;
  }

  void up() {
    down = false;
  }

  /** Requests hung up on while down. */
  int dropped() {
    return dropped.get();
  }

  List<Request> delivered() {
    return requests.stream().filter(r -> r.answered() >= 200 && r.answered() < 300).toList();
  }

  /** Waits (bounded) until the recorded requests satisfy {@code done}. */
  List<Request> await(Predicate<List<Request>> done, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .alias("receiver got what was expected; got " + requests)
        .until(() -> done.test(requests));
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
