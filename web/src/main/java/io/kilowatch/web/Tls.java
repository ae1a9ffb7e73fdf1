package io.kilowatch.web;

import io.javalin.config.JavalinConfig;
import io.kilowatch.config.WebConfig;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** HTTPS from a PKCS#12 keystore: the only connector when TLS is configured. */
final class Tls {
  private Tls() {}

  /**
   * Replaces the plain connector with a TLS one. Host and port are read when the server starts, so
   * a {@code --port} given on the command line still applies.
   */
  static void configure(
      JavalinConfig cfg, WebConfig.Tls tls, Supplier<String> host, IntSupplier port) {
    cfg.jetty.addConnector(
        (server, http) -> {
          var ssl = new SslContextFactory.Server();
          ssl.setKeyStoreType("PKCS12");
          ssl.setKeyStorePath(tls.keystore().toString());
          ssl.setKeyStorePassword(tls.password());
          ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
          var customizer = new SecureRequestCustomizer();
          // Certificates are often issued for the service name, not for 127.0.0.1.
          customizer.setSniHostCheck(false);
          http.addCustomizer(customizer);
          var connector =
              new ServerConnector(
                  server,
                  new SslConnectionFactory(ssl, "http/1.1"),
                  new HttpConnectionFactory(http));
          connector.setHost(host.get());
          connector.setPort(port.getAsInt());
          return connector;
        });
  }
}
