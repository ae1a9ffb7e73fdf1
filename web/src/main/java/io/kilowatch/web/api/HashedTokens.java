package io.kilowatch.web.api;

import io.kilowatch.config.AlertsConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Tokens configured as the hex SHA-256 of their text ({@code printf %s TOKEN | sha256sum}), so the
 * config file never holds a usable secret. Compared in constant time.
 */
public final class HashedTokens implements Authorizer {
  private final List<AlertsConfig.ApiToken> tokens;

  public HashedTokens(List<AlertsConfig.ApiToken> tokens) {
    this.tokens = List.copyOf(tokens);
  }

  @Override
  public Optional<AlertsConfig.Role> roleOf(String bearerToken) {
    if (bearerToken == null || bearerToken.isBlank()) {
      return Optional.empty();
    }
    byte[] presented = sha256(bearerToken.strip()).getBytes(StandardCharsets.US_ASCII);
    AlertsConfig.Role found = null;
    for (AlertsConfig.ApiToken t : tokens) {
      // Every entry is compared, so timing does not tell which one matched.
      if (MessageDigest.isEqual(presented, t.sha256().getBytes(StandardCharsets.US_ASCII))) {
        found = t.role();
      }
    }
    return Optional.ofNullable(found);
  }

  public static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
