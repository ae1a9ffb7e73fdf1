package io.kilowatch.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository's root folder, found from the module a test runs in, so that tests reach the
 * shipped config, profiles and READMEs whatever depth their module has.
 */
public final class RepoRoot {
  private RepoRoot() {}

  public static Path path() {
    Path here = Path.of("").toAbsolutePath();
    for (Path dir = here; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("config"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root (mvnw, config/) above " + here);
  }

  /** {@code relative} under the repository root. */
  public static Path resolve(String relative) {
    return path().resolve(relative);
  }
}
