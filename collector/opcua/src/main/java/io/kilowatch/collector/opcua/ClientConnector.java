package io.kilowatch.collector.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import io.kilowatch.config.OpcUaOptions;
import io.kilowatch.config.Source;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.eclipse.milo.opcua.sdk.client.DiscoveryClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClientConfig;
import org.eclipse.milo.opcua.sdk.client.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.identity.IdentityProvider;
import org.eclipse.milo.opcua.sdk.client.identity.UsernameProvider;
import org.eclipse.milo.opcua.sdk.client.identity.X509IdentityProvider;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;
import org.eclipse.milo.opcua.stack.core.util.EndpointUtil;
import org.eclipse.milo.opcua.stack.transport.client.tcp.OpcTcpClientTransport;
import org.eclipse.milo.opcua.stack.transport.client.tcp.OpcTcpClientTransportConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a session as a device's source asks: picks the endpoint with the configured security policy
 * and mode, logs in anonymously, by user name or by X.509 certificate, and turns the usual failures
 * (wrong password, untrusted certificate, no such endpoint) into plain messages.
 */
final class ClientConnector {
  private static final Logger log = LoggerFactory.getLogger(ClientConnector.class);
  private static final String NO_PKI_APPLICATION_URI = "urn:kilowatch:collector";

  /**
   * The session timeout asked of the server (Milo's default, made explicit): a request within it
   * keeps the session open.
   */
  static final long SESSION_TIMEOUT_MS = 120_000;

  static {
    // Aes256_Sha256_RsaPss signs with SHA256withRSA/PSS, which only Bouncy Castle provides.
    if (java.security.Security.getProvider("BC") == null) {
      java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
    }
  }

  private final Source.OpcUa source;
  private final OpcUaOptions options;
  private final Path pkiDir;
  private final Path configDir;
  private final long timeoutMs;
  private final long keepAliveMs;
  private final long pollIntervalMs;

  /**
   * A polling session's keep-alive learned from a server that granted less than asked; 0 if none.
   */
  private volatile long learnedKeepAliveMs;

  /**
   * @param pkiDir where the application certificate and trust list live (absolute or relative to
   *     the working directory)
   * @param configDir the configuration file's directory, for relative user certificate paths
   * @param timeoutMs bound on each request and on each step of connecting
   * @param keepAliveMs how long a keep-alive may take before the session counts as lost
   * @param pollIntervalMs how often the device is polled (its interval)
   */
  ClientConnector(
      Source.OpcUa source,
      Path pkiDir,
      Path configDir,
      long timeoutMs,
      long keepAliveMs,
      long pollIntervalMs) {
    this.source = source;
    this.options = source.options();
    this.pkiDir = pkiDir;
    this.configDir = configDir;
    this.timeoutMs = timeoutMs;
    this.keepAliveMs = keepAliveMs;
    this.pollIntervalMs = pollIntervalMs;
  }

  static SecurityPolicy policyOf(Source.SecurityPolicy p) {
    return switch (p == null ? Source.SecurityPolicy.NONE : p) {
      case NONE -> SecurityPolicy.None;
      case BASIC256SHA256 -> SecurityPolicy.Basic256Sha256;
      case AES128_SHA256_RSAOAEP -> SecurityPolicy.Aes128_Sha256_RsaOaep;
      case AES256_SHA256_RSAPSS -> SecurityPolicy.Aes256_Sha256_RsaPss;
    };
  }

  MessageSecurityMode modeOf() {
    OpcUaOptions.SecurityMode m = options.securityMode();
    if (m == null) {
      return policyOf(source.securityPolicy()) == SecurityPolicy.None
          ? MessageSecurityMode.None
          : MessageSecurityMode.SignAndEncrypt;
    }
    return switch (m) {
      case NONE -> MessageSecurityMode.None;
      case SIGN -> MessageSecurityMode.Sign;
      case SIGN_AND_ENCRYPT -> MessageSecurityMode.SignAndEncrypt;
    };
  }

