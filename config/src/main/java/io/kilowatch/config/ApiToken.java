package io.kilowatch.config;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A bearer token that may call the API. Only its SHA-256 is configured, so a leaked site file does
 * not leak the token.
 *
 * @param sha256 hex digest of the token's UTF-8 bytes, lower case
 */
public record ApiToken(String name, String sha256, Role role) {
  static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

  public ApiToken {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    if (sha256 == null || !SHA256_HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException("sha256 must be 64 hex digits");
    }
    sha256 = sha256.toLowerCase(Locale.ROOT);
  }

  /** What a token may do; each role includes the ones before it. */
  public enum Role {
    /** Read the API. */
    VIEWER,
    /** Also write samples (line-protocol ingest) and acknowledge alerts. */
    OPERATOR,
    /** Everything. */
    ADMIN;

    public boolean includes(Role other) {
      return compareTo(other) >= 0;
    }
  }
}
