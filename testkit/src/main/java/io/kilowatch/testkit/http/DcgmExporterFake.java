package io.kilowatch.testkit.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One JDK HTTP server standing in for many nodes' dcgm-exporters: {@code GET /nodes/<node>/metrics}
 * answers what {@link Nodes} says for that node (metrics text, 404 or another status, a late
 * answer, or a request held open and dropped). Virtual threads serve the requests, so a held or
 * late one costs nothing.
 */
public final class DcgmExporterFake implements AutoCloseable {
  /** Prometheus text exposition, as dcgm-exporter sends it. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final String PREFIX = "/nodes/";
  private static final String SUFFIX = "/metrics";

  /** How a node answers one scrape. */
  public sealed interface Reply {
    /** 200 with this text; {@code written} runs once the whole body went out. */
    record Metrics(String text, Runnable written) implements Reply {}

    /** 404: there is no such node. */
    record NotFound() implements Reply {}

    /** Any other status with this body, as an exporter still starting (503) or failing (500). */
    record Status(int code, String contentType, String body) implements Reply {}

    /** {@code then}, after {@code delay}. */
    record Late(Duration delay, Reply then) implements Reply {}

    /** Holds the request open for {@code hold}, then drops it without a reply. */
    record Hang(Duration hold) implements Reply {}

    static Reply metrics(String text) {
      return new Metrics(text, () -> {});
    }
  }

  /** Decides each node's answer; called on the request's own (virtual) thread. */
  @FunctionalInterface
  public interface Nodes {
    Reply reply(String node);
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final Nodes nodes;

  private DcgmExporterFake(Nodes nodes, int backlog) throws IOException {
    this.nodes = nodes;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backlog);
    server.setExecutor(executor);
    server.createContext(
        PREFIX,
        exchange -> {
          try (exchange) {
            handle(exchange);
          }
        });
    server.start();
  }

  public static DcgmExporterFake start(Nodes nodes) throws IOException {
    return new DcgmExporterFake(nodes, 0);
  }

  /** With a deeper accept queue, for thousands of nodes scraped at once. */
  public static DcgmExporterFake start(Nodes nodes, int backlog) throws IOException {
    return new DcgmExporterFake(nodes, backlog);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url(String node) {
    return "http://127.0.0.1:" + port() + PREFIX + node + SUFFIX;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (!path.startsWith(PREFIX) || !path.endsWith(SUFFIX)) {
      send(exchange, 404, "no such node: " + path + "\n");
      return;
    }
    if (!exchange.getRequestMethod().equals("GET")) {
      exchange.getResponseHeaders().set("Allow", "GET");
      send(exchange, 405, "GET only\n");
      return;
    }
    answer(exchange, nodes.reply(path.substring(PREFIX.length(), path.length() - SUFFIX.length())));
  }

  private void answer(HttpExchange exchange, Reply reply) throws IOException {
    switch (reply) {
      case Reply.Metrics m -> {
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        send(exchange, 200, m.text());
        m.written().run();
      }
      case Reply.Status st -> {
        exchange.getResponseHeaders().set("Content-Type", st.contentType());
        send(exchange, st.code(), st.body());
      }
      case Reply.NotFound n ->
          send(exchange, 404, "no such node: " + exchange.getRequestURI().getPath() + "\n");
      case Reply.Late l -> {
        sleep(l.delay());
        answer(exchange, l.then());
      }
      case Reply.Hang h -> {
        sleep(h.hold());
        exchange.close();
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      // A real sleep: the fake exporter hangs or answers late on purpose.
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
