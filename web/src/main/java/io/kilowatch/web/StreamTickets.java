package io.kilowatch.web;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One-use tickets for the event stream on a site with {@code readAccess: token}: a browser's {@code
 * EventSource} cannot send an {@code Authorization} header, and the token itself must not travel in
 * a URL (proxies and access logs keep URLs). A ticket says only "a token holder asked for one
 * stream before this time"; it opens {@code GET /api/events} once and nothing else.
 *
 * <p>The key is random per process, so a restart voids every ticket, and no ticket outlives its
 * short lifetime, which also bounds the set of used ones.
 */
final class StreamTickets {
  static final Duration LIFETIME = Duration.ofSeconds(60);
  private static final String ALGORITHM = "HmacSHA256";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final Clock clock;
  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  /** Nonces already redeemed, with their expiry, so a ticket cannot open a second stream. */
  private final Map<String, Long> used = new ConcurrentHashMap<>();

  StreamTickets(Clock clock) {
    this.clock = clock;
    byte[] k = new byte[32];
    random.nextBytes(k);
    this.key = new SecretKeySpec(k, ALGORITHM);
  }

  /** A fresh ticket, valid for {@link #LIFETIME}: {@code expiryMillis.nonce.mac}. */
  String issue() {
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    String body = (clock.millis() + LIFETIME.toMillis()) + "." + B64.encodeToString(nonce);
    return body + "." + B64.encodeToString(mac(body));
  }

  /** Whether {@code ticket} is genuine, unexpired and not yet used; using it spends it. */
  boolean redeem(String ticket) {
    if (ticket == null || ticket.length() > 200) {
      return false;
    }
    int last = ticket.lastIndexOf('.');
    int first = ticket.indexOf('.');
    if (first <= 0 || last <= first) {
      return false;
    }
    String body = ticket.substring(0, last);
    byte[] presented;
    try {
      presented = Base64.getUrlDecoder().decode(ticket.substring(last + 1));
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (!MessageDigest.isEqual(presented, mac(body))) {
      return false;
    }
    long expiry;
    try {
      expiry = Long.parseLong(body.substring(0, first));
    } catch (NumberFormatException e) {
      return false; // cannot happen for a ticket this process signed
    }
    long now = clock.millis();
    if (now >= expiry) {
      return false;
    }
    used.values().removeIf(e -> e <= now);
    return used.putIfAbsent(body.substring(first + 1), expiry) == null;
  }

  private byte[] mac(String body) {
    try {
      Mac m = Mac.getInstance(ALGORITHM);
      m.init(key);
      return m.doFinal(body.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
