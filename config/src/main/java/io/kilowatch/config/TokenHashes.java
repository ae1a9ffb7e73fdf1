package io.kilowatch.config;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The token hashes of {@code web.tokens} and {@code alerts.apiTokens} together: the server looks a
 * presented token up in both, so one hash listed twice would leave its role to the order of a
 * lookup. A repeat is refused even with the same role, since it is a copy-paste slip at best.
 */
final class TokenHashes {
  private final Binder binder;
  private final Map<String, At> first = new HashMap<>();

  TokenHashes(Binder binder) {
    this.binder = binder;
  }

  /** Records the hash at {@code sha256}; a repeat is reported where the first one is. */
  void register(String hash, String name, At sha256) {
    At earlier = first.putIfAbsent(hash.strip().toLowerCase(Locale.ROOT), sha256);
    if (earlier != null) {
      binder.problem(
          sha256,
          "token '"
              + name
              + "' has the same sha256 as "
              + earlier.path()
              + " (first at "
              + earlier.file()
              + ":"
              + earlier.line()
              + "): one token, one entry, one role");
    }
  }
}
