package io.kilowatch.config;

import java.io.StringReader;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/** Parses YAML text into nodes that keep their line, reporting syntax errors as problems. */
final class YamlDocuments {
  /** Path reported for problems that belong to the file as a whole. */
  static final String DOCUMENT = "(document)";

  private final Problems problems;

  YamlDocuments(Problems problems) {
    this.problems = problems;
  }

  /** The root node, or {@code null} when the text is not usable YAML (reported). */
  Node compose(String text, String file) {
    LoaderOptions options = new LoaderOptions();
    // SnakeYAML's 3 MB default is too small for a 25,000-GPU site in one file.
    options.setCodePointLimit(256 * 1024 * 1024);
    options.setMaxAliasesForCollections(10_000);
    // Merge keys (<<: *defaults) let many devices share settings; resolve them while composing.
    options.setMergeOnCompose(true);
    Node root;
    try {
      root = new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      int line = mark == null ? 0 : mark.getLine() + 1;
      String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
      problems.add(file, line, DOCUMENT, "YAML syntax error: " + e.getProblem() + context);
      return null;
    } catch (YAMLException e) {
      problems.add(file, 0, DOCUMENT, "cannot read YAML: " + e.getMessage());
      return null;
    }
    if (root == null) {
      problems.add(file, 0, DOCUMENT, "the file is empty");
    }
    return root;
  }
}
