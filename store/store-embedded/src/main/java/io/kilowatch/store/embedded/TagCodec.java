package io.kilowatch.store.embedded;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Canonical text of a tag set ({@code k=v,k2=v2}, keys sorted) so that one column with a unique
 * constraint identifies a series. Backslash escapes keep tags that contain {@code , = \} intact.
 */
final class TagCodec {
  private TagCodec() {}

  static String encode(SortedMap<String, String> tags) {
    var sb = new StringBuilder();
    for (Map.Entry<String, String> e : tags.entrySet()) {
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      escape(e.getKey(), sb);
      sb.append('=');
      escape(e.getValue(), sb);
    }
    return sb.toString();
  }

  static SortedMap<String, String> decode(String text) {
    var tags = new TreeMap<String, String>();
    var current = new StringBuilder();
    String key = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        current.append(text.charAt(++i));
      } else if (c == '=' && key == null) {
        key = current.toString();
        current.setLength(0);
      } else if (c == ',') {
        tags.put(key, current.toString());
        key = null;
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    if (key != null) {
      tags.put(key, current.toString());
    }
    return tags;
  }

  private static void escape(String s, StringBuilder sb) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' || c == ',' || c == '=') {
        sb.append('\\');
      }
      sb.append(c);
    }
  }
}