  /** Whether this source needs kilowatch's own certificate (signing, encrypting, X.509 login). */
  boolean needsPki() {
    return policyOf(source.securityPolicy()) != SecurityPolicy.None
        || options.userCertificate() != null;
  }

  /**
   * How often Milo reads the server's state to keep a session alive. Milo sends it on its own
   * timer, whatever else goes over the session.
   *
   * <p>Subscribing, the keep-alive is how a dead server is noticed between publishes: within about
   * two of them (1 to 5 s). Polling, every poll's Read does that (a failed Read drops the session
   * and the next poll opens one) and renews the session on the server, so the keep-alive only has
   * to span gaps between polls: at half the session timeout, first the one asked for, then what a
   * server that granted less taught (see {@link #keepAliveAfterGrant}).
   */
  private long keepAliveIntervalMs() {
    if (options.mode() != OpcUaOptions.Mode.POLL) {
      return Math.max(1000, Math.min(5000, keepAliveMs));
    }
    long learned = learnedKeepAliveMs;
    return learned > 0 ? learned : SESSION_TIMEOUT_MS / 2;
  }

  /**
   * The keep-alive a polling session needs once the server granted its timeout: {@code askedMs}
   * when that is often enough, or when polls at most half the granted timeout apart renew the
   * session themselves; else half of the granted timeout.
   */
  static long keepAliveAfterGrant(long askedMs, long grantedMs, long pollIntervalMs) {
    long half = Math.max(500, grantedMs / 2);
    return askedMs <= half || pollIntervalMs <= half ? askedMs : half;
  }

  /** A connected client; the caller disconnects it. */
  OpcUaClient connect() throws IOException, InterruptedException {
    long asked = keepAliveIntervalMs();
    OpcUaClient client = connect(asked);
    if (options.mode() != OpcUaOptions.Mode.POLL) {
      return client;
    }
    long granted = grantedSessionTimeoutMs(client);
    long needed = keepAliveAfterGrant(asked, granted, pollIntervalMs);
    if (needed == asked) {
      return client;
    }
    // The server granted a shorter session than asked for, which polls this far apart would let
    // expire. Milo fixes the keep-alive per client: a client with one often enough, and every
    // later connect of this device starts with it.
    learnedKeepAliveMs = needed;
    log.info(
        "{} granted a session timeout of {} ms; polls every {} ms need keep-alives every {} ms",
        source.endpoint(),
        granted,
        pollIntervalMs,
        needed);
    await(client.disconnectAsync());
    return connect(needed);
  }

  /** The session timeout the server granted, or the one asked for when it is not known. */
  private static long grantedSessionTimeoutMs(OpcUaClient client) {
    // Active once connectAsync completed; never wait for a session being opened again.
    org.eclipse.milo.opcua.sdk.client.OpcUaSession session;
    try {
      session = client.getSessionAsync().getNow(null);
    } catch (java.util.concurrent.CompletionException
        | java.util.concurrent.CancellationException e) {
      session = null;
    }
    Double granted = session == null ? null : session.getSessionTimeout();
    return granted == null || !(granted > 0) ? SESSION_TIMEOUT_MS : granted.longValue();
  }

