package io.kilowatch.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;

/**
 * The external programs some tests run against, and how each is found. CI installs all of them
 * ({@code .ci/run}), so there a missing peer fails the test; elsewhere the test is skipped with the
 * reason and the way to install it. Use {@link RequiresPeer} on a class or method, or {@link
 * #require()} where a test checks a peer half-way.
 */
public enum Peer {
  INFLUXD("influxd", "apt-get install influxdb influxdb-client", () -> onPath("influxd")),
  CHROMIUM(
      "chromium",
      "apt-get install chromium",
      () -> Files.isExecutable(Path.of("/usr/bin/chromium"))),
  NODE_OPCUA(
      "node-opcua (Node.js and the package)",
      "apt-get install nodejs npm; npm ci --prefix collector/opcua/src/test/node",
      () ->
          onPath("node")
              && Files.isDirectory(
                  RepoRoot.resolve("collector/opcua/src/test/node/node_modules/node-opcua"))),
  PYTHON3(
      "python3 (/usr/bin/python3)",
      "apt-get install python3",
      () -> runs(Peer.PYTHON, "--version")),
  PYMODBUS(
      "pymodbus (importable by /usr/bin/python3)",
      "apt-get install python3-pymodbus",
      () -> runs(Peer.PYTHON, "-c", "import pymodbus.server")),
  GCC("gcc", "apt-get install gcc", () -> onPath("gcc")),
  PDFTOPPM("pdftoppm", "apt-get install poppler-utils", () -> onPath("pdftoppm")),
  MBPOLL("mbpoll", "apt-get install mbpoll", () -> onPath("mbpoll")),
  PROMTOOL("promtool", "apt-get install prometheus", () -> onPath("promtool")),
  /** Prometheus itself: a Go {@code net/http} server, as dcgm-exporter is. */
  PROMETHEUS("prometheus", "apt-get install prometheus", () -> onPath("prometheus")),
  SNMPD(
      "net-snmp snmpd and tools (snmpget, snmpbulkwalk)",
      "apt-get install snmpd snmp",
      () ->
          Files.isExecutable(find("snmpd").orElse(Path.of("/usr/sbin/snmpd")))
              && onPath("snmpget")
              && onPath("snmpbulkwalk")
              && runs(Peer.PYTHON, "--version")),
  NET_SNMP(
      "net-snmp tools (snmpget, snmpbulkwalk)",
      "apt-get install snmp",
      () -> onPath("snmpbulkwalk")),
  /** Debian's Slurm 22.05 daemons and commands, run as root by {@link SlurmCluster}. */
  SLURM(
      "Slurm (munged, slurmctld, slurmd, slurmrestd, sbatch, squeue, scontrol) run as root",
      "apt-get install slurmctld slurmd slurmrestd munge slurm-client; run the tests as root",
      () ->
          "root".equals(System.getProperty("user.name"))
              && java.util.stream.Stream.of(
                      "munged", "slurmctld", "slurmd", "slurmrestd", "sbatch", "squeue", "scontrol")
                  .allMatch(n -> onPath(n) || Files.isExecutable(Path.of("/usr/sbin", n)))),
  /** {@link #SLURM} with accounting: slurmdbd, sacct and a MariaDB server it stores into. */
  SLURM_ACCOUNTING(
      "Slurm with accounting (SLURM's daemons plus slurmdbd, sacct, sacctmgr, mariadbd,"
          + " mariadb-install-db) run as root",
      "apt-get install slurmctld slurmd slurmrestd munge slurm-client slurmdbd mariadb-server;"
          + " run the tests as root",
      () ->
          SLURM.present()
              && java.util.stream.Stream.of(
                      "slurmdbd", "sacct", "sacctmgr", "mariadbd", "mariadb-install-db")
                  .allMatch(n -> onPath(n) || Files.isExecutable(Path.of("/usr/sbin", n))));

  /** The interpreter the Python peers run under, whatever python3 the PATH has first. */
  public static final String PYTHON = "/usr/bin/python3";

  private static final Map<Peer, Boolean> FOUND = new ConcurrentHashMap<>();

  private final String label;
  private final String install;
  private final Supplier<Boolean> probe;

  Peer(String label, String install, Supplier<Boolean> probe) {
    this.label = label;
    this.install = install;
    this.probe = probe;
  }

  /** Whether this peer is installed here; probed once per JVM. */
  public boolean present() {
    return FOUND.computeIfAbsent(this, p -> p.probe.get());
  }

  /** Why a test needing this peer cannot run here. */
  public String missing() {
    return label + " is not installed (" + install + ")";
  }

  /** Whether the environment variable {@code CI} is set: missing peers are failures there. */
  public static boolean underCi() {
    return System.getenv("CI") != null;
  }

  /** Returns when the peer is present; otherwise skips the current test, or fails it under CI. */
  public void require() {
    if (present()) {
      return;
    }
    if (underCi()) {
      throw new AssertionError(failure(missing()));
    }
    Assumptions.abort(missing());
  }

  static String failure(String reason) {
    return reason + "; CI is set, so this is a failure (.ci/run must install it)";
  }

  /** The executable {@code name} on the PATH, if any. */
  public static Optional<Path> find(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin");
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static boolean onPath(String name) {
    return find(name).isPresent();
  }

  private static boolean runs(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
