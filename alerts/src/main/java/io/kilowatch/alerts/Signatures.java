package io.kilowatch.alerts;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 over {@code timestamp + "." + body}, the timestamp in Unix seconds: binding the time
 * into the signature lets a receiver refuse replays older than its tolerance.
 */
public final class Signatures {
  public static final String TIMESTAMP_HEADER = "X-Kilowatch-Timestamp";
  public static final String SIGNATURE_HEADER = "X-Kilowatch-Signature";
  public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  private Signatures() {}

  /** The header value: {@code sha256=} and 64 lower-case hex digits. */
  public static String sign(String secret, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] digest = mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return "sha256=" + HexFormat.of().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** What a receiver does: recompute, compare in constant time, refuse stale timestamps. */
  public static boolean verify(
      String secret, String timestampHeader, String body, String signatureHeader, Instant now) {
    if (timestampHeader == null || signatureHeader == null) {
      return false;
    }
    long ts;
    try {
      ts = Long.parseLong(timestampHeader.strip());
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(now.getEpochSecond() - ts) > DEFAULT_TOLERANCE.toSeconds()) {
      return false;
    }
    byte[] expected = sign(secret, ts, body).getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(
        expected, signatureHeader.strip().getBytes(StandardCharsets.UTF_8));
  }
}
