package io.kilowatch.simulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * One HTTP server standing in for every node's dcgm-exporter: {@code /nodes/<node-id>/metrics}
 * renders that node's GPUs from the latest snapshot.
 */
final class DcgmExporterServer implements AutoCloseable {
  private static final String PREFIX = "/nodes/";
  private static final String SUFFIX = "/metrics";

  private final HttpServer server;
  private final ExecutorService executor;

  private DcgmExporterServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  static DcgmExporterServer start(Supplier<SiteSnapshot> snapshots, Set<String> nodeIds)
      throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext(
        PREFIX,
        exchange -> {
          try (exchange) {
            handle(exchange, snapshots, nodeIds);
          }
        });
    server.start();
    return new DcgmExporterServer(server, executor);
  }

  private static void handle(
      HttpExchange exchange, Supplier<SiteSnapshot> snapshots, Set<String> nodeIds)
      throws IOException {
    String path = exchange.getRequestURI().getPath();
    String nodeId =
        path.startsWith(PREFIX) && path.endsWith(SUFFIX)
            ? path.substring(PREFIX.length(), path.length() - SUFFIX.length())
            : "";
    if (!nodeIds.contains(nodeId)) {
      send(exchange, 404, "no such node: " + path + "\n");
      return;
    }
    if (!exchange.getRequestMethod().equals("GET")) {
      exchange.getResponseHeaders().set("Allow", "GET");
      send(exchange, 405, "GET only\n");
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", DcgmExposition.CONTENT_TYPE);
    send(exchange, 200, DcgmExposition.render(snapshots.get().node(nodeId)));
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
