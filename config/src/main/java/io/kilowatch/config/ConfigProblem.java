package io.kilowatch.config;

/**
 * One thing wrong with a configuration file, located precisely enough to fix without searching.
 *
 * @param file the file as given to the loader
 * @param line 1-based line, or 0 when the problem has no single location
 * @param path the key path, e.g. {@code clusters[1].racks[0].devices[2].interval}
 */
public record ConfigProblem(String file, int line, String path, String message) {
  @Override
  public String toString() {
    return file + ":" + line + ": " + path + ": " + message;
  }
}
