package io.kilowatch.web.ingest;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.collector.lineprotocol.LineProtocolParser;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.config.ApiToken;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InfluxDB line-protocol ingest: {@code POST /api/v2/write} (InfluxDB 2 style) and {@code POST
 * /write} (InfluxDB 1 style), so {@code kilowatch agent}, Telegraf and other InfluxDB writers can
 * push into kilowatch.
 *
 * <ul>
 *   <li>Body: line protocol, gzip when {@code Content-Encoding: gzip}; at most {@link #MAX_BODY}
 *       bytes after decompression (413 beyond).
 *   <li>{@code precision}: {@code ns} (default), {@code us}, {@code ms}, {@code s}.
 *   <li>Auth: a token with role operator or admin (401 without a known token, 403 for a viewer).
 *   <li>A partly bad batch: the good lines are stored, and the answer is 400 listing each bad line
 *       by number with the reason. A line is stored whole or not at all.
 *   <li>204 when every line was stored; 503 with {@code Retry-After} when the store writer is too
 *       far behind (nothing of the batch was queued, so a retry stores it once).
 * </ul>
 *
 * Samples without a {@code site} tag get the site's name, like the samples of collectors.
 */
public final class IngestRoutes {
  private static final Logger log = LoggerFactory.getLogger(IngestRoutes.class);

  /** Largest body accepted, after decompression. */
  public static final int MAX_BODY = 32 * 1024 * 1024;

  /** Bad lines listed in one answer; the count says how many there were in all. */
  static final int MAX_LISTED = 100;

  private final IngestSink sink;
  private final TokenAuth auth;
  private final String siteName;
  private final Clock clock;
  private final int maxBody;
  // Bounds the memory held by bodies being parsed at once (each up to maxBody as text).
  private final Semaphore parsing = new Semaphore(16);
  private final AtomicLong points = new AtomicLong();
  private final AtomicLong rejectedLines = new AtomicLong();

  public IngestRoutes(IngestSink sink, TokenAuth auth, String siteName, Clock clock) {
    this(sink, auth, siteName, clock, MAX_BODY);
  }

  IngestRoutes(IngestSink sink, TokenAuth auth, String siteName, Clock clock, int maxBody) {
    this.sink = sink;
    this.auth = auth;
    this.siteName = siteName;
    this.clock = clock;
    this.maxBody = maxBody;
  }

  public void register(RoutesConfig routes) {
    routes.post("/api/v2/write", this::write);
    routes.post("/write", this::write);
  }

  /** Field values stored since start. */
  public long points() {
    return points.get();
  }

  private void write(Context ctx) throws IOException, InterruptedException {
    if (!authorised(ctx)) {
      return;
    }
    Precision precision;
    try {
      precision = Precision.of(ctx.queryParam("precision"));
    } catch (IllegalArgumentException e) {
      error(ctx, 400, "invalid", e.getMessage());
      return;
    }
    String encoding = ctx.header("Content-Encoding");
    boolean gzip =
        encoding != null && encoding.strip().toLowerCase(Locale.ROOT).matches("x-gzip|gzip");
    if (encoding != null
        && !gzip
        && !encoding.isBlank()
        && !encoding.strip().equalsIgnoreCase("identity")) {
      error(ctx, 415, "unsupported", "Content-Encoding " + encoding + ": only gzip or none");
      return;
    }
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxBody) {
      error(ctx, 413, "too large", "body of " + declared + " bytes; the limit is " + maxBody);
      return;
    }
    if (!parsing.tryAcquire(10, TimeUnit.SECONDS)) {
      ctx.header("Retry-After", "1");
      error(ctx, 503, "unavailable", "too many writes in progress; retry");
      return;
    }
    try {
      byte[] body;
      try {
        body = readBody(ctx, gzip);
      } catch (ZipException e) {
        error(ctx, 400, "invalid", "body is not valid gzip: " + e.getMessage());
        return;
      }
      if (body == null) {
        error(ctx, 413, "too large", "body is larger than " + maxBody + " bytes decompressed");
        return;
      }
      var result =
          LineProtocolParser.parse(
              new String(body, StandardCharsets.UTF_8), precision, clock.instant());
      List<Sample> samples = withSite(result.samples());
      if (!samples.isEmpty() && !sink.offer(samples)) {
        ctx.header("Retry-After", "5");
        error(ctx, 503, "unavailable", "the store is behind; nothing was written, retry");
        return;
      }
      samples.forEach(s -> points.addAndGet(s.fields().size()));
      if (result.problems().isEmpty()) {
        ctx.status(204);
        return;
      }
      rejected(ctx, result);
    } finally {
      parsing.release();
    }
  }

  private void rejected(Context ctx, LineProtocolParser.Result result) {
    rejectedLines.addAndGet(result.problems().size());
    var first = result.problems().getFirst();
    var lines = new ArrayList<Map<String, Object>>();
    for (var p : result.problems().subList(0, Math.min(MAX_LISTED, result.problems().size()))) {
      var m = new LinkedHashMap<String, Object>();
      m.put("line", p.line());
      m.put("error", p.message());
      m.put("text", p.text());
      lines.add(m);
    }
    var body = new LinkedHashMap<String, Object>();
    body.put("code", "invalid");
    body.put(
        "message",
        result.problems().size()
            + " of "
            + result.lines()
            + " lines rejected, the others were stored; first: line "
            + first.line()
            + ": "
            + first.message());
    body.put("written", result.samples().size());
    body.put("rejected", result.problems().size());
    body.put("lines", lines);
    ctx.status(400).json(body);
    log.debug("ingest: {}", body.get("message"));
  }

  private boolean authorised(Context ctx) {
    String header = ctx.header("Authorization");
    var token = TokenAuth.presented(header);
    if (token.isEmpty()) {
      ctx.header("WWW-Authenticate", "Bearer");
      error(
          ctx,
          401,
          "unauthorized",
          auth.enabled()
              ? "writes need a token: Authorization: Bearer <token>"
              : "writes need a token, and none is configured (web.tokens or "
                  + TokenAuth.ENV
                  + ")");
      return false;
    }
    var found = auth.find(token.get());
    if (found.isEmpty()) {
      ctx.header("WWW-Authenticate", "Bearer");
      error(ctx, 401, "unauthorized", "unknown token");
      return false;
    }
    if (!found.get().role().includes(ApiToken.Role.OPERATOR)) {
      error(
          ctx,
          403,
          "forbidden",
          "token '" + found.get().name() + "' is a viewer; writes need operator or admin");
      return false;
    }
    return true;
  }

  /** The body, decompressed, or null when it is over the limit. */
  private byte[] readBody(Context ctx, boolean gzip) throws IOException {
    InputStream in = ctx.bodyInputStream();
    if (gzip) {
      in = new GZIPInputStream(in, 64 * 1024);
    }
    try (InputStream body = in) {
      byte[] bytes = body.readNBytes(maxBody + 1);
      return bytes.length > maxBody ? null : bytes;
    }
  }

  private List<Sample> withSite(List<Sample> samples) {
    if (siteName == null) {
      return samples;
    }
    var out = new ArrayList<Sample>(samples.size());
    for (Sample s : samples) {
      if (s.tags().containsKey("site")) {
        out.add(s);
      } else {
        var tags = new TreeMap<>(s.tags());
        tags.put("site", siteName);
        out.add(new Sample(s.time(), s.measurement(), tags, s.fields(), Quality.GOOD));
      }
    }
    return out;
  }

  private static void error(Context ctx, int status, String code, String message) {
    ctx.status(status).json(Map.of("code", code, "message", message));
  }
}
