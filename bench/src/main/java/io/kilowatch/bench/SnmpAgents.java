package io.kilowatch.bench;

import io.kilowatch.testkit.snmp.RaritanPdu2;
import io.kilowatch.testkit.snmp.SnmpAccess;
import io.kilowatch.testkit.snmp.SnmpAgentFake;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * The SNMP bench's PDUs in a process of their own, so the bench can tell kilowatch's CPU from the
 * agents': {@code --agents=N} Raritan PX agents ({@link RaritanPdu2}, 8 outlets each) on one thread
 * of the test kit's {@link SnmpAgentFake}, readable over v2c with the community in the environment
 * variable {@code SNMP_BENCH_COMMUNITY}.
 *
 * <p>Speaks to its parent over stdin/stdout, one line each way: it first prints {@code ports
 * p0,p1,...}; then {@code counts} answers {@code counts a0,a1,...} (responses sent per agent) and
 * {@code cpu} answers {@code cpu <nanoseconds of this process's CPU>}; end of input ends it.
 *
 * <p>Agent a's inlet draws {@code 2000 + 1000 sin(2π (t / 600 s + a / N))} W at 230 V, spread
 * evenly over its outlets, and its energy registers hold the exact integral of that since start.
 */
public final class SnmpAgents {
  static final int OUTLETS = 8;
  static final double VOLTS = 230;
  private static final double PERIOD_S = 600;

  private SnmpAgents() {}

  public static void main(String[] args) throws Exception {
    int agents = 2000;
    for (String a : args) {
      if (a.startsWith("--agents=")) {
        agents = Integer.parseInt(a.substring("--agents=".length()));
      } else {
        throw new IllegalArgumentException("unknown option " + a);
      }
    }
    String community = System.getenv("SNMP_BENCH_COMMUNITY");
    if (community == null || community.isEmpty()) {
      throw new IllegalStateException("SNMP_BENCH_COMMUNITY is not set");
    }
    long start = System.nanoTime();
    int n = agents;
    try (SnmpAgentFake fake =
        SnmpAgentFake.start(
            n,
            a ->
                RaritanPdu2.mib(
                    "bench-pdu-" + a,
                    OUTLETS,
                    () -> reading(a, n, (System.nanoTime() - start) / 1e9)),
            SnmpAccess.v2c(community))) {
      StringJoiner ports = new StringJoiner(",", "ports ", "");
      fake.ports().forEach(p -> ports.add(Integer.toString(p)));
      System.out.println(ports);
      System.out.flush();
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        switch (line.strip()) {
          case "counts" -> {
            StringJoiner counts = new StringJoiner(",", "counts ", "");
            for (int a = 0; a < n; a++) {
              counts.add(Long.toString(fake.answers(a)));
            }
            System.out.println(counts);
          }
          case "cpu" -> System.out.println("cpu " + os.getProcessCpuTime());
          default -> System.out.println("error unknown command " + line);
        }
        System.out.flush();
      }
    }
  }

  /** Agent {@code a} of {@code n}, {@code t} seconds after start. */
  static RaritanPdu2.Reading reading(int a, int n, double t) {
    double phase = 2 * Math.PI * a / n;
    double w = 2 * Math.PI / PERIOD_S;
    double power = 2000 + 1000 * Math.sin(w * t + phase);
    // ∫ (2000 + 1000 sin(w s + φ)) ds from 0 to t, in Wh, on top of a register that started at
    // 1 MWh.
    double energyWh =
        1_000_000 + (2000 * t - 1000 / w * (Math.cos(w * t + phase) - Math.cos(phase))) / 3600;
    List<RaritanPdu2.Outlet> outlets = new ArrayList<>(OUTLETS);
    for (int o = 0; o < OUTLETS; o++) {
      outlets.add(new RaritanPdu2.Outlet(power / OUTLETS, energyWh / OUTLETS));
    }
    return new RaritanPdu2.Reading(VOLTS, power, energyWh, outlets);
  }
}
