package io.kilowatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Serves a scale site on its own, for a kilowatch in another process: {@code --gpus=25000
 * --pdus=1536 --out=site.yaml --data=./data [--no-faults] [--interval=10]}. Writes the site config
 * to {@code --out}, prints its path and runs until stopped; faults follow the soak's default
 * schedule over {@code --minutes} (default 30).
 */
public final class Simulate {
  private Simulate() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of("scale-site.yaml");
    Path data = Path.of("data");
    List<String> rest = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--out=")) {
        out = Path.of(arg.substring(6));
      } else if (arg.startsWith("--data=")) {
        data = Path.of(arg.substring(7));
      } else {
        rest.add(arg);
      }
    }
    if (rest.stream().noneMatch(a -> a.startsWith("--minutes=") || a.startsWith("--seconds="))) {
      rest.add("--minutes=30");
    }
    SoakOptions o = SoakOptions.parse(rest.toArray(String[]::new), data);
    var spec =
        new ScaleSite.Spec(
            o.gpus(),
            o.pdus(),
            o.cdus(),
            o.interval(),
            o.timeout(),
            o.faults() ? SoakRun.defaultFaults(o) : List.of(),
            o.opcuaRestartPause());
    var stop = new CountDownLatch(1);
    try (ScaleSite site = ScaleSite.start(spec)) {
      Files.writeString(out, site.siteYaml(data));
      System.out.println(
          "serving "
              + o.gpus()
              + " GPUs ("
              + site.nodes()
              + " dcgm endpoints) and "
              + o.pdus()
              + " Modbus PDUs and "
              + o.cdus()
              + " OPC UA CDUs; site config: "
              + out.toAbsolutePath());
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      while (!stop.await(
          Duration.ofMinutes(1).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        long answers = site.answered().stream().mapToLong(ScaleSite.Answered::answers).sum();
        System.out.println("answered " + answers + " polls so far");
      }
    }
  }
}
