package io.kilowatch.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Every problem found in one load, so the user fixes them all in one pass. */
final class Problems {
  private final String mainFile;
  private final List<ConfigProblem> found = new ArrayList<>();

  Problems(String mainFile) {
    this.mainFile = mainFile;
  }

  void add(At at, String message) {
    String path = at.path().isEmpty() ? YamlDocuments.DOCUMENT : at.path();
    var problem = new ConfigProblem(at.file(), at.line(), path, message);
    // The points of one range come from one YAML node: a fault they share is reported once.
    if (!found.contains(problem)) {
      found.add(problem);
    }
  }

  void add(String file, int line, String path, String message) {
    found.add(new ConfigProblem(file, line, path, message));
  }

  boolean isEmpty() {
    return found.isEmpty();
  }

  int count() {
    return found.size();
  }

  /** Main file first, then included files by name; within a file by line, then path. */
  void throwIfAny() throws ConfigException {
    if (found.isEmpty()) {
      return;
    }
    List<ConfigProblem> sorted = new ArrayList<>(found);
    sorted.sort(
        Comparator.comparing((ConfigProblem p) -> !p.file().equals(mainFile))
            .thenComparing(ConfigProblem::file)
            .thenComparingInt(ConfigProblem::line)
            .thenComparing(ConfigProblem::path));
    throw new ConfigException(sorted);
  }
}
