package io.kilowatch.collector.snmp;

import io.kilowatch.config.Source;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.snmp4j.AbstractTarget;
import org.snmp4j.CommunityTarget;
import org.snmp4j.PDU;
import org.snmp4j.SNMP4JSettings;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.UserTarget;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.event.ResponseListener;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.security.AuthHMAC128SHA224;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthHMAC256SHA384;
import org.snmp4j.security.AuthHMAC384SHA512;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.PrivAES256;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.smi.Address;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;

/**
 * One device's SNMP endpoint: its target (address, community or v3 user, tries) on a {@link
 * SharedSnmp}, the UDP socket and snmp4j threads its credential group shares. Requests wait for
 * their answer; each waits at most what is left of the poll, split between its tries.
 */
final class SnmpSession implements AutoCloseable {
  private static final HexFormat HEX = HexFormat.of();

  static {
    SecurityProtocols p = SecurityProtocols.getInstance();
    p.addAuthenticationProtocol(new AuthHMAC128SHA224());
    p.addAuthenticationProtocol(new AuthHMAC192SHA256());
    p.addAuthenticationProtocol(new AuthHMAC256SHA384());
    p.addAuthenticationProtocol(new AuthHMAC384SHA512());
    p.addPrivacyProtocol(new PrivAES128());
    p.addPrivacyProtocol(new PrivAES256());
    // An agent cannot authenticate the report that says a request's digest was wrong (it lacks
    // the key), so it sends it at noAuthNoPriv, as RFC 3412 §7.2.11 allows; snmp4j's standard
    // strategy drops such reports, which would turn "wrong authKey" into a bare timeout. A spoofed
    // report can only fail a request, which dropping the answer would do as well.
    SNMP4JSettings.setReportSecurityLevelStrategy(
        SNMP4JSettings.ReportSecurityLevelStrategy.noAuthNoPrivIfNeeded);
  }

  private final Source.Snmp source;
  private final String where;
  private final SharedSnmp shared;
  private final Snmp snmp;
  private final AbstractTarget<UdpAddress> target;
  private final USM usm;
  private final OctetString pinnedEngine;

  /** This device's requests in flight, each with what cancels it in the shared snmp4j session. */
  private final Map<CompletableFuture<ResponseEvent<?>>, Runnable> pending =
      new ConcurrentHashMap<>();

  private final AtomicBoolean closed = new AtomicBoolean();
  private boolean engineKnown;

  SnmpSession(Source.Snmp source) throws IOException {
    this.source = source;
    this.where = source.host() + ":" + source.port();
    UdpAddress address = new UdpAddress(InetAddress.getByName(source.host()), source.port());
    if (source.version() == Source.SnmpVersion.V3) {
      var user = new UserTarget<UdpAddress>();
      user.setSecurityName(new OctetString(source.user()));
      user.setSecurityLevel(
          source.authProtocol() == null
              ? SecurityLevel.NOAUTH_NOPRIV
              : source.privProtocol() == null
                  ? SecurityLevel.AUTH_NOPRIV
                  : SecurityLevel.AUTH_PRIV);
      user.setVersion(SnmpConstants.version3);
      pinnedEngine =
          source.engineId() == null
              ? null
              : new OctetString(HEX.parseHex(source.engineId().toLowerCase(Locale.ROOT)));
      if (pinnedEngine != null) {
        user.setAuthoritativeEngineID(pinnedEngine.getValue());
      }
      target = user;
    } else {
      pinnedEngine = null;
      var community = new CommunityTarget<UdpAddress>();
      community.setCommunity(new OctetString(source.community()));
      community.setVersion(SnmpConstants.version2c);
      target = community;
    }
    target.setAddress(address);
    target.setRetries(source.retries());
    this.shared = SharedSnmp.acquire(source);
    this.snmp = shared.snmp;
    this.usm = shared.usm;
  }

  SharedSnmp shared() {
    return shared;
  }

  /** A new PDU of the version's kind. */
  PDU pdu(int type) {
    PDU pdu = source.version() == Source.SnmpVersion.V3 ? new ScopedPDU() : new PDU();
    pdu.setType(type);
    return pdu;
  }

