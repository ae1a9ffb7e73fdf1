package io.kilowatch.web.ingest;

import io.kilowatch.config.ApiToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks bearer tokens against the configured SHA-256 hashes ({@code web.tokens}) and, for demos,
 * one token given in clear through {@link #ENV}, which counts as an operator.
 *
 * <p>Accepts the header forms that writers use: {@code Authorization: Bearer <token>}, {@code Token
 * <token>} (InfluxDB 2 clients, Telegraf's {@code outputs.influxdb_v2}) and HTTP Basic with the
 * token as the password (InfluxDB 1 clients). Hashes are compared in constant time.
 */
public final class TokenAuth {
  public static final String ENV = "KILOWATCH_INGEST_TOKEN";

  private final List<ApiToken> tokens;

  public TokenAuth(List<ApiToken> configured, String envToken) {
    var all = new ArrayList<>(configured);
    if (envToken != null && !envToken.isBlank()) {
      all.add(new ApiToken(ENV, sha256Hex(envToken), ApiToken.Role.OPERATOR));
    }
    this.tokens = List.copyOf(all);
  }

  /** Whether any token exists; without one, every write is refused. */
  public boolean enabled() {
    return !tokens.isEmpty();
  }

  /** The token an {@code Authorization} header carries, or empty when it carries none. */
  public static Optional<String> presented(String header) {
    if (header == null) {
      return Optional.empty();
    }
    String h = header.strip();
    int space = h.indexOf(' ');
    if (space < 0) {
      return Optional.empty();
    }
    String scheme = h.substring(0, space).toLowerCase(Locale.ROOT);
    String value = h.substring(space + 1).strip();
    return switch (scheme) {
      case "bearer", "token" -> value.isEmpty() ? Optional.empty() : Optional.of(value);
      case "basic" -> {
        try {
          String pair = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
          int colon = pair.indexOf(':');
          yield colon < 0 || colon == pair.length() - 1
              ? Optional.empty()
              : Optional.of(pair.substring(colon + 1));
        } catch (IllegalArgumentException e) {
          yield Optional.empty();
        }
      }
      default -> Optional.empty();
    };
  }

  /** The configured token matching {@code token}, if any. */
  public Optional<ApiToken> find(String token) {
    byte[] hash = sha256(token);
    ApiToken match = null;
    for (ApiToken t : tokens) {
      // No early exit: the time taken does not tell which entry matched.
      if (MessageDigest.isEqual(hash, HexFormat.of().parseHex(t.sha256())) && match == null) {
        match = t;
      }
    }
    return Optional.ofNullable(match);
  }

  public static String sha256Hex(String token) {
    return HexFormat.of().formatHex(sha256(token));
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
