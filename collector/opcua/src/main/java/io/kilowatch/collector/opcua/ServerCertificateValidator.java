package io.kilowatch.collector.opcua;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultClientCertificateValidator;
import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a server's certificate against the trust list. With trust on first use, a certificate that
 * fails only for being unknown is added to the trust list, but only when no certificate of the same
 * application URI is trusted yet: a server whose certificate later changes is refused, as it would
 * be by someone impersonating it.
 */
final class ServerCertificateValidator implements CertificateValidator {
  private static final Logger log = LoggerFactory.getLogger(ServerCertificateValidator.class);

  private final ClientPki pki;
  private final boolean trustOnFirstUse;
  private final CertificateValidator delegate;
  private volatile String lastRefusal;

  ServerCertificateValidator(ClientPki pki, boolean trustOnFirstUse) {
    this.pki = Objects.requireNonNull(pki, "pki");
    this.trustOnFirstUse = trustOnFirstUse;
    this.delegate = new DefaultClientCertificateValidator(pki.trustList(), pki.rejected());
  }

  /** Why the last certificate was refused, in words; {@code null} if none was. */
  String lastRefusal() {
    return lastRefusal;
  }

  @Override
  public void validateCertificateChain(
      List<X509Certificate> chain, String applicationUri, String... hostNames) throws UaException {
    try {
      delegate.validateCertificateChain(chain, applicationUri, hostNames);
      lastRefusal = null;
      return;
    } catch (UaException e) {
      X509Certificate leaf = chain.isEmpty() ? null : chain.getFirst();
      if (leaf != null && trustOnFirstUse && untrusted(e) && firstOfItsApplication(leaf)) {
        pki.trustList().addTrustedCertificate(leaf);
        log.warn(
            "trusted the OPC UA server certificate {} on first use (trustOnFirstUse); it is now"
                + " in {}",
            leaf.getSubjectX500Principal().getName(),
            pki.trustedDir());
        try {
          delegate.validateCertificateChain(chain, applicationUri, hostNames);
          lastRefusal = null;
          return;
        } catch (UaException again) {
          e = again;
        }
      }
      String why = refusal(leaf, e);
      lastRefusal = why;
      throw new UaException(e.getStatusCode().getValue(), why, e);
    }
  }

  private static boolean untrusted(UaException e) {
    long s = e.getStatusCode().value();
    return s == StatusCodes.Bad_CertificateUntrusted || s == StatusCodes.Bad_SecurityChecksFailed;
  }

  private boolean firstOfItsApplication(X509Certificate leaf) {
    var uri = CertificateUtil.getSanUri(leaf);
    if (uri.isEmpty()) {
      return pki.trustList().getTrustedCertificates().isEmpty();
    }
    return pki.trustList().getTrustedCertificates().stream()
        .noneMatch(c -> CertificateUtil.getSanUri(c).equals(uri));
  }

  private String refusal(X509Certificate leaf, UaException e) {
    String subject = leaf == null ? "(none)" : leaf.getSubjectX500Principal().getName();
    String thumbprint = leaf == null ? "?" : ClientPki.thumbprint(leaf);
    if (untrusted(e)) {
      return "server certificate '"
          + subject
          + "' (SHA-1 "
          + thumbprint
          + ") is not trusted: check it and move "
          + (leaf == null ? pki.rejectedDir() : pki.rejectedFile(leaf))
          + " to "
          + pki.trustedDir()
          + (trustOnFirstUse
              ? " (trustOnFirstUse does not replace a certificate already trusted for this"
                  + " server)"
              : ", or set trustOnFirstUse: true");
    }
    return "server certificate '" + subject + "' was refused: " + OpcUaErrors.describe(e);
  }
}