  private OpcUaClient connect(long keepAliveIntervalMs) throws IOException, InterruptedException {
    String url = source.endpoint().toString();
    SecurityPolicy policy = policyOf(source.securityPolicy());
    MessageSecurityMode mode = modeOf();
    EndpointDescription endpoint = endpoint(url, policy, mode);

    ClientPki pki = needsPki() ? ClientPki.open(pkiDir) : null;
    ServerCertificateValidator validator =
        pki == null ? null : new ServerCertificateValidator(pki, options.trustOnFirstUse());
    var builder =
        OpcUaClientConfig.builder()
            .setApplicationName(LocalizedText.english("kilowatch collector"))
            .setApplicationUri(pki == null ? NO_PKI_APPLICATION_URI : pki.applicationUri())
            .setProductUri("urn:kilowatch")
            .setEndpoint(endpoint)
            .setIdentityProvider(identity(validator))
            .setRequestTimeout(uint(timeoutMs))
            .setSessionTimeout(uint(SESSION_TIMEOUT_MS))
            .setKeepAliveInterval(uint(keepAliveIntervalMs))
            .setKeepAliveTimeout(uint(Math.max(500, keepAliveMs)))
            .setKeepAliveFailuresAllowed(uint(1));
    if (pki != null) {
      builder
          .setKeyPair(pki.keyPair())
          .setCertificate(pki.certificate())
          .setCertificateChain(new java.security.cert.X509Certificate[] {pki.certificate()})
          .setCertificateValidator(validator);
    }
    if (validator != null && policy != SecurityPolicy.None) {
      // Checked before any secure channel opens: a refused certificate is then one clear failure,
      // not an exception thrown inside Milo's channel handler and logged there with its stack.
      checkServerCertificate(url, endpoint, validator);
    }
    var transport =
        new SessionClosingTransport(
            new OpcTcpClientTransport(
                OpcTcpClientTransportConfig.newBuilder()
                    .setConnectTimeout(uint(timeoutMs))
                    .build()),
            timeoutMs);
    OpcUaClient client;
    try {
      client = new OpcUaClient(builder.build(), transport);
    } catch (RuntimeException e) {
      throw new IOException("cannot configure a client for " + url + ": " + e.getMessage(), e);
    }
    var connecting = client.connectAsync();
    try {
      connecting.get(timeoutMs, TimeUnit.MILLISECONDS);
      return client;
    } catch (InterruptedException e) {
      connecting.cancel(true);
      transport.abandon();
      client.disconnectAsync();
      throw e;
    } catch (ExecutionException | TimeoutException e) {
      connecting.cancel(true);
      // Close what the server holds for us before leaving: each session left behind counts
      // against the server's session limit until it times out.
      await(transport.abandon());
      await(client.disconnectAsync());
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IOException(sessionFailure(url, cause, validator, pki), cause);
    }
  }

  /** Waits for a clean-up step, at most the request timeout; its failure changes nothing. */
  private void await(java.util.concurrent.CompletableFuture<?> step) throws InterruptedException {
    try {
      step.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // The server times the session out and the channel is dropped either way.
    }
  }

  private static void checkServerCertificate(
      String url, EndpointDescription endpoint, ServerCertificateValidator validator)
      throws IOException {
    List<java.security.cert.X509Certificate> chain;
    try {
      chain = CertificateUtil.decodeCertificates(endpoint.getServerCertificate().bytesOrEmpty());
    } catch (UaException e) {
      throw new IOException(
          "cannot open a session on " + url + ": its certificate does not decode", e);
    }
    if (chain.isEmpty()) {
      throw new IOException(
          "cannot open a session on " + url + ": its endpoint offers no certificate");
    }
    try {
      validator.validateCertificateChain(
          chain,
          endpoint.getServer().getApplicationUri(),
          EndpointUtil.getHost(endpoint.getEndpointUrl()));
    } catch (UaException e) {
      String why = validator.lastRefusal() != null ? validator.lastRefusal() : e.getMessage();
      throw new IOException("cannot open a session on " + url + ": " + why, e);
    }
  }

