package io.kilowatch.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A size-limited tmpfs to fill up for real: disk-full tests need a filesystem that runs out, not a
 * mock that throws. Mounting needs root: skipped without it, but failing when {@code CI=true},
 * since CI runs as root and must run these tests.
 */
public final class SmallDisk implements AutoCloseable {
  private final Path path;

  private SmallDisk(Path path) {
    this.path = path;
  }

  /** Mounts a tmpfs of {@code size} (e.g. {@code 16m}) at {@code at}, creating the folder. */
  public static SmallDisk mount(Path at, String size) throws Exception {
    Files.createDirectories(at);
    boolean root = "root".equals(System.getProperty("user.name"));
    boolean ci = "true".equals(System.getenv("CI"));
    if (!ci) {
      assumeTrue(root, "not root: cannot mount a small tmpfs to fill; this test runs in CI");
    }
    int rc = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString());
    if (!ci) {
      assumeTrue(rc == 0, "mount -t tmpfs failed (exit " + rc + "); this test runs in CI");
    }
    assertThat(rc).as("mount -t tmpfs (CI must run as root)").isZero();
    return new SmallDisk(at);
  }

  public Path path() {
    return path;
  }

  /** Gives the mounted filesystem a new size, without unmounting: what freeing space looks like. */
  public void resize(String size) throws Exception {
    assertThat(run("mount", "-o", "remount,size=" + size, path.toString()))
        .as("remount at " + size)
        .isZero();
  }

  @Override
  public void close() throws Exception {
    run("umount", "-l", path.toString());
  }

  private static int run(String... command) throws Exception {
    var p = new ProcessBuilder(command).inheritIO().start();
    return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }
}
