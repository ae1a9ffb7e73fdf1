package io.kilowatch.testkit.snmp;

import io.kilowatch.testkit.Peer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real net-snmp {@code snmpd} (Debian's {@code snmpd} package) on a free UDP port of 127.0.0.1,
 * its configuration and persistent state (engine boots, USM users) under a temporary directory. The
 * values it serves come from a file that a {@code pass_persist} responder reads again whenever the
 * test replaces it, so a test changes readings between polls with {@link #values}. Only the
 * subtrees of the served OIDs are in the agent's view, so a GET elsewhere is noSuchObject, a
 * missing instance under them noSuchInstance, and a walk past the last one endOfMibView.
 *
 * <p>v3 users are {@code createUser} lines in the configuration (what {@code
 * net-snmp-create-v3-user} writes, without its refusal to run while any other snmpd on the machine
 * runs), localized by snmpd to its engine ID {@code engineID} on start.
 */
public final class SnmpdPeer implements AutoCloseable {
  private static final Duration START_WAIT = Duration.ofSeconds(20);
  private static final HexFormat HEX = HexFormat.of();

  /** One value as pass_persist spells its type. */
  public record Value(String type, String text) {
    public static Value integer(long v) {
      return new Value("integer", Long.toString(v));
    }

    public static Value gauge(long v) {
      return new Value("gauge", Long.toUnsignedString(v));
    }

    public static Value counter32(long v) {
      return new Value("counter", Long.toUnsignedString(v));
    }

    /** An unsigned 64-bit counter (Counter64). */
    public static Value counter64(long unsigned) {
      return new Value("counter64", Long.toUnsignedString(unsigned));
    }

    public static Value string(String s) {
      return new Value("string", s);
    }
  }

  /** A USM user: auth SHA-224/256/384/512, priv AES or AES-256 (snmpd's names). */
  public record User(String name, String auth, String authKey, String priv, String privKey) {}

  private final Path dir;
  private final int port;
  private final String community;
  private final List<User> users;
  private final String engineIdText;
  private final List<String> roots;
  private Process process;

  private SnmpdPeer(
      Path dir,
      int port,
      String community,
      List<User> users,
      String engineIdText,
      List<String> roots) {
    this.dir = dir;
    this.port = port;
    this.community = community;
    this.users = users;
    this.engineIdText = engineIdText;
    this.roots = roots;
  }

  /** Whether snmpd and the net-snmp tools are installed. */
  public static boolean present() {
    return Files.isExecutable(snmpd()) && Peer.find("snmpget").isPresent();
  }

  private static Path snmpd() {
    return Peer.find("snmpd").orElse(Path.of("/usr/sbin/snmpd"));
  }

  /**
   * Starts an agent serving {@code values} (OID → value) to v2c {@code community} and the {@code
   * users}, with engine ID {@code engineID engineIdText}, and waits until it answers.
   */
  public static SnmpdPeer start(
      Map<String, Value> values, String community, List<User> users, String engineIdText) {
    try {
      var roots = new TreeSet<String>();
      values.keySet().forEach(oid -> roots.add(root(oid)));
      var peer =
          new SnmpdPeer(
              Files.createTempDirectory("kilowatch-snmpd"),
              freeUdpPort(),
              community,
              List.copyOf(users),
              engineIdText,
              List.copyOf(roots));
      peer.values(values);
      peer.start();
      return peer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The subtree an OID is served under: its first seven arcs (1.3.6.1.4.1.VENDOR, a mib-2 MIB). */
  static String root(String oid) {
    String[] arcs = oid.replaceFirst("^\\.", "").split("\\.");
    return String.join(".", java.util.Arrays.copyOf(arcs, Math.min(7, arcs.length)));
  }

  private static int freeUdpPort() throws IOException {
    try (var s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  /** The agent's engine ID in hex: net-snmp's text format, 80001f88 04 then the text. */
  public String engineIdHex() {
    return "80001f8804" + HEX.formatHex(engineIdText.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Replaces every value the agent serves; the responder reads the file again on its next request.
   */
  public synchronized void values(Map<String, Value> values) {
    var text = new StringBuilder();
    new LinkedHashMap<>(values)
        .forEach(
            (oid, v) ->
                text.append(oid.replaceFirst("^\\.", ""))
                    .append(' ')
                    .append(v.type())
                    .append(' ')
                    .append(v.text())
                    .append('\n'));
    try {
      Path tmp = dir.resolve("values.tmp");
      Files.writeString(tmp, text);
      Files.move(tmp, dir.resolve("values"), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** (Re)starts the agent on the same port, configuration and persistent state. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    try {
      Path script = dir.resolve("pass_persist.py");
      try (InputStream in = SnmpdPeer.class.getResourceAsStream("pass_persist.py")) {
        Files.copy(
            Objects.requireNonNull(in, "pass_persist.py"),
            script,
            StandardCopyOption.REPLACE_EXISTING);
      }
      Files.createDirectories(dir.resolve("persist"));
      Files.writeString(dir.resolve("snmpd.conf"), config(script));
      Path log = dir.resolve("snmpd.log");
      Files.deleteIfExists(log);
      var pb =
          new ProcessBuilder(
                  snmpd().toString(), "-f", "-Lo", "-C", "-c", dir.resolve("snmpd.conf").toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      quiet(pb.environment());
      pb.environment().put("SNMP_PERSISTENT_DIR", dir.resolve("persist").toString());
      process = pb.start();
      Awaitility.await("snmpd on udp 127.0.0.1:" + port)
          .atMost(START_WAIT)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> answers() || !process.isAlive());
      if (!process.isAlive()) {
        throw new IllegalStateException("snmpd exited: " + Files.readString(log));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String config(Path script) {
    var c = new StringBuilder();
    c.append("agentaddress udp:127.0.0.1:").append(port).append('\n');
    c.append("engineID ").append(engineIdText).append('\n');
    for (String root : roots) {
      c.append("view kw included .").append(root).append('\n');
    }
    if (community != null) {
      c.append("rocommunity ").append(community).append(" 127.0.0.1 -V kw\n");
    }
    for (User u : users) {
      c.append("createUser ").append(u.name());
      if (u.auth() != null) {
        c.append(' ').append(u.auth()).append(' ').append(u.authKey());
        if (u.priv() != null) {
          c.append(' ').append(u.priv()).append(' ').append(u.privKey());
        }
      }
      c.append('\n');
      c.append("rouser ")
          .append(u.name())
          .append(u.auth() == null ? " noauth" : u.priv() == null ? " auth" : " priv")
          .append(" -V kw\n");
    }
    for (String root : roots) {
      c.append("pass_persist .")
          .append(root)
          .append(' ')
          .append(Peer.PYTHON)
          .append(' ')
          .append(script)
          .append(' ')
          .append(dir.resolve("values"))
          .append(' ')
          .append(root)
          .append('\n');
    }
    return c.toString();
  }

  /**
   * Whether the agent answers a v2c or v3 discovery probe (snmpget of a served root's sysUpTime).
   */
  private boolean answers() {
    try {
      String log = Files.readString(dir.resolve("snmpd.log"));
      return log.contains("NET-SNMP version");
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops the agent (SIGTERM: it saves engine boots and users to its persistent state). */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /**
   * Forgets the persistent state (engine boots back to 1, as after a factory reset or a firmware
   * update that wipes it); takes effect at the next {@link #start()}.
   */
  public synchronized void wipePersistentState() {
    try (Stream<Path> files = Files.walk(dir.resolve("persist"))) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the agent's process without ending it (SIGSTOP): requests go unanswered. */
  public void freeze() {
    signal("-STOP");
  }

  /** Lets a frozen agent run again (SIGCONT). */
  public void thaw() {
    signal("-CONT");
  }

  private synchronized void signal(String which) {
    try {
      new ProcessBuilder("kill", which, Long.toString(process.pid()))
          .start()
          .waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The agent's log (stdout and stderr). */
  public String log() {
    try {
      return Files.readString(dir.resolve("snmpd.log"));
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Runs a net-snmp command-line tool ({@code snmpget}, {@code snmpbulkwalk}...) against this
   * agent: {@code args} before the address, then the OIDs; numeric OIDs, no MIBs loaded. Returns
   * stdout; a failure (exit status not 0) is an exception with stderr.
   */
  public String tool(String tool, List<String> args, String... oids) {
    var command = new ArrayList<String>();
    command.add(tool);
    command.addAll(List.of("-On", "-m", ""));
    command.addAll(args);
    command.add("127.0.0.1:" + port);
    command.addAll(List.of(oids));
    try {
      var pb = new ProcessBuilder(command);
      quiet(pb.environment());
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed: " + new String(err, StandardCharsets.UTF_8));
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The v2c arguments for {@link #tool}. */
  public List<String> v2c() {
    return List.of("-v2c", "-c", community);
  }

  /** No MIB files: numeric OIDs only, and none of the noise of Debian's partial MIB set. */
  private static void quiet(Map<String, String> env) {
    env.put("MIBS", "");
    env.put("MIBDIRS", "/nonexistent");
  }

  @Override
  public void close() {
    if (process != null && !process.isAlive()) {
      process = null;
    }
    if (process != null) {
      thaw();
    }
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }
}
