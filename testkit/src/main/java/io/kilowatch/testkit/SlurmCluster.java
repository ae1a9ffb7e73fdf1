package io.kilowatch.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real single-node Slurm (Debian's 22.05: {@code munged}, {@code slurmctld}, {@code slurmd},
 * {@code slurmrestd}) started as child processes, with every file under a temporary directory and
 * every port free at start, so several can run beside each other and beside a site's own Slurm.
 * Must run as root (slurmd starts jobs as their users; {@code sbatch --uid} is root's).
 *
 * <p>The node declares {@code Gres=gpu:N}. Slurm 22.05's gres/gpu plugin drops GPUs that have no
 * {@code File=} ("Removing file-less GPU gpu:(null) from final GRES list"; the node then goes INVAL
 * with "gres/gpu count reported lower than configured"), so gres.conf names N device files:
 * symbolic links to {@code /dev/null} in the temporary directory, which pass its character-device
 * check and give each GPU an index, so jobs show {@code gpu:2(IDX:0-1)}. No device cgroup is set up
 * ({@code TaskPlugin=task/none}), so nothing is ever opened through them.
 *
 * <p>slurmrestd refuses to run as root; it is started as root with {@code -u nobody} (it drops to
 * that user after binding) and authenticates requests by JWT ({@code AuthAltTypes=auth/jwt}, an
 * HS256 key in the state directory, tokens from {@code scontrol token}).
 *
 * <p>With accounting ({@link #startWithAccounting}) it also runs a MariaDB of its own (a data
 * directory made by {@code mariadb-install-db} in the temporary directory, its own socket and port)
 * and {@code slurmdbd} storing into it, so {@code sacct} and {@code sacctmgr} work: in 22.05 {@code
 * sacct --json} answers nothing without slurmdbd. The cluster is registered with {@code sacctmgr}
 * before slurmctld starts, and {@link #addAccount} adds the accounts jobs are charged to.
 */
public final class SlurmCluster implements AutoCloseable {
  private static final Duration START_WAIT = Duration.ofSeconds(30);
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);
  private static final Duration COMMAND_WAIT = Duration.ofSeconds(30);

  /** The REST API version Debian's 22.05 serves and the tests read. */
  public static final String API_VERSION = "v0.0.38";

  private final Path dir;
  private final String cluster;
  private final String node;
  private final int gpus;
  private final int restPort;
  private final boolean accounting;
  private final int dbdPort;
  private final List<Process> daemons = new ArrayList<>();

  private SlurmCluster(
      Path dir, String cluster, String node, int gpus, int restPort, boolean accounting) {
    this.dir = dir;
    this.cluster = cluster;
    this.node = node;
    this.gpus = gpus;
    this.restPort = restPort;
    this.accounting = accounting;
    this.dbdPort = accounting ? freePort() : 0;
  }

  /**
   * Starts munged, slurmctld, one slurmd with {@code gpus} GPUs, and slurmrestd; returns once the
   * node is idle and slurmrestd accepts connections.
   */
  public static SlurmCluster start(String node, int gpus) {
    return start(node, gpus, false);
  }

  /**
   * As {@link #start}, with MariaDB and slurmdbd started first and slurm.conf storing accounting
   * through slurmdbd ({@code AccountingStorageTRES=gres/gpu}), so {@code sacct} answers.
   */
  public static SlurmCluster startWithAccounting(String node, int gpus) {
    return start(node, gpus, true);
  }

  private static SlurmCluster start(String node, int gpus, boolean accounting) {
    Path dir;
    try {
      dir = Files.createTempDirectory("kilowatch-slurm");
      // munged checks that every directory above its socket can be searched by all users, and
      // slurmrestd runs as nobody and must read slurm.conf.
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String cluster = "kw" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL);
    var c = new SlurmCluster(dir, cluster, node, gpus, freePort(), accounting);
    try {
      c.startAll();
      return c;
    } catch (RuntimeException | Error e) {
      c.close();
      throw e;
    }
  }

  private void startAll() {
    try {
      for (String d : List.of("etc", "key", "run", "state", "spool", "log", "dev")) {
        Files.createDirectories(dir.resolve(d));
      }
      Files.setPosixFilePermissions(
          dir.resolve("key"), PosixFilePermissions.fromString("rwx------"));
      byte[] munge = new byte[1024];
      new SecureRandom().nextBytes(munge);
      Path mungeKey = dir.resolve("key/munge.key");
      Files.write(mungeKey, munge);
      Files.setPosixFilePermissions(mungeKey, PosixFilePermissions.fromString("r--------"));
      byte[] jwt = new byte[32];
      new SecureRandom().nextBytes(jwt);
      Path jwtKey = dir.resolve("state/jwt.key");
      Files.write(jwtKey, jwt);
      Files.setPosixFilePermissions(jwtKey, PosixFilePermissions.fromString("rw-------"));
      for (int i = 0; i < gpus; i++) {
        Files.createSymbolicLink(dir.resolve("dev/nvidia" + i), Path.of("/dev/null"));
      }
      Files.writeString(dir.resolve("etc/slurm.conf"), slurmConf(freePort(), freePort()));
      Files.writeString(
          dir.resolve("etc/gres.conf"),
          "Name=gpu File=" + dir.resolve("dev") + "/nvidia[0-" + (gpus - 1) + "]\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }

    Path socket = dir.resolve("run/munge.socket");
    daemon(
        "munged",
        sbin("munged"),
        "-F",
        "--socket=" + socket,
        "--key-file=" + dir.resolve("key/munge.key"),
        "--pid-file=" + dir.resolve("run/munged.pid"),
        "--log-file=" + dir.resolve("log/munged.log"),
        "--seed-file=" + dir.resolve("key/munged.seed"));
    await("munged socket", () -> Files.exists(socket));
    if (accounting) {
      startAccounting();
    }

    daemon("slurmctld", sbin("slurmctld"), "-D", "-i");
    await("slurmctld answering scontrol ping", () -> quiet("scontrol", "ping").contains("UP"));

    daemon("slurmd", sbin("slurmd"), "-D", "-N", node);
    await(
        "node " + node + " idle",
        () -> quiet("sinfo", "-h", "-N", "-n", node, "-o", "%t").strip().equals("idle"));

    // slurmrestd takes SLURM_JWT=daemon to mean: authenticate each request by its own token.
    daemon(
        "slurmrestd",
        Map.of("SLURM_JWT", "daemon"),
        sbin("slurmrestd"),
        "-u",
        "nobody",
        "-a",
        "rest_auth/jwt",
        "-s",
        "openapi/" + API_VERSION,
        "127.0.0.1:" + restPort);
    await("slurmrestd accepting connections", this::restListening);
  }

  /**
   * MariaDB in {@code db/} (root over its socket only; user {@code slurm} from 127.0.0.1 without a
   * password, made by {@code --init-file}), then slurmdbd, then the cluster registered.
   */
  private void startAccounting() {
    int dbPort = freePort();
    Path mysqlSocket = dir.resolve("run/mysqld.sock");
    try {
      Files.writeString(
          dir.resolve("etc/init.sql"),
          """
          CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1';
          GRANT ALL ON *.* TO 'slurm'@'127.0.0.1';
          """);
      // slurmdbd refuses a slurmdbd.conf that others can read or that SlurmUser does not own
      // (SlurmUser is root here, as is the file).
      Path dbdConf = dir.resolve("etc/slurmdbd.conf");
      Files.writeString(dbdConf, slurmdbdConf(dbPort));
      Files.setPosixFilePermissions(dbdConf, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run(
        "mariadb-install-db",
        "--no-defaults",
        "--datadir=" + dir.resolve("db"),
        "--user=root",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        "--skip-name-resolve");
    daemon(
        "mariadbd",
        sbin("mariadbd"),
        "--no-defaults",
        "--datadir=" + dir.resolve("db"),
        "--socket=" + mysqlSocket,
        "--port=" + dbPort,
        "--bind-address=127.0.0.1",
        "--user=root",
        "--pid-file=" + dir.resolve("run/mariadbd.pid"),
        "--skip-name-resolve",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=32M",
        "--init-file=" + dir.resolve("etc/init.sql"));
    await("mariadbd accepting connections", () -> listening(dbPort));
    daemon("slurmdbd", sbin("slurmdbd"), "-D");
    await("slurmdbd accepting connections", () -> listening(dbdPort));
    run("sacctmgr", "-i", "add", "cluster", cluster);
  }

  private String slurmdbdConf(int dbPort) {
    return """
        AuthType=auth/munge
        AuthInfo=socket=%1$s/run/munge.socket
        DbdHost=%2$s
        DbdAddr=127.0.0.1
        DbdPort=%3$d
        SlurmUser=root
        LogFile=%1$s/log/slurmdbd.log
        PidFile=%1$s/run/slurmdbd.pid
        StorageType=accounting_storage/mysql
        StorageHost=127.0.0.1
        StoragePort=%4$d
        StorageUser=slurm
        StorageLoc=slurm_acct
        DebugLevel=info
        """
        .formatted(dir, hostname(), dbdPort, dbPort);
  }

  /**
   * Adds {@code account} to the accounting database with {@code users} in it (an association each),
   * for {@code sbatch --account}. Only with accounting.
   */
  public void addAccount(String account, String... users) {
    if (!accounting) {
      throw new IllegalStateException("started without accounting");
    }
    run("sacctmgr", "-i", "add", "account", account, "cluster=" + cluster);
    for (String user : users) {
      run("sacctmgr", "-i", "add", "user", user, "account=" + account, "cluster=" + cluster);
    }
  }

  /** What slurm.conf says about accounting: none, or slurmdbd on its port. */
  private String accountingConf() {
    if (!accounting) {
      return "AccountingStorageType=accounting_storage/none\n";
    }
    // The client side of the slurmdbd connection takes its munge socket from
    // AccountingStoragePass, not AuthInfo ("Failed to access /run/munge/munge.socket.2" otherwise).
    return """
        AccountingStorageType=accounting_storage/slurmdbd
        AccountingStorageHost=127.0.0.1
        AccountingStoragePort=%d
        AccountingStoragePass=%s/run/munge.socket
        AccountingStorageTRES=gres/gpu
        """
        .formatted(dbdPort, dir);
  }

  private String slurmConf(int ctldPort, int slurmdPort) {
    return """
        ClusterName=%1$s
        SlurmctldHost=%2$s(127.0.0.1)
        SlurmctldPort=%3$d
        SlurmdPort=%4$d
        SlurmUser=root
        SlurmdUser=root
        AuthType=auth/munge
        AuthInfo=socket=%5$s/run/munge.socket
        CredType=cred/munge
        AuthAltTypes=auth/jwt
        AuthAltParameters=jwt_key=%5$s/state/jwt.key
        StateSaveLocation=%5$s/state
        SlurmdSpoolDir=%5$s/spool
        SlurmctldPidFile=%5$s/run/slurmctld.pid
        SlurmdPidFile=%5$s/run/slurmd.pid
        SlurmctldLogFile=%5$s/log/slurmctld.log
        SlurmdLogFile=%5$s/log/slurmd.log
        SlurmctldDebug=info
        SlurmdDebug=info
        ProctrackType=proctrack/linuxproc
        TaskPlugin=task/none
        JobAcctGatherType=jobacct_gather/none
        %8$sJobCompType=jobcomp/none
        SelectType=select/cons_tres
        SelectTypeParameters=CR_Core
        SchedulerType=sched/builtin
        MpiDefault=none
        ReturnToService=2
        SlurmdParameters=config_overrides
        MinJobAge=3600
        GresTypes=gpu
        NodeName=%6$s NodeAddr=127.0.0.1 CPUs=16 RealMemory=1000 Gres=gpu:%7$d State=UNKNOWN
        PartitionName=gpu Nodes=%6$s Default=YES MaxTime=INFINITE State=UP
        """
        .formatted(cluster, hostname(), ctldPort, slurmdPort, dir, node, gpus, accountingConf());
  }

  /** The short host name, as slurmctld compares it with {@code SlurmctldHost}. */
  private static String hostname() {
    try {
      String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      int dot = h.indexOf('.');
      return dot < 0 ? h : h.substring(0, dot);
    } catch (IOException e) {
      try {
        return InetAddress.getLocalHost().getHostName().split("\\.")[0];
      } catch (IOException e2) {
        throw new UncheckedIOException(e2);
      }
    }
  }

  /** The cluster name in slurm.conf (random per start). */
  public String clusterName() {
    return cluster;
  }

  /** The Slurm node name of the one node. */
  public String nodeName() {
    return node;
  }

  /** slurm.conf; Slurm's commands find it through {@code SLURM_CONF}. */
  public Path slurmConf() {
    return dir.resolve("etc/slurm.conf");
  }

  /** Environment a Slurm command needs to talk to this cluster. */
  public Map<String, String> environment() {
    return Map.of("SLURM_CONF", slurmConf().toString());
  }

  /** slurmrestd's base URL, e.g. {@code http://127.0.0.1:PORT}. */
  public URI restUrl() {
    return URI.create("http://127.0.0.1:" + restPort);
  }

  /** A JWT for {@code user} from {@code scontrol token}, for slurmrestd's X-SLURM-USER-TOKEN. */
  public String token(String user, Duration lifespan) {
    String out = run("scontrol", "token", "username=" + user, "lifespan=" + lifespan.toSeconds());
    Matcher m = Pattern.compile("SLURM_JWT=(\\S+)").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("scontrol token answered: " + out);
    }
    return m.group(1);
  }

  /**
   * Submits a batch job as {@code user} (root may submit for anyone) and returns its job id; the
   * job runs in /tmp with its output discarded.
   */
  public long sbatch(String user, String... args) {
    List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable", "--uid=" + user));
    cmd.addAll(List.of("--chdir=/tmp", "--output=/dev/null", "--error=/dev/null"));
    cmd.addAll(List.of(args));
    String out = run(cmd.toArray(String[]::new)).strip();
    // --parsable prints "<id>" or "<id>;<cluster>".
    return Long.parseLong(out.split(";")[0]);
  }

  /** Runs a Slurm client command against this cluster; its standard output, or fails. */
  public String run(String... command) {
    Result r = exec(command);
    if (r.code != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " exited " + r.code + ": " + r.out + r.err);
    }
    return r.out;
  }

  private String quiet(String... command) {
    try {
      Result r = exec(command);
      return r.code == 0 ? r.out : "";
    } catch (RuntimeException e) {
      return "";
    }
  }

  private record Result(int code, String out, String err) {}

  private Result exec(String... command) {
    try {
      Path err = Files.createTempFile(dir.resolve("log"), "cmd", ".err");
      var pb = new ProcessBuilder(command).redirectError(err.toFile());
      pb.environment().putAll(environment());
      Process p = pb.start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(COMMAND_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish");
      }
      String errText = Files.readString(err);
      Files.deleteIfExists(err);
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), errText);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean restListening() {
    return listening(restPort);
  }

  private static boolean listening(int port) {
    try (var s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Kills slurmrestd (SIGKILL) so a client sees the REST daemon gone; {@link #close} still works.
   */
  public void stopRest() {
    for (Process p : daemons) {
      if (p.info().command().orElse("").endsWith("slurmrestd")) {
        p.destroyForcibly();
      }
    }
  }

  private void daemon(String name, String... command) {
    daemon(name, Map.of(), command);
  }

  private void daemon(String name, Map<String, String> env, String... command) {
    try {
      var pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("log/" + name + ".out").toFile());
      pb.environment().putAll(environment());
      pb.environment().putAll(env);
      daemons.add(pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void await(String what, java.util.concurrent.Callable<Boolean> condition) {
    try {
      Awaitility.await(what)
          .atMost(START_WAIT)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                for (Process p : daemons) {
                  if (!p.isAlive()) {
                    throw new IllegalStateException(
                        p.info().command().orElse("a daemon") + " exited: " + logs());
                  }
                }
                return condition.call();
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new IllegalStateException(what + ": not within " + START_WAIT + "; " + logs(), e);
    }
  }

  /** The daemons' logs, for failure messages. */
  public String logs() {
    var s = new StringBuilder();
    try (Stream<Path> files = Files.list(dir.resolve("log"))) {
      for (Path f : files.sorted().toList()) {
        String text = Files.readString(f);
        s.append("\n--- ").append(f.getFileName()).append('\n');
        s.append(text.length() > 4000 ? text.substring(text.length() - 4000) : text);
      }
    } catch (IOException e) {
      s.append("(no logs: ").append(e).append(')');
    }
    return s.toString();
  }

  private static String sbin(String name) {
    return Peer.find(name)
        .or(() -> Stream.of(Path.of("/usr/sbin", name)).filter(Files::isExecutable).findFirst())
        .map(Path::toString)
        .orElse(name);
  }

  private static int freePort() {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Cancels what still runs, stops the daemons (newest first) and deletes the directory. */
  @Override
  public void close() {
    if (!daemons.isEmpty() && daemons.stream().anyMatch(Process::isAlive)) {
      // Jobs' steps outlive slurmd (slurmstepd detaches), so they are cancelled while it runs.
      quiet("scancel", "--partition=gpu");
    }
    for (int i = daemons.size() - 1; i >= 0; i--) {
      Process p = daemons.get(i);
      p.destroy();
      try {
        if (!p.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly().waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    daemons.clear();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp directory left behind is harmless.
    }
  }
}
