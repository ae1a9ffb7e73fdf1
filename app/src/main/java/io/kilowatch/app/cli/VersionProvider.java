package io.kilowatch.app.cli;

import io.kilowatch.config.Version;
import picocli.CommandLine;

/** Version from the jar manifest, so it always matches the build. */
public final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {
      "kilowatch " + Version.current(),
      "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
    };
  }
}
