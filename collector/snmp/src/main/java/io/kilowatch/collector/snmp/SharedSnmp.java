package io.kilowatch.collector.snmp;

import io.kilowatch.config.Source;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.Snmp;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv2c;
import org.snmp4j.mp.MPv3;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.OctetString;
import org.snmp4j.transport.DefaultUdpTransportMapping;
import org.snmp4j.util.DefaultPDUFactory;

/**
 * One snmp4j {@link Snmp} (one UDP socket, one listener thread, one timer thread) shared by every
 * device of a credential group: all v2c devices form one group, and v3 devices one group per (user,
 * protocols, keys). A session per device cost two platform threads per device; shared, 2,000 PDUs
 * cost two. v3 groups stay apart by credentials because a USM holds one user per name for agents it
 * has not localized keys for: two devices with the same user name and different keys must never
 * share a key table. snmp4j matches answers to requests by request id, so devices of a group need
 * nothing else of their own. Reference counted: the last session to leave closes it.
 */
final class SharedSnmp {
  /** What separates groups; the keys are part of it, so it never prints them. */
  private record Key(
      Source.SnmpVersion version,
      String user,
      Source.SnmpAuth auth,
      String authKey,
      Source.SnmpPriv priv,
      String privKey) {
    @Override
    public String toString() {
      return version + (user == null ? "" : " user " + user);
    }
  }

  /**
   * Receive buffer asked of the kernel (it caps it at net.core.rmem_max): thousands of agents
   * answer on one socket, and what overflows the buffer is lost as a timeout.
   */
  private static final int RECEIVE_BUFFER_BYTES = 4 << 20;

  private static final Map<Key, SharedSnmp> OPEN = new HashMap<>();

  private final Key key;
  final Snmp snmp;

  /** The group's USM; null for v2c. */
  final USM usm;

  private int sessions;

  private SharedSnmp(Key key, Source.Snmp source) throws IOException {
    this.key = key;
    var transport = new DefaultUdpTransportMapping();
    transport.setReceiveBufferSize(RECEIVE_BUFFER_BYTES);
    var dispatcher = new MessageDispatcherImpl();
    dispatcher.addMessageProcessingModel(new MPv2c());
    if (source.version() == Source.SnmpVersion.V3) {
      byte[] localEngine = MPv3.createLocalEngineID();
      usm = new USM(SecurityProtocols.getInstance(), new OctetString(localEngine), 0);
      var models = new SecurityModels();
      models.addSecurityModel(usm);
      dispatcher.addMessageProcessingModel(
          new MPv3(
              localEngine,
              new DefaultPDUFactory(),
              SecurityProtocols.getInstance(),
              models,
              CounterSupport.getInstance()));
      usm.addUser(
          new OctetString(source.user()),
          new UsmUser(
              new OctetString(source.user()),
              SnmpSession.authOid(source.authProtocol()),
              source.authKey() == null ? null : new OctetString(source.authKey()),
              SnmpSession.privOid(source.privProtocol()),
              source.privKey() == null ? null : new OctetString(source.privKey())));
    } else {
      usm = null;
    }
    snmp = new Snmp(dispatcher, transport);
    snmp.listen();
  }

  /** The group of a device's source, opened if it is the first. */
  static SharedSnmp acquire(Source.Snmp source) throws IOException {
    Key key =
        source.version() == Source.SnmpVersion.V3
            ? new Key(
                source.version(),
                source.user(),
                source.authProtocol(),
                source.authKey(),
                source.privProtocol(),
                source.privKey())
            : new Key(source.version(), null, null, null, null, null);
    synchronized (OPEN) {
      SharedSnmp shared = OPEN.get(key);
      if (shared == null) {
        shared = new SharedSnmp(key, source);
        OPEN.put(key, shared);
      }
      shared.sessions++;
      return shared;
    }
  }

  /** A session leaves the group; the last one closes its socket and threads. */
  void release() {
    synchronized (OPEN) {
      if (--sessions > 0) {
        return;
      }
      OPEN.remove(key, this);
    }
    try {
      snmp.close();
    } catch (IOException | RuntimeException e) {
      // Closing a UDP socket has nothing to report.
    }
  }

  /** Groups open now (for tests). */
  static int open() {
    synchronized (OPEN) {
      return OPEN.size();
    }
  }
}
