package io.kilowatch.web.cli;

import picocli.CommandLine;

/** Version from the jar manifest, so it always matches the build. */
public final class VersionProvider implements CommandLine.IVersionProvider {
  public static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "development build" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {
      "kilowatch " + version(),
      "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
    };
  }
}
