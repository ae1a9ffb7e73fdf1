package io.kilowatch.testkit.snmp;

import java.util.Objects;

/**
 * An SNMPv3 USM user at authPriv: HMAC-SHA-256 authentication (usmHMAC192SHA256AuthProtocol, RFC
 * 7860) and AES-128 privacy (usmAesCfb128Protocol, RFC 3826), the pair net-snmp calls {@code -a
 * SHA-256 -x AES}. Passphrases of at least 8 characters, as RFC 3414 requires.
 */
public record SnmpUser(String name, String authPassphrase, String privPassphrase) {
  public SnmpUser {
    Objects.requireNonNull(name, "name");
    if (authPassphrase == null || authPassphrase.length() < 8) {
      throw new IllegalArgumentException("auth passphrase must have at least 8 characters");
    }
    if (privPassphrase == null || privPassphrase.length() < 8) {
      throw new IllegalArgumentException("priv passphrase must have at least 8 characters");
    }
  }

  @Override
  public String toString() {
    return "SnmpUser[" + name + ", SHA-256/AES-128]";
  }
}
