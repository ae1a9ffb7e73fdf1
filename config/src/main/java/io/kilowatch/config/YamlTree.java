package io.kilowatch.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Writes a site config built as a tree (maps, lists, strings, numbers, booleans) as YAML text, so
 * that code generating configs (the demo, the bench, test sites) never quotes or indents by hand: a
 * path with a quote or a backslash in it comes out as valid YAML that loads back unchanged.
 * Insertion order is kept, so use ordered maps ({@code LinkedHashMap}, {@code Map.of} for one key)
 * where the order matters to a reader.
 */
public final class YamlTree {
  private YamlTree() {}

  /** Block-style YAML for {@code root}, ending in a newline. */
  public static String emit(Map<String, ?> root) {
    return yaml().dump(root);
  }

  /** Block-style YAML for a list at the top level (a fragment such as a device list). */
  public static String emit(List<?> root) {
    return yaml().dump(root);
  }

  /** An ordered map written as key, value, key, value; null values are left out. */
  public static Map<String, Object> map(Object... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values must come in pairs");
    }
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (keysAndValues[i + 1] != null) {
        map.put((String) keysAndValues[i], keysAndValues[i + 1]);
      }
    }
    return map;
  }

  private static Yaml yaml() {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setWidth(120);
    return new Yaml(options);
  }
}
