package io.kilowatch.app.browser;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven over the DevTools protocol with the JDK's own WebSocket client: no
 * driver binary and no browser download, only Debian's {@code chromium}.
 */
final class Chromium implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  private Chromium(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  static boolean available() {
    return Files.isExecutable(BINARY);
  }

  static Chromium start(Path profileDir) throws Exception {
    var cmd =
        List.of(
            BINARY.toString(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--user-data-dir=" + profileDir,
            "--remote-debugging-port=0",
            "--window-size=1366,768",
            "about:blank");
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    var err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    var address = new CompletableFuture<String>();
    // Reads stderr to its end, so the browser never blocks on a full pipe.
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                for (String line = err.readLine(); line != null; line = err.readLine()) {
                  var m = LISTENING.matcher(line);
                  if (!address.isDone() && m.find()) {
                    address.complete(m.group(1));
                  }
                }
                address.completeExceptionally(
                    new IOException(
                        "chromium exited with " + p.waitFor() + " before DevTools was ready"));
              } catch (IOException | InterruptedException e) {
                address.completeExceptionally(e);
              }
            });
    String browserWs;
    try {
      browserWs = address.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("chromium did not report a DevTools address within 30 s");
    } catch (ExecutionException e) {
      p.destroyForcibly();
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
    URI base = URI.create(browserWs.replaceFirst("^ws://", "http://"));
    var http = HttpClient.newHttpClient();
    var list =
        http.send(
            HttpRequest.newBuilder(base.resolve("/json/list")).build(),
            HttpResponse.BodyHandlers.ofString());
    String pageWs = null;
    for (JsonNode t : JSON.readTree(list.body())) {
      if ("page".equals(t.path("type").asText())) {
        pageWs = t.get("webSocketDebuggerUrl").asText();
        break;
      }
    }
    if (pageWs == null) {
      p.destroyForcibly();
      throw new IOException("no page target in " + list.body());
    }
    var holder = new Chromium[1];
    var listener = new Listener(holder);
    WebSocket ws =
        http.newWebSocketBuilder()
            .buildAsync(URI.create(pageWs), listener)
            .get(10, TimeUnit.SECONDS);
    holder[0] = new Chromium(p, ws);
    holder[0].send("Runtime.enable", Map.of());
    holder[0].send("Log.enable", Map.of());
    holder[0].send("Page.enable", Map.of());
    return holder[0];
  }

  JsonNode send(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    var f = new CompletableFuture<JsonNode>();
    pending.put(id, f);
    ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
    msg.set("params", JSON.valueToTree(params));
    socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
    JsonNode reply = f.get(30, TimeUnit.SECONDS);
    if (reply.has("error")) {
      throw new IOException(method + " failed: " + reply.get("error"));
    }
    return reply.path("result");
  }

  void viewport(int width, int height, boolean mobile) throws Exception {
    send(
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
  }

  void navigate(String url) throws Exception {
    events.clear();
    send("Page.navigate", Map.of("url", url));
    await(url + " loaded")
        .atMost(Duration.ofSeconds(20))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> "complete".equals(evaluate("document.readyState").asText()));
  }

  /**
   * Returns after two animation frames, so paints the page's scripts queued have reached the
   * screen.
   */
  void nextFrame() throws Exception {
    evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))");
  }

  /** Evaluates a JavaScript expression (awaiting a promise) and returns its JSON value. */
  JsonNode evaluate(String expression) throws Exception {
    JsonNode r =
        send(
            "Runtime.evaluate",
            Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
    if (r.has("exceptionDetails")) {
      throw new IOException("script failed: " + r.get("exceptionDetails"));
    }
    return r.path("result").path("value");
  }

  void screenshot(Path file) throws Exception {
    JsonNode r = send("Page.captureScreenshot", Map.of("format", "png"));
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(r.get("data").asText()));
  }

  /** The whole page, below the fold too, as an operator scrolling it would see it. */
  void fullPageScreenshot(Path file) throws Exception {
    JsonNode size =
        evaluate(
            "({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})");
    JsonNode r =
        send(
            "Page.captureScreenshot",
            Map.of(
                "format",
                "png",
                "captureBeyondViewport",
                true,
                "clip",
                Map.of(
                    "x",
                    0,
                    "y",
                    0,
                    "width",
                    size.get("w").asInt(),
                    "height",
                    size.get("h").asInt(),
                    "scale",
                    1)));
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(r.get("data").asText()));
  }

  /** Console errors, uncaught exceptions and failed loads (incl. CSP violations) so far. */
  List<String> errors() {
    synchronized (errors) {
      return List.copyOf(errors);
    }
  }

  void clearErrors() {
    errors.clear();
  }

  private void onMessage(JsonNode msg) {
    if (msg.has("id")) {
      var f = pending.remove(msg.get("id").asInt());
      if (f != null) {
        f.complete(msg);
      }
      return;
    }
    String method = msg.path("method").asText();
    events.add(method);
    JsonNode p = msg.path("params");
    switch (method) {
      case "Runtime.exceptionThrown" -> errors.add("exception: " + p.path("exceptionDetails"));
      case "Runtime.consoleAPICalled" -> {
        if ("error".equals(p.path("type").asText())) {
          errors.add("console.error: " + p.path("args"));
        }
      }
      case "Log.entryAdded" -> {
        if ("error".equals(p.path("entry").path("level").asText())) {
          errors.add(
              "log: "
                  + p.path("entry").path("text").asText()
                  + " "
                  + p.path("entry").path("url").asText());
        }
      }
      default -> {}
    }
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // The browser is being stopped anyway.
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Reassembles fragmented text frames into whole DevTools messages. */
  private static final class Listener implements WebSocket.Listener {
    private final Chromium[] owner;
    private final StringBuilder buffer = new StringBuilder();

    Listener(Chromium[] owner) {
      this.owner = owner;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      buffer.append(data);
      if (last) {
        String text = buffer.toString();
        buffer.setLength(0);
        try {
          if (owner[0] != null) {
            owner[0].onMessage(JSON.readTree(text));
          } else {
            // Replies to the enable calls made before the field is set cannot exist yet.
            JsonNode n = JSON.readTree(text);
            if (n.has("id")) {
              throw new IllegalStateException("reply before start: " + text);
            }
          }
        } catch (IOException e) {
          throw new IllegalStateException("bad DevTools message: " + text, e);
        }
      }
      ws.request(1);
      return null;
    }
  }
}
