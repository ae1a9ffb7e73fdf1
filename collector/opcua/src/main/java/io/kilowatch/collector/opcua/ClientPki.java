package io.kilowatch.collector.opcua;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Period;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.milo.opcua.stack.core.security.CertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.FileBasedTrustListManager;
import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kilowatch's OPC UA application instance certificate and the list of server certificates it
 * trusts, kept in one directory:
 *
 * <pre>
 * own/certificate.pem   kilowatch's certificate (give it to the server's administrator)
 * own/private-key.pem   its key, readable by the owner only
 * trusted/certs/        server certificates kilowatch trusts (DER or PEM)
 * issuer/certs/         CA certificates that issued server certificates
 * rejected/             server certificates that were refused, as {@code <SHA-1 thumbprint>.der},
 *                       to move to trusted/certs
 * </pre>
 *
 * The certificate is generated on first use and reused afterwards: servers trust it once, so it
 * must not change at every start. One instance per directory is shared by every device.
 */
final class ClientPki {
  private static final Logger log = LoggerFactory.getLogger(ClientPki.class);
  private static final Map<Path, ClientPki> OPEN = new ConcurrentHashMap<>();

  private final Path dir;
  private final KeyPair keyPair;
  private final X509Certificate certificate;
  private final String applicationUri;
  private final FileBasedTrustListManager trustList;
  private final CertificateQuarantine rejected;

  private ClientPki(
      Path dir,
      KeyPair keyPair,
      X509Certificate certificate,
      String applicationUri,
      FileBasedTrustListManager trustList,
      CertificateQuarantine rejected) {
    this.dir = dir;
    this.keyPair = keyPair;
    this.certificate = certificate;
    this.applicationUri = applicationUri;
    this.trustList = trustList;
    this.rejected = rejected;
  }

  /** The PKI in {@code dir}, created (certificate included) if it does not exist yet. */
  static ClientPki open(Path dir) throws IOException {
    Path key = dir.toAbsolutePath().normalize();
    try {
      return OPEN.computeIfAbsent(
          key,
          d -> {
            try {
              return load(d);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Reads (or creates) the PKI in {@code dir} afresh, as a new process would. */
  static ClientPki load(Path dir) throws IOException {
    Path certFile = dir.resolve("own").resolve("certificate.pem");
    Path keyFile = dir.resolve("own").resolve("private-key.pem");
    KeyPair keyPair;
    X509Certificate cert;
    if (Files.exists(certFile) && Files.exists(keyFile)) {
      cert = PemFiles.readCertificate(certFile);
      keyPair = new KeyPair(cert.getPublicKey(), PemFiles.readPrivateKey(keyFile));
    } else {
      String host = hostName();
      String uri = "urn:kilowatch:collector:" + host;
      try {
        keyPair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
        cert =
            new SelfSignedCertificateBuilder(keyPair)
                .setCommonName("kilowatch collector")
                .setOrganization("kilowatch")
                .setApplicationUri(uri)
                .addDnsName(host)
                .setValidityPeriod(Period.ofYears(5))
                .build();
      } catch (Exception e) {
        throw new IOException("cannot generate the OPC UA application certificate", e);
      }
      // Key first: a certificate without its key would be loaded next time and fail.
      PemFiles.writePrivateKey(keyFile, keyPair.getPrivate());
      PemFiles.writeCertificate(certFile, cert);
      log.info("created the OPC UA application certificate {} ({})", certFile, uri);
    }
    String uri =
        CertificateUtil.getSanUri(cert)
            .orElseThrow(() -> new IOException(certFile + " has no application URI (SAN URI)"));
    var trustList = FileBasedTrustListManager.createAndInitialize(dir);
    var rejected = new ThumbprintQuarantine(dir.resolve("rejected"));
    return new ClientPki(dir, keyPair, cert, uri, trustList, rejected);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      return "localhost";
    }
  }

  Path dir() {
    return dir;
  }

  KeyPair keyPair() {
    return keyPair;
  }

  X509Certificate certificate() {
    return certificate;
  }

  String applicationUri() {
    return applicationUri;
  }

  FileBasedTrustListManager trustList() {
    return trustList;
  }

  CertificateQuarantine rejected() {
    return rejected;
  }

  Path trustedDir() {
    return dir.resolve("trusted").resolve("certs");
  }

  Path rejectedDir() {
    return dir.resolve("rejected");
  }

  /**
   * The SHA-1 thumbprint of a certificate in lower-case hex, as messages and file names give it.
   */
  static String thumbprint(X509Certificate certificate) {
    try {
      return java.util.HexFormat.of()
          .formatHex(CertificateUtil.thumbprint(certificate).bytesOrEmpty());
    } catch (org.eclipse.milo.opcua.stack.core.UaException e) {
      return "unknown";
    }
  }

  /** The file a refused certificate is kept in. */
  Path rejectedFile(X509Certificate certificate) {
    return rejectedDir().resolve(thumbprint(certificate) + ".der");
  }

  /**
   * Refused certificates as {@code rejected/<thumbprint>.der}. Milo's own quarantine names the file
   * by a hash of the signature, which matches nothing an operator is shown; this name is the
   * thumbprint the refusal message quotes, so the file to move is the one the message names.
   */
  private static final class ThumbprintQuarantine implements CertificateQuarantine {
    private final Path dir;

    ThumbprintQuarantine(Path dir) throws IOException {
      this.dir = dir;
      Files.createDirectories(dir);
    }

    @Override
    public java.util.List<X509Certificate> getRejectedCertificates() {
      try (var files = Files.list(dir)) {
        return files
            .filter(f -> f.getFileName().toString().endsWith(".der"))
            .flatMap(
                f -> {
                  try {
                    return java.util.stream.Stream.of(
                        CertificateUtil.decodeCertificate(Files.readAllBytes(f)));
                  } catch (IOException | org.eclipse.milo.opcua.stack.core.UaException e) {
                    return java.util.stream.Stream.empty();
                  }
                })
            .toList();
      } catch (IOException e) {
        return java.util.List.of();
      }
    }

    @Override
    public void addRejectedCertificate(X509Certificate certificate) {
      Path file = dir.resolve(thumbprint(certificate) + ".der");
      try {
        Files.createDirectories(dir);
        Files.write(file, certificate.getEncoded());
      } catch (IOException | java.security.cert.CertificateEncodingException e) {
        log.warn("cannot keep the refused server certificate in {}: {}", file, e.toString());
      }
    }

    @Override
    public void removeRejectedCertificate(X509Certificate certificate) {
      try {
        Files.deleteIfExists(dir.resolve(thumbprint(certificate) + ".der"));
      } catch (IOException e) {
        log.debug("cannot remove {} from {}", thumbprint(certificate), dir, e);
      }
    }
  }
}
