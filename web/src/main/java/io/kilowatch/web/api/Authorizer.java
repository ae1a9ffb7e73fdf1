package io.kilowatch.web.api;

import io.kilowatch.config.AlertsConfig;
import java.util.Optional;

/**
 * Who a bearer token belongs to. Kept behind this small interface so the web layer's own token
 * store can replace {@link HashedTokens} without touching the routes that check roles.
 */
public interface Authorizer {
  /** The role of a presented token, or empty when it is unknown. */
  Optional<AlertsConfig.Role> roleOf(String bearerToken);

  /** Whether {@code role} may do what {@code needed} may (admin ⊇ operator ⊇ viewer). */
  static boolean allows(AlertsConfig.Role role, AlertsConfig.Role needed) {
    return role.ordinal() >= needed.ordinal();
  }
}
