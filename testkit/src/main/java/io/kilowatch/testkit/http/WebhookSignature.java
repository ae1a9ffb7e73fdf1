package io.kilowatch.testkit.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a kilowatch webhook signature as an operator's receiver would, from the documented header
 * format alone (the kit cannot see the alerts module): {@code X-Kilowatch-Signature: sha256=<hex>},
 * the HMAC-SHA256 with the shared secret of {@code <X-Kilowatch-Timestamp> + "." + body}. No
 * tolerance on the timestamp: fakes answer whatever a test's clock says.
 */
public final class WebhookSignature {
  public static final String TIMESTAMP_HEADER = "X-Kilowatch-Timestamp";
  public static final String SIGNATURE_HEADER = "X-Kilowatch-Signature";
  public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

  private WebhookSignature() {}

  public static boolean valid(String secret, String timestamp, byte[] body, String signature) {
    if (timestamp == null || signature == null) {
      return false;
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update(timestamp.strip().getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) '.');
      byte[] expected =
          ("sha256=" + HexFormat.of().formatHex(mac.doFinal(body)))
              .getBytes(StandardCharsets.US_ASCII);
      return MessageDigest.isEqual(expected, signature.strip().getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
