package io.kilowatch.testkit.site;

import io.kilowatch.config.YamlTree;
import java.util.Map;

/**
 * Ordered maps for a config tree, written as key, value, key, value; null values are left out.
 * {@link YamlTree#map} for code that may not use the config module itself (the simulator).
 */
public final class YamlMaps {
  private YamlMaps() {}

  public static Map<String, Object> of(Object... keysAndValues) {
    return YamlTree.map(keysAndValues);
  }
}
