package io.kilowatch.testkit.opcua;

import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultApplicationGroup;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateStore;
import org.eclipse.milo.opcua.stack.core.security.MemoryTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.RsaSha256CertificateFactory;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;

/**
 * A secure fake server's self-signed application certificate, made once so that it stays the same
 * across restarts (a test trusts it once). It names 127.0.0.1, localhost and the unresolvable name
 * a fake may advertise.
 */
record ServerCertificate(DefaultApplicationGroup group, X509Certificate certificate) {
  static ServerCertificate create() throws IOException {
    try {
      var group =
          DefaultApplicationGroup.createAndInitialize(
              new MemoryTrustListManager(),
              new MemoryCertificateStore(),
              new RsaSha256CertificateFactory() {
                @Override
                protected X509Certificate[] createRsaSha256CertificateChain(KeyPair keyPair)
                    throws Exception {
                  return new X509Certificate[] {
                    new SelfSignedCertificateBuilder(keyPair)
                        .setCommonName("kilowatch test server")
                        .setApplicationUri(OpcUaFakeServer.SERVER_URI)
                        .addDnsName("localhost")
                        .addDnsName(OpcUaFakeServer.UNRESOLVABLE_HOST)
                        .addIpAddress("127.0.0.1")
                        .build()
                  };
                }
              },
              // The server accepts any client certificate: these fakes test the client side.
              new CertificateValidator.InsecureCertificateValidator());
      X509Certificate cert =
          group.getCertificateChain(NodeIds.RsaSha256ApplicationCertificateType).orElseThrow()[0];
      return new ServerCertificate(group, cert);
    } catch (Exception e) {
      throw new IOException("could not make the OPC UA server's certificate", e);
    }
  }
}
