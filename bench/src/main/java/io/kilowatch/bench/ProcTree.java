package io.kilowatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time and peak resident memory of a process and its descendants, from {@code /proc}: what the
 * peer bench charges each collector with. CPU-seconds are robust to a shared machine (a process
 * waiting for a core is not charged); wall-clock rates are not.
 */
final class ProcTree {
  /** Linux's USER_HZ: {@code /proc/<pid>/stat} counts CPU time in 1/100 s on every platform. */
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcTree() {}

  /** The pid and every live descendant of it. */
  static List<Long> pids(long root) {
    List<Long> out = new ArrayList<>();
    out.add(root);
    ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
    return out;
  }

  /** utime + stime of the process and its live descendants, in seconds. */
  static double cpuSeconds(long root) {
    double sum = 0;
    for (long pid : pids(root)) {
      sum += cpuSecondsOf(Path.of("/proc/" + pid + "/stat"));
    }
    return sum;
  }

  /** utime + stime of this JVM (the simulator's process), in seconds. */
  static double selfCpuSeconds() {
    return cpuSecondsOf(Path.of("/proc/self/stat"));
  }

  private static double cpuSecondsOf(Path stat) {
    try {
      String s = Files.readString(stat);
      // Fields after the command name, which may hold spaces, sits in parentheses.
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state): utime is field 14, stime field 15.
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return 0; // the process has gone: it used nothing more
    }
  }

  /** Sum of VmHWM (peak resident set) of the process and its live descendants, in KiB. */
  static long peakRssKib(long root) {
    long sum = 0;
    for (long pid : pids(root)) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith("VmHWM:")) {
            sum += Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | RuntimeException e) {
        // Gone: nothing to add.
      }
    }
    return sum;
  }

  /** The 1-minute load average, as {@code /proc/loadavg} gives it. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
