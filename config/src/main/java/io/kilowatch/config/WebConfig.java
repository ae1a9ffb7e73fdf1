package io.kilowatch.config;

/** The HTTP server. */
public record WebConfig(String bind, int port) {
  public static final WebConfig DEFAULT = new WebConfig("0.0.0.0", 8080);
}
