package io.kilowatch.web;

import io.javalin.config.JavalinConfig;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The headers every answer carries, the API's and Jetty's own alike. Jetty answers some requests
 * before any route sees them (a URI it cannot parse, headers too large), so the headers are set at
 * the connection (a customizer) and in the error handler, not in a Javalin before-handler.
 */
final class SecurityHeaders {
  /**
   * A year, the value browsers' preload lists ask for. No includeSubDomains: the monitor rarely
   * owns its domain, and pinning HTTPS on sibling hosts is not its decision to make.
   */
  static final String HSTS = "max-age=31536000";

  private final Map<String, String> headers = new LinkedHashMap<>();

  SecurityHeaders(boolean https) {
    headers.put("Content-Security-Policy", WebServer.CSP);
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("X-Frame-Options", "DENY");
    headers.put("Referrer-Policy", "no-referrer");
    if (https) {
      headers.put("Strict-Transport-Security", HSTS);
    }
  }

  void putInto(HttpFields.Mutable fields) {
    // put, not add: an answer passing both the customizer and the error handler has each once.
    headers.forEach(fields::put);
  }

  void install(JavalinConfig cfg) {
    cfg.jetty.modifyHttpConfiguration(http -> http.addCustomizer(customizer()));
    cfg.jetty.modifyServer(server -> server.setErrorHandler(new Errors()));
  }

  private HttpConfiguration.Customizer customizer() {
    return (request, responseHeaders) -> {
      putInto(responseHeaders);
      return request;
    };
  }

  /**
   * Jetty's error pages, with the headers: both the ones for parsed and for unparsable requests.
   */
  private final class Errors extends ErrorHandler {
    Errors() {
      // A stack trace or server name on an error page tells an attacker more than an operator.
      setShowStacks(false);
      setShowCauses(false);
      setShowOrigin(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      putInto(response.getHeaders());
      return super.handle(request, response, callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
      putInto(fields);
      return super.badMessageError(status, reason, fields);
    }
  }
}
