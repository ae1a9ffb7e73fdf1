package io.kilowatch.web;

import java.nio.file.Path;

/** Completes the simulator's site description with where to store and serve. */
public final class DemoYaml {
  private DemoYaml() {}

  public static String of(String siteYaml, Path dataDir, int port) {
    return siteYaml
        + "\nstore:\n  kind: embedded\n  dataDir: \""
        + dataDir.toAbsolutePath().toString().replace("\\", "/").replace("\"", "\\\"")
        + "\"\nweb:\n  bind: 0.0.0.0\n  port: "
        + port
        + "\n";
  }
}