  /**
   * Sends a request and waits for its answer until {@code deadlineNanos}, the time split between
   * the first try and its retries. A v3 report that the agent refused the credentials, or a silence
   * that only the credentials explain, is an {@link SnmpAuthException}; any other silence an {@link
   * SnmpTimeoutException}.
   */
  PDU send(PDU request, long deadlineNanos) throws IOException {
    for (int attempt = 0; ; attempt++) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new SnmpTimeoutException("no time left for a request to " + where);
      }
      long perTry = Math.max(1, left / 1_000_000 / (source.retries() + 1));
      target.setTimeout(perTry);
      if (usm != null && !engineKnown) {
        discover(perTry);
      }
      ResponseEvent<?> event = exchange(request, perTry * (source.retries() + 1));
      PDU response = event == null ? null : event.getResponse();
      if (response == null) {
        if (event != null && event.getError() != null) {
          throw new IOException(
              "request to " + where + " failed: " + event.getError().getMessage(),
              event.getError());
        }
        engineKnown = false;
        throw silence(perTry);
      }
      if (response.getType() != PDU.REPORT) {
        return response;
      }
      OID report = response.size() == 0 ? new OID() : response.get(0).getOid().trim(); // without .0
      if (attempt == 0 && isReport(report, SnmpConstants.usmStatsNotInTimeWindows)) {
        // The agent rebooted (its engine boots or time went back): its report carries the new
        // values, which snmp4j has taken; forget the old ones and try once more.
        if (usm != null && event.getResponse() != null) {
          byte[] engine = target instanceof UserTarget<?> u ? u.getAuthoritativeEngineID() : null;
          if (engine != null) {
            usm.removeEngineTime(new OctetString(engine));
          }
        }
        continue;
      }
      throw reported(report, response.get(0));
    }
  }

  /**
   * Learns the agent's engine ID before the first v3 request. snmp4j would learn it from the first
   * request's report and resend, but the resend keeps the first send's timer, and localizing a
   * SHA-512 key can take most of it; discovered first, the request has its whole share.
   */
  private void discover(long timeoutMs) throws IOException {
    byte[] engine;
    try {
      engine = snmp.discoverAuthoritativeEngineID(target.getAddress(), timeoutMs);
    } catch (RuntimeException e) {
      engine = null;
    }
    if (engine == null || engine.length == 0) {
      throw new SnmpTimeoutException(
          "no answer from " + where + " to SNMPv3 engine discovery within " + timeoutMs + " ms");
    }
    String agentEngine = HEX.formatHex(engine);
    if (pinnedEngine != null
        && !agentEngine.equalsIgnoreCase(HEX.formatHex(pinnedEngine.getValue()))) {
      throw wrongEngine(agentEngine);
    }
    engineKnown = true;
  }

  /**
   * Sends asynchronously and waits for snmp4j's answer or timeout event. Not snmp4j's synchronous
   * send: closing the session does not wake that one, and the scheduler closes a collector to abort
   * a poll that hangs.
   */
  private ResponseEvent<?> exchange(PDU request, long totalMs) throws IOException {
    var answer = new CompletableFuture<ResponseEvent<?>>();
    var listener =
        new ResponseListener() {
          @Override
          public <A extends Address> void onResponse(ResponseEvent<A> event) {
            ((Snmp) event.getSource()).cancel(event.getRequest(), this);
            answer.complete(event);
          }
        };
    pending.put(answer, () -> snmp.cancel(request, listener));
    try {
      if (closed.get()) {
        throw new IOException("session to " + where + " is closed");
      }
      snmp.send(request, target, null, listener);
      // snmp4j's own timeout answers with no response; the margin only guards against its timer.
      return answer.get(totalMs + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for " + where, e);
    } finally {
      pending.remove(answer);
    }
  }

  private static boolean isReport(OID report, OID stat) {
    return report.equals(stat.trim()) || report.equals(stat);
  }

  private IOException reported(OID report, VariableBinding vb) {
    String user = "user '" + source.user() + "'";
    String count = " (" + vb + ")";
    if (isReport(report, SnmpConstants.usmStatsWrongDigests)) {
      return new SnmpAuthException(
          SnmpAuthException.Failure.WRONG_DIGEST,
          "agent "
              + where
              + " rejected "
              + user
              + ": wrong digest, the authKey or authProtocol ("
              + name(source.authProtocol())
              + ") is not the agent's"
              + count);
    }
    if (isReport(report, SnmpConstants.usmStatsUnknownUserNames)) {
      return new SnmpAuthException(
          SnmpAuthException.Failure.UNKNOWN_USER,
          "agent " + where + " has no " + user + ": unknown user name" + count);
    }
    if (isReport(report, SnmpConstants.usmStatsUnknownEngineIDs)) {
      return new SnmpAuthException(
          SnmpAuthException.Failure.WRONG_ENGINE,
          "agent "
              + where
              + " rejected "
              + user
              + ": wrong engine, the request was for engine "
              + engineShown()
              + ", not the agent's"
              + count);
    }
    if (isReport(report, SnmpConstants.usmStatsDecryptionErrors)) {
      return new SnmpAuthException(
          SnmpAuthException.Failure.DECRYPTION,
          "agent "
              + where
              + " could not decrypt "
              + user
              + "'s request: the privKey or privProtocol ("
              + name(source.privProtocol())
              + ") is not the agent's"
              + count);
    }
    if (isReport(report, SnmpConstants.usmStatsUnsupportedSecLevels)) {
      return new SnmpAuthException(
          SnmpAuthException.Failure.UNSUPPORTED_SECURITY_LEVEL,
          "agent "
              + where
              + " does not accept "
              + user
              + " at this security level (auth "
              + name(source.authProtocol())
              + ", priv "
              + name(source.privProtocol())
              + ")"
              + count);
    }
    if (isReport(report, SnmpConstants.usmStatsNotInTimeWindows)) {
      return new IOException(
          "agent " + where + " keeps answering 'not in time window' for " + user + count);
    }
    return new IOException("agent " + where + " sent a report: " + vb);
  }

  /**
   * Why a request went unanswered. v2c: the agent is silent (or the community is wrong, which an
   * agent does not answer either). v3: if the agent answers an engine discovery, it is alive and
   * dropped the request because of the credentials: a pinned engineId that is not the agent's, or
   * (an agent that cannot decrypt a request drops it) the privacy key.
   */
  private IOException silence(long perTryMs) {
    String waited =
        "no answer from "
            + where
            + " within "
            + Duration.ofMillis(perTryMs * (source.retries() + 1)).toMillis()
            + " ms ("
            + (source.retries() + 1)
            + " tries)";
    if (source.version() == Source.SnmpVersion.V2C) {
      return new SnmpTimeoutException(waited);
    }
    byte[] engine;
    try {
      engine = snmp.discoverAuthoritativeEngineID(target.getAddress(), Math.max(50, perTryMs));
    } catch (RuntimeException e) {
      engine = null;
    }
    if (engine == null || engine.length == 0) {
      return new SnmpTimeoutException(waited);
    }
    String agentEngine = HEX.formatHex(engine);
    if (pinnedEngine != null
        && !agentEngine.equalsIgnoreCase(HEX.formatHex(pinnedEngine.getValue()))) {
      return wrongEngine(agentEngine);
    }
    if (source.privProtocol() != null) {
      return new SnmpAuthException(
          SnmpAuthException.Failure.DECRYPTION,
          "agent "
              + where
              + " (engine "
              + agentEngine
              + ") answers discovery but dropped user '"
              + source.user()
              + "''s encrypted requests: wrong privKey or privProtocol ("
              + name(source.privProtocol())
              + ")");
    }
    return new SnmpTimeoutException(waited + " (engine " + agentEngine + " answers discovery)");
  }

  private SnmpAuthException wrongEngine(String agentEngine) {
    return new SnmpAuthException(
        SnmpAuthException.Failure.WRONG_ENGINE,
        "agent "
            + where
            + " ignored user '"
            + source.user()
            + "': wrong engine, its engine ID is "
            + agentEngine
            + " but engineId is "
            + HEX.formatHex(pinnedEngine.getValue())
            + " (keys are localized to the engine ID)");
  }

  private String engineShown() {
    if (pinnedEngine != null) {
      return HEX.formatHex(pinnedEngine.getValue());
    }
    byte[] e = target instanceof UserTarget<?> u ? u.getAuthoritativeEngineID() : null;
    return e == null || e.length == 0 ? "(discovered)" : HEX.formatHex(e);
  }

  private static String name(Enum<?> e) {
    return e == null ? "none" : e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static OID authOid(Source.SnmpAuth auth) {
    if (auth == null) {
      return null;
    }
    return switch (auth) {
      case SHA_224 -> AuthHMAC128SHA224.ID;
      case SHA_256 -> AuthHMAC192SHA256.ID;
      case SHA_384 -> AuthHMAC256SHA384.ID;
      case SHA_512 -> AuthHMAC384SHA512.ID;
    };
  }

  static OID privOid(Source.SnmpPriv priv) {
    if (priv == null) {
      return null;
    }
    return switch (priv) {
      case AES_128 -> PrivAES128.ID;
      case AES_256 -> PrivAES256.ID;
    };
  }

  /**
   * Cancels this device's requests (only its own: the snmp4j session is shared) and leaves the
   * group. A waiting poll wakes with an IOException.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    pending.forEach(
        (answer, cancel) -> {
          cancel.run();
          answer.completeExceptionally(new IOException("session to " + where + " was closed"));
        });
    shared.release();
  }

  /** The agent did not answer in time. */
  static final class SnmpTimeoutException extends IOException {
    SnmpTimeoutException(String message) {
      super(message);
    }
  }
}
