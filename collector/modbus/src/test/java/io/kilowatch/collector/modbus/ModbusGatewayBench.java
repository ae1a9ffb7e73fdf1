package io.kilowatch.collector.modbus;

import io.kilowatch.config.Source;
import java.time.Duration;
import java.util.List;

/**
 * The dead-unit gateway of {@code ModbusGatewayTest}, run for a long time and measured: how many
 * polls the healthy units lost while one unit id behind the same gateway never answered. Not a unit
 * test; run on demand (see the README):
 *
 * <pre>
 * ./mvnw -q -B -pl collector/modbus -am test-compile exec:exec@modbus-gateway-bench -Dexec.skip
 * #   -Dmodbus.gateway.minutes=30 (default)   -Dmodbus.gateway.interval=1s   -Dmodbus.gateway.units=3
 * </pre>
 */
public final class ModbusGatewayBench {
  private ModbusGatewayBench() {}

  public static void main(String[] args) throws Exception {
    Duration run = Duration.ofSeconds((long) (60 * Double.parseDouble(arg(args, 0, "30"))));
    Duration interval = Duration.parse("PT" + arg(args, 1, "1s").toUpperCase());
    int units = Integer.parseInt(arg(args, 2, "3"));
    try (var gateway =
        new DeadUnitGateway(
            units,
            Duration.ofMillis(20),
            interval,
            // The configuration's default: the interval, at most 5 s.
            interval.compareTo(Duration.ofSeconds(5)) < 0 ? interval : Duration.ofSeconds(5),
            Source.ModbusRequests.DEFAULT)) {
      long start = System.nanoTime();
      gateway.start();
      Thread.sleep(run);
      double seconds = (System.nanoTime() - start) / 1e9;
      long expected = (long) (seconds / (interval.toMillis() / 1000.0));
      System.out.printf(
          "dead unit %d behind one gateway with %d healthy units, interval %s, %.0f s%n",
          DeadUnitGateway.DEAD_UNIT, units, interval, seconds);
      System.out.println("| unit | slots | good polls | lost polls | went down |");
      System.out.println("|---|---|---|---|---|");
      long lost = 0;
      for (int unit : gateway.healthyUnits) {
        String id = "unit-" + unit;
        List<?> good = gateway.goodPolls.getOrDefault(id, List.of());
        lost += gateway.lostPolls(id);
        System.out.printf(
            "| %d | ~%d | %d | %d | %d |%n",
            unit, expected, good.size(), gateway.lostPolls(id), gateway.downs(id));
      }
      System.out.printf(
          "lost polls in all: %d; connections opened: %d; dead unit: %s%n",
          lost,
          gateway.connections(),
          gateway.scheduler().statuses().stream()
              .filter(s -> s.deviceId().equals("unit-" + DeadUnitGateway.DEAD_UNIT))
              .findFirst()
              .map(s -> s.state() + " after " + s.consecutiveFailures() + " attempts")
              .orElse("?"));
    }
  }

  private static String arg(String[] args, int i, String fallback) {
    return args.length > i && !args[i].isBlank() ? args[i] : fallback;
  }
}
