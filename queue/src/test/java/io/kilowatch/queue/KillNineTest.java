package io.kilowatch.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.queue.DurableQueue.FullPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed with SIGKILL in the middle of appending loses nothing it had been told was
 * stored: the child prints each record's number after {@link DurableQueue#append} returned, the
 * test kills it at a random moment, and every printed record is there after reopening, in order.
 */
class KillNineTest {
  @TempDir Path dir;

  /** The child: appends numbered records as fast as it can, acknowledging every other one. */
  public static void main(String[] args) {
    try (var q = DurableQueue.open(Path.of(args[0]), 1L << 30, FullPolicy.REJECT_NEW)) {
      for (long i = 0; ; i++) {
        var e = q.append(("record " + i).getBytes(UTF_8)).orElseThrow();
        if (i % 2 == 1) {
          q.acknowledge(e);
          System.out.println("acked " + i);
        } else {
          System.out.println("stored " + i);
        }
        System.out.flush();
      }
    }
  }

  @Test
  void nothingAcknowledgedIsLostWhenTheProcessIsKilled() throws Exception {
    for (int round = 0; round < 3; round++) {
      Path qdir = dir.resolve("round-" + round);
      var child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  KillNineTest.class.getName(),
                  qdir.toString())
              .redirectErrorStream(true)
              .start();
      var stored = new HashSet<Long>();
      var acked = new HashSet<Long>();
      long stopAfter = 200 + (long) (Math.random() * 800);
      try (var out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          String[] parts = line.split(" ");
          if (parts.length != 2 || !parts[1].matches("\\d+")) {
            continue;
          }
          long n = Long.parseLong(parts[1]);
          (parts[0].equals("acked") ? acked : stored).add(n);
          if (n >= stopAfter) {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            break;
          }
        }
      }
      assertThat(
              child.waitFor(
                  Duration.ofSeconds(30).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
          .isTrue();
      try (var q = DurableQueue.open(qdir, 1L << 30, FullPolicy.REJECT_NEW)) {
        var back = new HashSet<Long>();
        long previous = -1;
        for (var e : q.entries()) {
          long n = Long.parseLong(new String(q.read(e), UTF_8).substring("record ".length()));
          assertThat(n).as("replayed in order").isGreaterThan(previous);
          previous = n;
          back.add(n);
        }
        assertThat(back).as("every record reported stored is there").containsAll(stored);
        assertThat(back).as("no acknowledged record comes back").doesNotContainAnyElementsOf(acked);
      }
    }
  }
}
