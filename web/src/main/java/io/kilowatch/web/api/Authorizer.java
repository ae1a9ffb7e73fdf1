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

  /**
   * Whether the request's bearer token has the operator role; answers 401 or 403 itself when not.
   */
  static boolean operator(Authorizer auth, io.javalin.http.Context ctx) {
    String header = ctx.header("Authorization");
    String token =
        header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
            ? header.substring(7).strip()
            : null;
    Optional<AlertsConfig.Role> role = auth.roleOf(token);
    if (role.isEmpty()) {
      ctx.header("WWW-Authenticate", "Bearer");
      ctx.status(401)
          .json(java.util.Map.of("error", "a bearer token with the operator role is required"));
      return false;
    }
    if (!allows(role.get(), AlertsConfig.Role.OPERATOR)) {
      ctx.status(403).json(java.util.Map.of("error", "the operator role is required"));
      return false;
    }
    return true;
  }
}
