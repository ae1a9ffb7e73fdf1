package io.kilowatch.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

/**
 * Where the agent pushes line protocol: a central kilowatch ({@code /api/v2/write}) or InfluxDB's
 * v1 {@code /write} (InfluxDB 1.x, or the v1-compatible endpoint of 2.x/3.x). Bodies are gzipped,
 * timestamps in milliseconds.
 */
public final class PushTarget {

  /** What became of one batch. */
  public enum Outcome {
    /** Stored. */
    DELIVERED,
    /** Not stored, worth sending again: unreachable, timeout, 5xx, 429, 401/403 (a token fix). */
    RETRY,
    /** Refused for its content (400, 413): sending it again would get the same answer. */
    REFUSED
  }

  /** An outcome and the target's answer, for the log. */
  public record Result(Outcome outcome, String detail) {}

  private final URI writeUri;
  private final String authorization;
  private final HttpClient http;
  private final Duration timeout;

  private PushTarget(URI writeUri, String authorization, Duration timeout) {
    this.writeUri = writeUri;
    this.authorization = authorization;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** A central kilowatch at {@code base} ({@code http://host:8080}). */
  public static PushTarget kilowatch(URI base, String token, Duration timeout) {
    return new PushTarget(
        resolve(base, "api/v2/write?precision=ms"),
        token == null ? null : "Bearer " + token,
        timeout);
  }

  /** InfluxDB at {@code base} ({@code http://host:8086}), database {@code db}. */
  public static PushTarget influxV1(URI base, String db, String token, Duration timeout) {
    return new PushTarget(
        resolve(base, "write?precision=ms&db=" + URLEncoder.encode(db, StandardCharsets.UTF_8)),
        token == null ? null : "Token " + token,
        timeout);
  }

  private static URI resolve(URI base, String path) {
    String b = base.toString();
    return URI.create(b.endsWith("/") ? b + path : b + "/" + path);
  }

  public URI writeUri() {
    return writeUri;
  }

  /** Sends one batch of line protocol; never throws for network trouble. */
  public Result send(byte[] lineProtocol) throws InterruptedException {
    try {
      var request =
          HttpRequest.newBuilder(writeUri)
              .timeout(timeout)
              .header("Content-Type", "text/plain; charset=utf-8")
              .header("Content-Encoding", "gzip")
              .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(lineProtocol)));
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      int status = r.statusCode();
      String detail = status + (r.body().isBlank() ? "" : " " + shorten(r.body()));
      if (status / 100 == 2) {
        return new Result(Outcome.DELIVERED, detail);
      }
      if (status == 400 || status == 413 || status == 422) {
        return new Result(Outcome.REFUSED, detail);
      }
      return new Result(Outcome.RETRY, detail);
    } catch (IOException e) {
      return new Result(Outcome.RETRY, e.toString());
    }
  }

  private static String shorten(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "…";
  }

  static byte[] gzip(byte[] data) throws IOException {
    var out = new ByteArrayOutputStream(data.length / 4 + 64);
    try (var gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  public void close() {
    http.shutdownNow();
  }
}
