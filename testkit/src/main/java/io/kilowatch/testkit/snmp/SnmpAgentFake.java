package io.kilowatch.testkit.snmp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.snmp4j.CommandResponder;
import org.snmp4j.CommandResponderEvent;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.MessageException;
import org.snmp4j.PDU;
import org.snmp4j.TransportStateReference;
import org.snmp4j.mp.MPv2c;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.MessageProcessingModel;
import org.snmp4j.mp.StatusInformation;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.Address;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.AbstractTransportMapping;

/**
 * Simulated SNMP agents, each on its own loopback UDP port, all served by one NIO selector thread:
 * SNMP4J decodes, authenticates and encodes (v2c communities, v3 USM with SHA-256 and AES-128), and
 * this class answers GET, GETNEXT and GETBULK from each agent's {@link SnmpMib} as RFC 3416 says,
 * reading every value at the request. One thread for any number of agents: the SNMP bench runs
 * 2,000 of them, where SNMP4J's own UDP transport would cost a listening thread per port.
 *
 * <p>Every agent shares one engine ID; a manager keys USM state by address and engine ID together,
 * so that is harmless here and saves 2,000 discoveries' worth of distinct keys.
 */
public final class SnmpAgentFake implements AutoCloseable {
  /** BER overhead of a response PDU around its variable bindings, generously rounded up. */
  private static final int PDU_OVERHEAD = 64;

  private final Selector selector = Selector.open();
  private final List<Agent> agents = new ArrayList<>();
  private final List<SnmpMib> mibs;
  private final SnmpAccess access;
  private final MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
  private final AtomicLongArray answers;
  private final AtomicIntegerArray silent;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;

  private SnmpAgentFake(int count, IntFunction<SnmpMib> mib, SnmpAccess access) throws IOException {
    if (count < 1) {
      throw new IllegalArgumentException("at least one agent: " + count);
    }
    this.access = Objects.requireNonNull(access, "access");
    List<SnmpMib> built = new ArrayList<>(count);
    for (int a = 0; a < count; a++) {
      built.add(Objects.requireNonNull(mib.apply(a), "mib of agent " + a));
    }
    this.mibs = List.copyOf(built);
    this.answers = new AtomicLongArray(count);
    this.silent = new AtomicIntegerArray(count);
    dispatcher.addMessageProcessingModel(new MPv2c());
    if (!access.users().isEmpty()) {
      dispatcher.addMessageProcessingModel(new MPv3(usm(access.users())));
    }
    dispatcher.addCommandResponder(new Responder());
    try {
      for (int a = 0; a < count; a++) {
        var ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        ch.configureBlocking(false);
        agents.add(new Agent(a, ch, (InetSocketAddress) ch.getLocalAddress()));
        ch.register(selector, SelectionKey.OP_READ, agents.get(a));
        agents.get(a).addTransportListener(dispatcher);
      }
    } catch (IOException e) {
      closeChannels();
      throw e;
    }
    thread = Thread.ofPlatform().name("snmp-fake").daemon().start(this::loop);
  }

  /**
   * {@code count} agents, agent {@code a} serving {@code mib.apply(a)}, readable per {@code
   * access}.
   */
  public static SnmpAgentFake start(int count, IntFunction<SnmpMib> mib, SnmpAccess access)
      throws IOException {
    return new SnmpAgentFake(count, mib, access);
  }

  /** One agent. */
  public static SnmpAgentFake start(SnmpMib mib, SnmpAccess access) throws IOException {
    return new SnmpAgentFake(1, a -> mib, access);
  }

