package io.kilowatch.config;

import java.net.URI;

/**
 * An InfluxDB server reached through its v1 HTTP API ({@code /write}, {@code /query}), which
 * InfluxDB 1.x serves natively and 2.x and 3.x serve as a compatibility layer.
 *
 * @param url base URL, e.g. {@code http://influx:8086}
 * @param database the database (1.x) or the bucket mapped to it (2.x, 3.x)
 * @param retentionPolicy {@code null} for the database's default policy
 * @param username 1.x user; {@code null} when the server has no authentication or a token is used
 * @param password 1.x password
 * @param token 2.x/3.x API token, sent as {@code Authorization: Token ...}; {@code null} for 1.x
 */
public record InfluxConfig(
    URI url,
    String database,
    String retentionPolicy,
    String username,
    String password,
    String token) {

  /** Secrets are never printed, so a config dumped into a log does not leak them. */
  @Override
  public String toString() {
    return "InfluxConfig[url="
        + url
        + ", database="
        + database
        + ", retentionPolicy="
        + retentionPolicy
        + ", username="
        + username
        + ", password="
        + (password == null ? "null" : "***")
        + ", token="
        + (token == null ? "null" : "***")
        + "]";
  }
}