  private String sessionFailure(
      String url, Throwable cause, ServerCertificateValidator validator, ClientPki pki) {
    String prefix = "cannot open a session on " + url + ": ";
    if (validator != null && validator.lastRefusal() != null) {
      return prefix + validator.lastRefusal();
    }
    if (OpcUaErrors.is(cause, StatusCodes.Bad_UserAccessDenied)
        || OpcUaErrors.is(cause, StatusCodes.Bad_IdentityTokenRejected)
        || OpcUaErrors.is(cause, StatusCodes.Bad_IdentityTokenInvalid)) {
      String who =
          options.userCertificate() != null
              ? "the user certificate " + options.userCertificate()
              : source.username() != null ? "user '" + source.username() + "'" : "anonymous login";
      return prefix
          + "the server refused "
          + who
          + " ("
          + OpcUaErrors.statusName(OpcUaErrors.statusOf(cause))
          + "): check the username and password (or certificate)";
    }
    if (pki != null
        && (OpcUaErrors.is(cause, StatusCodes.Bad_SecurityChecksFailed)
            || OpcUaErrors.is(cause, StatusCodes.Bad_CertificateUntrusted))) {
      return prefix
          + "the server refused kilowatch's certificate ("
          + OpcUaErrors.describe(cause)
          + "): trust "
          + pki.dir().resolve("own").resolve("certificate.pem")
          + " on the server";
    }
    return prefix + OpcUaErrors.describe(cause);
  }

  private EndpointDescription endpoint(String url, SecurityPolicy policy, MessageSecurityMode mode)
      throws IOException, InterruptedException {
    List<EndpointDescription> endpoints;
    var discovering = DiscoveryClient.getEndpoints(url, t -> t.setConnectTimeout(uint(timeoutMs)));
    try {
      endpoints = discovering.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      discovering.cancel(true);
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IOException("cannot reach " + url + ": " + OpcUaErrors.describe(cause), e);
    }
    EndpointDescription chosen =
        endpoints.stream()
            .filter(e -> policy.getUri().equals(e.getSecurityPolicyUri()))
            .filter(e -> e.getSecurityMode() == mode)
            .filter(e -> e.getEndpointUrl() != null && e.getEndpointUrl().startsWith("opc.tcp"))
            .findFirst()
            .orElseThrow(
                () ->
                    new IOException(
                        url
                            + " offers no endpoint with security policy "
                            + yaml(source.securityPolicy())
                            + " and mode "
                            + modeName(mode)
                            + "; it offers: "
                            + endpoints.stream()
                                .map(
                                    e ->
                                        policyName(e.getSecurityPolicyUri())
                                            + "/"
                                            + modeName(e.getSecurityMode()))
                                .distinct()
                                .collect(Collectors.joining(", "))));
    // Servers often advertise a host name only they can resolve: keep the one we were given.
    URI configured = source.endpoint();
    return EndpointUtil.updateUrl(
        chosen, configured.getHost(), configured.getPort() > 0 ? configured.getPort() : 4840);
  }

  private IdentityProvider identity(ServerCertificateValidator validator) throws IOException {
    if (options.userCertificate() != null) {
      Path cert = resolve(options.userCertificate());
      Path key = resolve(options.userPrivateKey());
      return new X509IdentityProvider(PemFiles.readCertificate(cert), PemFiles.readPrivateKey(key));
    }
    if (source.username() == null || source.username().isBlank()) {
      return AnonymousProvider.INSTANCE;
    }
    String password = source.password() == null ? "" : source.password();
    return validator == null
        ? new UsernameProvider(source.username(), password)
        : new UsernameProvider(source.username(), password, validator);
  }

  private Path resolve(Path p) {
    return p.isAbsolute() || configDir == null ? p : configDir.resolve(p);
  }

  private static String yaml(Source.SecurityPolicy p) {
    return (p == null ? Source.SecurityPolicy.NONE : p)
        .name()
        .toLowerCase(Locale.ROOT)
        .replace('_', '-');
  }

  private static String policyName(String uri) {
    return SecurityPolicy.fromUriSafe(uri)
        .map(p -> p.name().toLowerCase(Locale.ROOT).replace('_', '-'))
        .orElse(uri);
  }

  private static String modeName(MessageSecurityMode m) {
    return switch (m) {
      case None -> "none";
      case Sign -> "sign";
      case SignAndEncrypt -> "sign-and-encrypt";
      default -> String.valueOf(m);
    };
  }
}
