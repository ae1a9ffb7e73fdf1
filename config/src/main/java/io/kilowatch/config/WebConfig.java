package io.kilowatch.config;

import java.util.List;

/**
 * The HTTP server.
 *
 * @param tokens bearer tokens accepted by the API (by hash); writes need one
 */
public record WebConfig(String bind, int port, List<ApiToken> tokens) {
  public static final WebConfig DEFAULT = new WebConfig("0.0.0.0", 8080);

  public WebConfig {
    tokens = List.copyOf(tokens);
  }

  public WebConfig(String bind, int port) {
    this(bind, port, List.of());
  }
}
