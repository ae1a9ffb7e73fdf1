package io.kilowatch.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The HTTP server.
 *
 * @param tokens bearer tokens accepted by the API (by hash); writes need one
 * @param readAccess whether reading the API and pages needs a token too
 * @param tls HTTPS settings, or {@code null} for plain HTTP
 * @param rateLimitPerMinute API requests allowed per minute per known token, or per client address
 *     for requests without a known token; 0 turns the limit off
 * @param rateLimitPerAddressPerMinute API requests allowed per minute per client address, counted
 *     before any token is looked at (so made-up tokens share their sender's budget); 0 turns the
 *     limit off
 * @param ingest what the line-protocol ingest lets one client create
 */
public record WebConfig(
    String bind,
    int port,
    List<ApiToken> tokens,
    ReadAccess readAccess,
    Tls tls,
    int rateLimitPerMinute,
    int rateLimitPerAddressPerMinute,
    IngestLimits ingest) {
  public static final int DEFAULT_RATE_LIMIT = 6_000;

  /**
   * Above the ingest bench's 312 requests/s from one address, so a site's agents behind one NAT or
   * proxy still fit; a single client still cannot make more than 500 requests a second.
   */
  public static final int DEFAULT_ADDRESS_RATE_LIMIT = 30_000;

  public static final WebConfig DEFAULT = new WebConfig("0.0.0.0", 8080);

  public WebConfig {
    tokens = List.copyOf(tokens);
    readAccess = readAccess == null ? ReadAccess.OPEN : readAccess;
    ingest = ingest == null ? IngestLimits.DEFAULT : ingest;
  }

  public WebConfig(String bind, int port, List<ApiToken> tokens) {
    this(
        bind,
        port,
        tokens,
        ReadAccess.OPEN,
        null,
        DEFAULT_RATE_LIMIT,
        DEFAULT_ADDRESS_RATE_LIMIT,
        IngestLimits.DEFAULT);
  }

  public WebConfig(String bind, int port) {
    this(bind, port, List.of());
  }

  /** Who may read. Writing always needs a token with a role that allows it. */
  public enum ReadAccess {
    /** Anyone who reaches the port may read (a wall screen on a closed network). */
    OPEN,
    /** Reading needs a token too (viewer or higher). */
    TOKEN
  }

  /**
   * HTTPS from a PKCS#12 keystore.
   *
   * @param password from the environment ({@code ${VAR}}), never written in the file
   */
  public record Tls(Path keystore, String password) {
    @Override
    public String toString() {
      return "Tls[keystore=" + keystore + ", password=****]";
    }
  }
}
