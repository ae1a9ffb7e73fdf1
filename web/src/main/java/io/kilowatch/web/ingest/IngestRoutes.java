package io.kilowatch.web.ingest;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.collector.lineprotocol.LineProtocolParser;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.collector.lineprotocol.PushMapping;
import io.kilowatch.config.ApiToken;
import io.kilowatch.config.IngestLimits;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesKey;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
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
 *   <li>Body: line protocol, gzip when {@code Content-Encoding: gzip} (400 when it is not valid or
 *       cut short); at most {@code web.ingest.maxBodyBytes} after decompression and {@code
 *       maxLines} lines (413 beyond, naming the limit).
 *   <li>{@link IngestLimits}: a line over a length, tag or field limit, or one that would create a
 *       series beyond {@code maxSeries} or {@code maxSeriesPerMeasurement}, is a bad line (400,
 *       naming the limit); a batch creating more new series than the minute has left gets 429 with
 *       {@code Retry-After} and nothing of it is stored.
 *   <li>Timestamps finer than a millisecond (the store's resolution) are refused, line by line.
 *   <li>{@code precision}: {@code ns} (default), {@code us}, {@code ms}, {@code s}.
 *   <li>Auth: a token with role operator or admin (401 without a known token, 403 for a viewer).
 *   <li>Each line goes through the site's {@link PushMapping}: a line a push device's {@code match}
 *       selects becomes that device's series; a line whose {@code device} tag names a configured
 *       device is that device's; any other line is <em>unmatched</em>: stored as it is, counted
 *       ({@code kilowatch_ingest_unmatched_lines_total}) and reported in the answer.
 *   <li>A partly bad batch: the good lines are stored, and the answer is 400 listing each bad line
 *       by number with the reason (and the unmatched count). A line is stored whole or not at all.
 *   <li>204 when every line was stored and matched a device; 200 with {@code {"written",
 *       "unmatched", "unmatchedExamples"}} when every line was stored but some matched none; 503
 *       with {@code Retry-After} when the store writer is too far behind (nothing of the batch was
 *       queued, so a retry stores it once). A batch the writer could never take at once is 413.
 *   <li>Stored means committed: every 2xx waits for the store's commit of the request's samples,
 *       shared with the requests queued alongside it. A failed write is 507 naming the cause; no
 *       confirmation within {@link #STORE_WAIT} is 503.
 * </ul>
 *
 * Samples without a {@code site} tag get the site's name, like the samples of collectors.
 */
public final class IngestRoutes {
  private static final Logger log = LoggerFactory.getLogger(IngestRoutes.class);

  /** Bad lines listed in one answer; the count says how many there were in all. */
  static final int MAX_LISTED = 100;

  /** Unmatched lines shown in one answer; the count says how many there were in all. */
  static final int MAX_UNMATCHED_EXAMPLES = 5;

  private final IngestSink sink;
  private final TokenAuth auth;
  private final PushMapping mapping;
  private final Clock clock;
  private final IngestLimits limits;
  private final LineProtocolParser.Limits lineLimits;
  private final Supplier<Collection<SeriesKey>> existing;
  // Series accounting from the check to the store's queue: see SeriesBudget.
  private final ReentrantLock seriesLock = new ReentrantLock();
  private SeriesBudget budget;
  // Bounds the memory held by bodies being parsed at once (each up to maxBody as text).
  private final Semaphore parsing = new Semaphore(16);

  /**
   * How long a request waits for the store to commit its samples: far above one commit, and below
   * the agent's 10 s request timeout, so a stalled disk gets a 503 the agent can read rather than a
   * timeout it cannot tell from a network fault.
   */
  private static final java.time.Duration STORE_WAIT = java.time.Duration.ofSeconds(8);

  private final AtomicLong points = new AtomicLong();
  private final AtomicLong rejectedLines = new AtomicLong();
  private final AtomicLong unmatchedLines = new AtomicLong();

  /**
   * @param mapping what each line becomes: the site's push devices, and its name for lines without
   *     a {@code site} tag
   * @param existing the series the store holds, read once at the first write so that start-up does
   *     not wait on a remote store; the series limits count them
   */
  public IngestRoutes(
      IngestSink sink,
      TokenAuth auth,
      PushMapping mapping,
      Clock clock,
      IngestLimits limits,
      Supplier<Collection<SeriesKey>> existing) {
    this.sink = sink;
    this.auth = auth;
    this.mapping = mapping;
    this.clock = clock;
    this.limits = limits;
    this.lineLimits =
        new LineProtocolParser.Limits(
            limits.maxLineLength(),
            limits.maxTagKeyLength(),
            limits.maxTagValueLength(),
            limits.maxFieldsPerLine(),
            LineProtocolParser.SubMillisecond.REJECT);
    this.existing = existing;
  }

  public void register(RoutesConfig routes) {
    routes.post("/api/v2/write", this::write);
    routes.post("/write", this::write);
  }

  /** Field values stored since start. */
  public long points() {
    return points.get();
  }

  /** Lines stored since start that matched no configured device. */
  public long unmatchedLines() {
    return unmatchedLines.get();
  }

  /** Lines refused since start for a mistake in them. */
  public long rejectedLines() {
    return rejectedLines.get();
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
    int maxBody = limits.maxBodyBytes();
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxBody) {
      error(
          ctx,
          413,
          "too large",
          "body of " + declared + " bytes; the limit is maxBodyBytes = " + maxBody);
      return;
    }
    if (!parsing.tryAcquire(10, TimeUnit.SECONDS)) {
      ctx.header("Retry-After", "1");
      error(ctx, 503, "unavailable", "too many writes in progress; retry");
      return;
    }
    boolean parsingReleased = false;
    try {
      byte[] body;
      try {
        body = readBody(ctx, gzip, maxBody);
      } catch (ZipException e) {
        error(ctx, 400, "invalid", "body is not valid gzip: " + e.getMessage());
        return;
      } catch (EOFException e) {
        // GZIPInputStream reports a body cut short as EOF, not as a ZipException.
        error(ctx, 400, "invalid", "body is not valid gzip: it ends before the gzip stream does");
        return;
      }
      if (body == null) {
        error(
            ctx,
            413,
            "too large",
            "body is larger than maxBodyBytes = " + maxBody + " bytes decompressed; split it");
        return;
      }
      // Lines without a timestamp take the server's time, in the store's milliseconds like the
      // rest.
      var result =
          LineProtocolParser.parse(
              new String(body, StandardCharsets.UTF_8),
              precision,
              clock.instant().truncatedTo(ChronoUnit.MILLIS),
              lineLimits);
      if (result.lines() > limits.maxLines()) {
        error(
            ctx,
            413,
            "too large",
            "body of "
                + result.lines()
                + " lines; the limit is maxLines = "
                + limits.maxLines()
                + "; nothing was written, split it");
        return;
      }
      var mappedLines = new ArrayList<PushMapping.Mapped>(result.samples().size());
      int total = 0;
      for (Sample s : result.samples()) {
        var mapped = mapping.map(s);
        mappedLines.add(mapped);
        total += mapped.samples().size();
      }
      if (total > sink.capacity()) {
        error(
            ctx,
            413,
            "too large",
            "batch of "
                + total
                + " samples; the store writer takes at most "
                + sink.capacity()
                + " at once; nothing was written, split it");
        return;
      }
      java.util.concurrent.CompletableFuture<Void> stored = null;
      var problems = new ArrayList<>(result.problems());
      var samples = new ArrayList<Sample>(total);
      var unmatched = new Unmatched();
      int written = 0;
      seriesLock.lock();
      try {
        if (budget == null) {
          budget = new SeriesBudget(limits, clock, existingSeries());
          log.info("ingest: the store holds {} series", budget.size());
        }
        var batch = budget.batch();
        for (int i = 0; i < mappedLines.size(); i++) {
          var mapped = mappedLines.get(i);
          Sample line = result.samples().get(i);
          int number = result.sampleLines().get(i);
          String refused = batch.admit(mapped.samples());
          if (refused != null) {
            problems.add(new LineProtocolParser.Problem(number, refused, describe(line)));
            continue;
          }
          written++;
          samples.addAll(mapped.samples());
          if (!mapped.matched()) {
            unmatched.add(number, line);
          }
        }
        long retry = batch.retryAfter();
        if (retry == Integer.MAX_VALUE) {
          error(
              ctx,
              413,
              "too large",
              "batch would create "
                  + batch.newSeries()
                  + " new series, more than a minute allows (maxNewSeriesPerMinute = "
                  + limits.maxNewSeriesPerMinute()
                  + "); nothing was written, split it");
          return;
        }
        if (retry > 0) {
          ctx.header("Retry-After", Long.toString(retry));
          error(
              ctx,
              429,
              "too many requests",
              "batch would create "
                  + batch.newSeries()
                  + " new series, more than this minute has left (maxNewSeriesPerMinute = "
                  + limits.maxNewSeriesPerMinute()
                  + "); nothing was written, retry in "
                  + retry
                  + " s");
          return;
        }
        if (!samples.isEmpty()) {
          var queued = sink.offer(samples);
          if (queued.isEmpty()) {
            ctx.header("Retry-After", "5");
            error(ctx, 503, "unavailable", "the store is behind; nothing was written, retry");
            return;
          }
          stored = queued.get();
        }
        batch.commit();
      } finally {
        seriesLock.unlock();
      }
      if (stored != null) {
        // Parsing is what the permits bound; a request waiting for its commit holds only its
        // samples, and the more requests wait together, the more one commit serves.
        parsing.release();
        parsingReleased = true;
        String failed = awaitStored(stored);
        if (failed != null) {
          if (failed.startsWith(TIMEOUT)) {
            ctx.header("Retry-After", "5");
            error(ctx, 503, "unavailable", failed);
          } else {
            error(ctx, 507, "storage", failed);
          }
          return;
        }
      }
      problems.sort(Comparator.comparingInt(LineProtocolParser.Problem::line));
      samples.forEach(s -> points.addAndGet(s.fields().size()));
      unmatchedLines.addAndGet(unmatched.count);
      if (!problems.isEmpty()) {
        rejected(ctx, result.lines(), written, problems, unmatched);
      } else if (unmatched.count > 0) {
        stored(ctx, result.lines(), written, unmatched);
      } else {
        ctx.status(204);
      }
    } finally {
      if (!parsingReleased) {
        parsing.release();
      }
    }
  }

  private static final String TIMEOUT = "the store has not confirmed";

  /**
   * Waits until the store holds the samples on disk.
   *
   * @return null when it does, otherwise the answer's message (a timeout's starts with {@link
   *     #TIMEOUT})
   */
  private static String awaitStored(java.util.concurrent.CompletableFuture<Void> stored)
      throws InterruptedException {
    try {
      stored.get(STORE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return null;
    } catch (java.util.concurrent.TimeoutException e) {
      return TIMEOUT
          + " the write within "
          + STORE_WAIT.toSeconds()
          + " s; it may or may not be stored, retry (a point written twice is stored once)";
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return "the store could not write the batch, so none of it is acknowledged: "
          + cause.getMessage();
    }
  }

  /** Lines stored that no device claimed: how many, and the first few. */
  private static final class Unmatched {
    int count;
    final List<Map<String, Object>> examples = new ArrayList<>();

    void add(int line, Sample s) {
      count++;
      if (examples.size() < MAX_UNMATCHED_EXAMPLES) {
        var m = new LinkedHashMap<String, Object>();
        m.put("line", line);
        m.put("measurement", s.measurement());
        m.put("tags", s.tags());
        examples.add(m);
      }
    }

    String first() {
      var e = examples.getFirst();
      return "line " + e.get("line") + ": " + e.get("measurement") + " " + e.get("tags");
    }
  }

  /**
   * What the store holds, or nothing when it cannot say: refusing every write while a remote store
   * is away would defeat the disk buffer that is there to carry writes through it.
   */
  private Collection<SeriesKey> existingSeries() {
    try {
      return existing.get();
    } catch (RuntimeException e) {
      log.warn("ingest: cannot list the store's series, counting from 0: {}", e.toString());
      return List.of();
    }
  }

  /** A line refused after parsing, as its problem quotes it. */
  private static String describe(Sample s) {
    return LineProtocolParser.shorten(s.measurement() + " " + s.tags() + " " + s.fields().keySet());
  }

  /** Every line stored, some of them matching no device: 200 with what was not matched. */
  private void stored(Context ctx, int lines, int written, Unmatched unmatched) {
    var body = new LinkedHashMap<String, Object>();
    body.put("code", "unmatched");
    body.put(
        "message",
        unmatched.count
            + " of "
            + lines
            + " lines match no configured device (stored, but no analytics reads them); first: "
            + unmatched.first());
    body.put("written", written);
    body.put("unmatched", unmatched.count);
    body.put("unmatchedExamples", unmatched.examples);
    ctx.status(200).json(body);
    log.debug("ingest: {}", body.get("message"));
  }

  private void rejected(
      Context ctx,
      int total,
      int written,
      List<LineProtocolParser.Problem> problems,
      Unmatched unmatched) {
    rejectedLines.addAndGet(problems.size());
    var first = problems.getFirst();
    var lines = new ArrayList<Map<String, Object>>();
    for (var p : problems.subList(0, Math.min(MAX_LISTED, problems.size()))) {
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
        problems.size()
            + " of "
            + total
            + " lines rejected, the others were stored; first: line "
            + first.line()
            + ": "
            + first.message());
    body.put("written", written);
    body.put("rejected", problems.size());
    body.put("lines", lines);
    body.put("unmatched", unmatched.count);
    body.put("unmatchedExamples", unmatched.examples);
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
  private static byte[] readBody(Context ctx, boolean gzip, int maxBody) throws IOException {
    InputStream in = ctx.bodyInputStream();
    if (gzip) {
      in = new GZIPInputStream(in, 64 * 1024);
    }
    try (InputStream body = in) {
      byte[] bytes = body.readNBytes(maxBody + 1);
      return bytes.length > maxBody ? null : bytes;
    }
  }

  private static void error(Context ctx, int status, String code, String message) {
    ctx.status(status).json(Map.of("code", code, "message", message));
  }
}
