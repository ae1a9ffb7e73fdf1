package io.kilowatch.collector.opcua;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/** Reads and writes certificates and PKCS#8 private keys as PEM text. */
final class PemFiles {
  private PemFiles() {}

  static X509Certificate readCertificate(Path file) throws IOException {
    try {
      var factory = CertificateFactory.getInstance("X.509");
      // The JDK parses both PEM and DER certificates.
      return (X509Certificate)
          factory.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " is not an X.509 certificate: " + e.getMessage(), e);
    }
  }

  static PrivateKey readPrivateKey(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    if (text.contains("ENCRYPTED PRIVATE KEY") || text.contains("BEGIN RSA PRIVATE KEY")) {
      throw new IOException(
          file
              + " must be an unencrypted PKCS#8 key (BEGIN PRIVATE KEY); convert it with: openssl"
              + " pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8.pem");
    }
    byte[] der = decode(text, "PRIVATE KEY", file);
    var spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IOException(file + " holds neither an RSA nor an EC private key");
  }

  static void writeCertificate(Path file, X509Certificate cert) throws IOException {
    try {
      writeAtomically(file, encode("CERTIFICATE", cert.getEncoded()), false);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encode certificate: " + e.getMessage(), e);
    }
  }

  static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    writeAtomically(file, encode("PRIVATE KEY", key.getEncoded()), true);
  }

  private static byte[] decode(String text, String label, Path file) throws IOException {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new IOException(file + " has no " + begin + " block");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": bad base64 in " + label + " block", e);
    }
  }

  private static String encode(String label, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  /** Written whole or not at all, so a crash never leaves half a key that blocks the next start. */
  private static void writeAtomically(Path file, String text, boolean secret) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    if (secret) {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: rely on the directory's permissions
      }
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
