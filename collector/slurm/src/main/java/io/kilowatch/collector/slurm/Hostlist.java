package io.kilowatch.collector.slurm;

import java.util.ArrayList;
import java.util.List;

/**
 * Expands a Slurm host list: {@code gpu-[01-03,7]}, {@code a,b}, {@code r[1-2]-n[1-2]} (every
 * combination, in Slurm's order), keeping zero padding.
 */
public final class Hostlist {
  private Hostlist() {}

  public static List<String> expand(String list) {
    List<String> out = new ArrayList<>();
    if (list == null || list.isBlank() || list.equals("(null)")) {
      return out;
    }
    int depth = 0;
    int start = 0;
    for (int i = 0; i < list.length(); i++) {
      char c = list.charAt(i);
      if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth--;
      } else if (c == ',' && depth == 0) {
        one(list.substring(start, i).strip(), out);
        start = i + 1;
      }
    }
    one(list.substring(start).strip(), out);
    return out;
  }

  private static void one(String host, List<String> out) {
    if (host.isEmpty()) {
      return;
    }
    int open = host.indexOf('[');
    if (open < 0) {
      out.add(host);
      return;
    }
    int close = host.indexOf(']', open);
    if (close < 0) {
      throw new IllegalArgumentException("unclosed '[' in " + host);
    }
    String prefix = host.substring(0, open);
    String rest = host.substring(close + 1);
    for (String range : host.substring(open + 1, close).split(",")) {
      int dash = range.indexOf('-');
      if (dash < 0) {
        one(prefix + range + rest, out);
        continue;
      }
      String a = range.substring(0, dash);
      String b = range.substring(dash + 1);
      long from = Long.parseLong(a);
      long to = Long.parseLong(b);
      for (long k = from; k <= to; k++) {
        String num = Long.toString(k);
        // Slurm pads to the width of the lower bound ("01-10" gives 01 … 10).
        while (num.length() < a.length()) {
          num = "0" + num;
        }
        one(prefix + num + rest, out);
      }
    }
  }
}
