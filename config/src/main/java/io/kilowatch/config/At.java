package io.kilowatch.config;

import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A YAML node with the file it lives in and its key path, so every problem found while binding it
 * can be reported as {@code file:line: path}.
 */
record At(String file, String path, Node node) {

  /** 1-based line where the node starts. */
  int line() {
    return node.getStartMark().getLine() + 1;
  }

  At key(String key, Node value) {
    return new At(file, path.isEmpty() ? key : path + "." + key, value);
  }

  At index(int i, Node value) {
    return new At(file, path + "[" + i + "]", value);
  }

  boolean isNull() {
    return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
  }

  /** How the node reads in a message: "a list", "a mapping", "a text", "empty". */
  String describe() {
    if (isNull()) {
      return "nothing";
    }
    return node.getNodeId() == NodeId.sequence
        ? "a list"
        : node.getNodeId() == NodeId.mapping ? "a mapping" : "a single value";
  }
}