  private static USM usm(List<SnmpUser> users) {
    var protocols = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.none);
    protocols.addAuthenticationProtocol(new AuthHMAC192SHA256());
    protocols.addPrivacyProtocol(new PrivAES128());
    var engineId = new OctetString(MPv3.createLocalEngineID(new OctetString("kilowatch-fake")));
    var usm = new USM(protocols, engineId, 0);
    for (SnmpUser u : users) {
      var name = new OctetString(u.name());
      usm.addUser(
          name,
          new UsmUser(
              name,
              AuthHMAC192SHA256.ID,
              new OctetString(u.authPassphrase()),
              PrivAES128.ID,
              new OctetString(u.privPassphrase())));
    }
    return usm;
  }

  /** The first agent's port. */
  public int port() {
    return port(0);
  }

  public int port(int agent) {
    return agents.get(agent).listen.getPort();
  }

  public List<Integer> ports() {
    return agents.stream().map(a -> a.listen.getPort()).toList();
  }

  public int agents() {
    return agents.size();
  }

  public SnmpMib mib(int agent) {
    return mibs.get(agent);
  }

  /** Responses sent by {@code agent} so far (GET, GETNEXT, GETBULK alike). */
  public long answers(int agent) {
    return answers.get(agent);
  }

  /** Responses sent so far, all agents together. */
  public long answers() {
    long sum = 0;
    for (int a = 0; a < answers.length(); a++) {
      sum += answers.get(a);
    }
    return sum;
  }

  /** Datagrams received so far, all agents together, whatever became of them. */
  public long requests() {
    return requests.get();
  }

  /** Requests dropped for a wrong community or too low a v3 security level. */
  public long refused() {
    return refused.get();
  }

  /** Fault: {@code agent} drops every request until {@link #answer} (a manager times out). */
  public void silence(int agent) {
    silent.set(agent, 1);
  }

  /** Ends {@link #silence}. */
  public void answer(int agent) {
    silent.set(agent, 0);
  }

  /** The selector thread, for measuring the fake's own CPU apart from the manager's. */
  public long threadId() {
    return thread.threadId();
  }

  private void loop() {
    ByteBuffer in = ByteBuffer.allocate(65_536);
    try {
      while (running) {
        selector.select(500);
        var it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          var agent = (Agent) key.attachment();
          try {
            agent.drain(in);
          } catch (IOException | RuntimeException e) {
            // One bad datagram or closed port must not stop the other agents.
          }
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      // closed
    }
  }

  /** One agent's port: SNMP4J's transport interface over a channel the selector thread reads. */
  private final class Agent extends AbstractTransportMapping<UdpAddress> {
    final int index;
    final DatagramChannel channel;
    final UdpAddress listen;

    Agent(int index, DatagramChannel channel, InetSocketAddress local) {
      this.index = index;
      this.channel = channel;
      this.listen = new UdpAddress(local.getAddress(), local.getPort());
    }

    void drain(ByteBuffer in) throws IOException {
      while (true) {
        in.clear();
        var from = (InetSocketAddress) channel.receive(in);
        if (from == null) {
          return;
        }
        requests.incrementAndGet();
        in.flip();
        var message = ByteBuffer.allocate(in.remaining()).put(in).flip();
        var peer = new UdpAddress(from.getAddress(), from.getPort());
        fireProcessMessage(
            peer,
            message,
            new TransportStateReference(
                this, peer, null, SecurityLevel.undefined, SecurityLevel.undefined, false, null));
      }
    }

    @Override
    public Class<? extends Address> getSupportedAddressClass() {
      return UdpAddress.class;
    }

    @Override
    public UdpAddress getListenAddress() {
      return listen;
    }

    @Override
    public void sendMessage(
        UdpAddress address,
        byte[] message,
        TransportStateReference state,
        long timeoutMillis,
        int maxRetries)
        throws IOException {
      // A datagram this small always fits the socket buffer; a full buffer drops it, as UDP may.
      channel.send(
          ByteBuffer.wrap(message),
          new InetSocketAddress(address.getInetAddress(), address.getPort()));
    }

    @Override
    public void listen() {
      // The fake's selector thread reads every agent's channel.
    }

    @Override
    public boolean isListening() {
      return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** Answers what SNMP4J has decoded and authenticated, on the selector thread. */
  private final class Responder implements CommandResponder {
    @Override
    public <A extends Address> void processPdu(CommandResponderEvent<A> event) {
      event.setProcessed(true);
      var agent = (Agent) event.getTransportMapping();
      if (!permitted(event)) {
        refused.incrementAndGet();
        return;
      }
      if (silent.get(agent.index) != 0) {
        return;
      }
      PDU response = respond(mibs.get(agent.index), event.getPDU(), event.getMaxSizeResponsePDU());
      try {
        event
            .getMessageDispatcher()
            .returnResponsePdu(
                event.getMessageProcessingModel(),
                event.getSecurityModel(),
                event.getSecurityName(),
                event.getSecurityLevel(),
                response,
                event.getMaxSizeResponsePDU(),
                event.getStateReference(),
                new StatusInformation());
        answers.incrementAndGet(agent.index);
      } catch (MessageException e) {
        // Unencodable for this manager: it sees a timeout, as from a real agent.
      }
    }

    private <A extends Address> boolean permitted(CommandResponderEvent<A> event) {
      return switch (event.getMessageProcessingModel()) {
        case MessageProcessingModel.MPv2c ->
            access
                .community()
                .map(
                    c ->
                        MessageDigest.isEqual(
                            c.getBytes(StandardCharsets.UTF_8), event.getSecurityName()))
                .orElse(false);
        // USM has checked the user and both keys; the fake serves authPriv only.
        case MessageProcessingModel.MPv3 -> event.getSecurityLevel() == SecurityLevel.AUTH_PRIV;
        default -> false;
      };
    }
  }

  /** The response to {@code request} from {@code mib}, per RFC 3416 section 4.2. */
  static PDU respond(SnmpMib mib, PDU request, int maxSize) {
    PDU response = (PDU) request.clone();
    response.setType(PDU.RESPONSE);
    List<? extends VariableBinding> asked = request.getVariableBindings();
    List<VariableBinding> out = new ArrayList<>();
    try {
      mib.beforeRequest();
      switch (request.getType()) {
        case PDU.GET -> {
          for (VariableBinding vb : asked) {
            out.add(get(mib, vb.getOid()));
          }
        }
        case PDU.GETNEXT -> {
          for (VariableBinding vb : asked) {
            out.add(next(mib, vb.getOid()));
          }
        }
        case PDU.GETBULK -> {
          return bulk(mib, request, response, maxSize);
        }
        default -> {
          // A read-only agent: SET and anything else is refused at the first binding.
          response.setErrorStatus(PDU.notWritable);
          response.setErrorIndex(1);
          return response;
        }
      }
    } catch (RuntimeException e) {
      // A supplier failed: genErr at the binding being read (RFC 3416 4.2.1).
      response.setErrorStatus(PDU.genErr);
      response.setErrorIndex(out.size() + 1);
      return response;
    }
    response.setErrorStatus(PDU.noError);
    response.setErrorIndex(0);
    if (berLength(out) + PDU_OVERHEAD > maxSize) {
      response.setErrorStatus(PDU.tooBig);
      return response;
    }
    response.setVariableBindings(out);
    return response;
  }

  private static VariableBinding get(SnmpMib mib, OID oid) {
    Variable v = mib.value(oid);
    if (v != null) {
      return new VariableBinding(oid, v);
    }
    return new VariableBinding(
        oid, mib.objectTypeKnown(oid) ? Null.noSuchInstance : Null.noSuchObject);
  }

  private static VariableBinding next(SnmpMib mib, OID oid) {
    Map.Entry<OID, Supplier<? extends Variable>> e = mib.next(oid);
    return e == null
        ? new VariableBinding(oid, Null.endOfMibView)
        : new VariableBinding(e.getKey(), e.getValue().get());
  }

  /**
   * GETBULK: the first N bindings once (N = non-repeaters, clamped to the request), then up to M
   * rows (M = max-repetitions) of GETNEXT over the other R, each row following on from the last;
   * rows stop early once every repeater is past the end, and whole bindings are dropped from the
   * end rather than exceed the manager's size (RFC 3416 4.2.3).
   */
  private static PDU bulk(SnmpMib mib, PDU request, PDU response, int maxSize) {
    List<? extends VariableBinding> asked = request.getVariableBindings();
    int n = Math.clamp(request.getNonRepeaters(), 0, asked.size());
    int m = Math.max(0, request.getMaxRepetitions());
    List<VariableBinding> out = new ArrayList<>();
    int size = PDU_OVERHEAD;
    for (int i = 0; i < n; i++) {
      VariableBinding vb = next(mib, asked.get(i).getOid());
      size += vb.getBERLength();
      out.add(vb);
    }
    response.setErrorStatus(PDU.noError);
    response.setErrorIndex(0);
    if (size > maxSize) {
      response.setErrorStatus(PDU.tooBig);
      return response;
    }
    List<OID> cursors = new ArrayList<>();
    for (int i = n; i < asked.size(); i++) {
      cursors.add(asked.get(i).getOid());
    }
    rows:
    for (int r = 0; r < m && !cursors.isEmpty(); r++) {
      boolean allEnded = true;
      for (int j = 0; j < cursors.size(); j++) {
        VariableBinding vb = next(mib, cursors.get(j));
        size += vb.getBERLength();
        if (size > maxSize) {
          break rows;
        }
        out.add(vb);
        cursors.set(j, vb.getOid());
        allEnded &= vb.getSyntax() == Null.endOfMibView.getSyntax();
      }
      if (allEnded) {
        break;
      }
    }
    response.setVariableBindings(out);
    return response;
  }

  private static int berLength(List<VariableBinding> vbs) {
    int sum = 0;
    for (VariableBinding vb : vbs) {
      sum += vb.getBERLength();
    }
    return sum;
  }

  private void closeChannels() {
    for (Agent a : agents) {
      try {
        a.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() throws IOException {
    running = false;
    selector.wakeup();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeChannels();
    selector.close();
  }
}
