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
import java.util.function.Predicate;

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

  TestReceiver(int port, Integer... statuses) throws IOException {
    script.addAll(List.of(statuses));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext(
        "/hook",
        exchange -> {
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

  List<Request> delivered() {
    return requests.stream().filter(r -> r.answered() >= 200 && r.answered() < 300).toList();
  }

  /** Waits (bounded) until the recorded requests satisfy {@code done}. */
  List<Request> await(Predicate<List<Request>> done, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.test(requests)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "receiver did not get what was expected in " + timeout + "; got " + requests);
      }
      Thread.sleep(20);
    }
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
