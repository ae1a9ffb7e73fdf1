package io.kilowatch.testkit.site;

import java.util.LinkedHashMap;
import java.util.Map;

/** Ordered maps for a config tree, written as key, value, key, value; null values are left out. */
public final class YamlMaps {
  private YamlMaps() {}

  public static Map<String, Object> of(Object... keysAndValues) {
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
}
