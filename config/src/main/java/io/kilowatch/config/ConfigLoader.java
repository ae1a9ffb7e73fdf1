package io.kilowatch.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads a site from one YAML file (plus the profile files it names) and validates all of it: every
 * problem is collected and thrown together in one {@link ConfigException}, each with file, line and
 * key path. A returned {@link SiteConfig} has unique ids and resolving references.
 *
 * <p>The schema is described in {@code config/README.md} and shown by {@code
 * config/examples/site.yaml}.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Loads {@code file}, substituting {@code ${VAR}} from the process environment. */
  public static SiteConfig load(Path file) throws ConfigException, IOException {
    return load(file, System.getenv());
  }

  /**
   * Loads {@code file}, substituting {@code ${VAR}} from {@code env}. Problems name the file as
   * given here; profile files and the data directory are relative to its directory.
   *
   * @throws IOException when the file itself cannot be read (an unreadable profile file is a
   *     problem in the {@link ConfigException} instead)
   */
  public static SiteConfig load(Path file, Map<String, String> env)
      throws ConfigException, IOException {
    String text = Files.readString(file);
    Path dir = file.getParent() != null ? file.getParent() : Path.of("");
    return parse(text, file.toString(), dir, env, file);
  }

  /**
   * Parses YAML text; {@code sourceName} is used in problems, {@code baseDir} resolves profile
   * files and the data directory (the working directory when {@code null}).
   */
  public static SiteConfig parse(
      String yaml, String sourceName, Path baseDir, Map<String, String> env)
      throws ConfigException {
    return parse(yaml, sourceName, baseDir == null ? Path.of("") : baseDir, env, null);
  }

  private static SiteConfig parse(
      String yaml, String sourceName, Path baseDir, Map<String, String> env, Path source)
      throws ConfigException {
    Problems problems = new Problems(sourceName);
    YamlDocuments documents = new YamlDocuments(problems);
    Node root = documents.compose(yaml, sourceName);
    SiteConfig config = null;
    if (root != null) {
      Binder binder = new Binder(problems, new EnvSubstitution(env));
      config =
          new SiteBinder(binder, baseDir, source, documents).bind(new At(sourceName, "", root));
    }
    problems.throwIfAny();
    return config;
  }
}
