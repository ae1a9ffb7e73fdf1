package io.kilowatch.analytics.carbon;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** One GET with a deadline; anything but 200 is an error carrying the status and a short body. */
final class Http {
  private final HttpClient client;
  private final Duration timeout;

  Http(Duration timeout) {
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  String get(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
    var b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    headers.forEach(b::header);
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      String body = r.body() == null ? "" : r.body();
      throw new IOException(
          "HTTP "
              + r.statusCode()
              + " from "
              + uri.getHost()
              + ": "
              + body.substring(0, Math.min(200, body.length())));
    }
    return r.body();
  }

  static String base(URI base) {
    String s = base.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
