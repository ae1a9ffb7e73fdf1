package io.kilowatch.testkit;

import io.kilowatch.config.InfluxConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real {@code influxd} (Debian's {@code influxdb} package) on a free loopback port, with its
 * config, data and WAL under a temporary directory. Stopping and starting again keeps the data, so
 * tests can take the server away for a while. Used by the tests and the benchmark.
 */
public final class InfluxProcess implements AutoCloseable {
  private static final Duration START_WAIT = Duration.ofSeconds(20);
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);

  private final Path influxd;
  private final Path dir;
  private final int port;
  private final boolean auth;
  private final String dataSettings;
  private Process process;

  private InfluxProcess(Path influxd, Path dir, int port, boolean auth, String dataSettings) {
    this.influxd = influxd;
    this.dir = dir;
    this.port = port;
    this.auth = auth;
    this.dataSettings = dataSettings;
  }

  /** The {@code influxd} on the PATH, if any. */
  public static Optional<Path> findInfluxd() {
    return Peer.find("influxd");
  }

  /** Starts a server and waits until it answers {@code /ping}. */
  public static InfluxProcess start(Path influxd, boolean auth) {
    return start(influxd, auth, "");
  }

  /**
   * With extra lines for the {@code [data]} section, e.g. short cold durations so the benchmark
   * measures compacted TSM files rather than the write-ahead log.
   */
  public static InfluxProcess start(Path influxd, boolean auth, String dataSettings) {
    try {
      var p =
          new InfluxProcess(
              influxd,
              Files.createTempDirectory("kilowatch-influxd"),
              freePort(),
              auth,
              dataSettings);
      p.start();
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** (Re)starts the server on the same port and directories. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    try {
      int rpc = freePort();
      String config =
          """
          reporting-disabled = true
          bind-address = "127.0.0.1:%d"
          [meta]
            dir = "%s/meta"
          [data]
            dir = "%s/data"
            wal-dir = "%s/wal"
            query-log-enabled = false
          %s
          [monitor]
            store-enabled = false
          [http]
            bind-address = "127.0.0.1:%d"
            auth-enabled = %s
            log-enabled = false
          """
              .formatted(rpc, dir, dir, dir, dataSettings, port, auth);
      Path file = dir.resolve("influxd.conf");
      Files.writeString(file, config);
      process =
          new ProcessBuilder(influxd.toString(), "-config", file.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("influxd.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process started = process;
    try {
      Awaitility.await("influxd answering /ping")
          .atMost(START_WAIT)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                if (!started.isAlive()) {
                  throw new IllegalStateException("influxd exited: " + log());
                }
                return pings();
              });
    } catch (ConditionTimeoutException e) {
      stop();
      throw new IllegalStateException("influxd did not answer /ping within " + START_WAIT, e);
    }
  }

  private boolean pings() {
    try {
      var c = (HttpURLConnection) url().resolve("/ping").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(500);
      try {
        return c.getResponseCode() == 204;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops the server with SIGTERM, then SIGKILL if it lingers; the data stays. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process
            .destroyForcibly()
            .waitFor(STOP_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /** Where the config, data and WAL live. */
  public Path directory() {
    return dir;
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Settings for a database on this server, without credentials. */
  public InfluxConfig config(String database) {
    return new InfluxConfig(url(), database, null, null, null, null);
  }

  /** Bytes under the data and WAL directories. */
  public long diskBytes() {
    return diskBytes("data") + diskBytes("wal");
  }

  /** Bytes under {@code data} or {@code wal}. */
  public long diskBytes(String sub) {
    long total = 0;
    for (String d : new String[] {sub}) {
      try (Stream<Path> files = Files.walk(dir.resolve(d))) {
        total += files.filter(Files::isRegularFile).mapToLong(InfluxProcess::size).sum();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return total;
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("influxd.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp directory left behind is harmless.
    }
  }
}
