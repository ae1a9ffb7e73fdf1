package io.kilowatch.testkit.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A webhook receiver on loopback ({@code POST /hook}) that records every request with the status it
 * answered. Statuses come from a script (then 200); with a secret it refuses (401) requests whose
 * {@link WebhookSignature} does not verify; while {@link #setDown down} it answers 503.
 */
public final class WebhookReceiver implements AutoCloseable {
  public static final String PATH = "/hook";

  /** One request as received; header names are lower case. */
  public record Request(Map<String, String> headers, String body, int answered) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final String secret;
  private final Deque<Integer> script = new ArrayDeque<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicLong refusedWhileDown = new AtomicLong();
  private final AtomicLong badSignatures = new AtomicLong();
  private volatile Consumer<Request> onAccepted = r -> {};
  private volatile boolean down;

  private WebhookReceiver(int port, String secret, List<Integer> statuses) throws IOException {
    this.secret = secret;
    script.addAll(statuses);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
    server.setExecutor(executor);
    server.createContext(
        PATH,
        exchange -> {
          try (exchange) {
            handle(exchange);
          }
        });
    server.start();
  }

  /** On {@code port} (0: any), answering {@code statuses} in turn and then 200; no signatures. */
  public WebhookReceiver(int port, Integer... statuses) throws IOException {
    this(port, null, List.of(statuses));
  }

  /** On any port, answering 401 to requests not signed with {@code secret}. */
  public static WebhookReceiver verifying(String secret) throws IOException {
    return new WebhookReceiver(0, secret, List.of());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port() + PATH;
  }

  /** While down, every request is answered 503. */
  public void setDown(boolean down) {
    this.down = down;
  }

  /** Called for each request answered 2xx, after it was recorded. */
  public void onAccepted(Consumer<Request> listener) {
    this.onAccepted = listener;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests answered 2xx. */
  public List<Request> delivered() {
    return requests.stream().filter(WebhookReceiver::accepted).toList();
  }

  public long refusedWhileDown() {
    return refusedWhileDown.get();
  }

  public long badSignatures() {
    return badSignatures.get();
  }

  /** Waits (bounded) until the recorded requests satisfy {@code done}. */
  public List<Request> await(Predicate<List<Request>> done, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .alias("receiver got what was expected; got " + requests)
        .until(() -> done.test(requests));
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    var headers = new HashMap<String, String>();
    exchange
        .getRequestHeaders()
        .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
    int status = status(headers, body);
    var request = new Request(headers, new String(body, StandardCharsets.UTF_8), status);
    requests.add(request);
    if (accepted(request)) {
      onAccepted.accept(request);
    }
    exchange.sendResponseHeaders(status, -1);
  }

  private int status(Map<String, String> headers, byte[] body) {
    if (down) {
      refusedWhileDown.incrementAndGet();
      return 503;
    }
    if (secret != null
        && !WebhookSignature.valid(
            secret,
            headers.get(WebhookSignature.TIMESTAMP_HEADER.toLowerCase(Locale.ROOT)),
            body,
            headers.get(WebhookSignature.SIGNATURE_HEADER.toLowerCase(Locale.ROOT)))) {
      badSignatures.incrementAndGet();
      return 401;
    }
    synchronized (script) {
      return script.isEmpty() ? 200 : script.poll();
    }
  }

  private static boolean accepted(Request r) {
    return r.answered() >= 200 && r.answered() < 300;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
