package io.kilowatch.collector.slurm;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The GPU indexes in one node's entry of Slurm's {@code gres_detail}: {@code gpu:4(IDX:0-3)},
 * {@code gpu:a100:2(IDX:0,2)}, several GRES joined by commas ({@code
 * gpu:a100:1(IDX:0),gpu:v100:1(IDX:3)}, {@code gpu:1(IDX:1),shard:2(IDX:...)}), or {@code
 * gpu(IDX:N/A)} when the node gave none.
 */
public final class GresIndexes {
  private GresIndexes() {}

  /**
   * The indexes of every {@code gpu} GRES in {@code detail}, ascending, without repeats.
   *
   * @throws IllegalArgumentException when a gpu entry's index list is not numbers and ranges
   */
  public static List<Integer> gpus(String detail) {
    TreeSet<Integer> out = new TreeSet<>();
    int i = 0;
    int n = detail.length();
    while (i < n) {
      int j = i;
      while (j < n && detail.charAt(j) != ',' && detail.charAt(j) != '(') {
        j++;
      }
      String spec = detail.substring(i, j).strip();
      String inside = null;
      if (j < n && detail.charAt(j) == '(') {
        int open = j;
        int close = detail.indexOf(')', open);
        if (close < 0) {
          throw new IllegalArgumentException("unclosed '(' in " + detail);
        }
        inside = detail.substring(open + 1, close);
        j = close + 1;
        // Anything up to the next comma belongs to this entry and carries no index.
        while (j < n && detail.charAt(j) != ',') {
          j++;
        }
      }
      if (isGpu(spec) && inside != null) {
        // "IDX:0,2" continues a key's list after a comma; a part "KEY:..." starts another key
        // (none but IDX in 22.05 to 24.05); only IDX's parts are indexes.
        boolean idx = false;
        for (String raw : inside.split(",")) {
          String part = raw.strip();
          int colon = part.indexOf(':');
          if (colon > 0 && !Character.isDigit(part.charAt(0))) {
            idx = part.substring(0, colon).equals("IDX");
            part = part.substring(colon + 1);
          }
          if (idx) {
            out.addAll(indexList(part, inside));
          }
        }
      }
      i = j + 1;
    }
    return List.copyOf(out);
  }

  private static boolean isGpu(String spec) {
    return spec.equals("gpu") || spec.startsWith("gpu:");
  }

  private static List<Integer> indexList(String part, String whole) {
    String p = part;
    List<Integer> out = new ArrayList<>();
    if (p.isEmpty() || p.equals("N/A")) {
      return out;
    }
    int dash = p.indexOf('-');
    try {
      if (dash < 0) {
        out.add(Integer.parseInt(p));
      } else {
        int a = Integer.parseInt(p.substring(0, dash));
        int b = Integer.parseInt(p.substring(dash + 1));
        if (b < a || b - a > 65_536) {
          throw new IllegalArgumentException("bad index range " + p + " in (" + whole + ")");
        }
        for (int k = a; k <= b; k++) {
          out.add(k);
        }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad index " + p + " in (" + whole + ")", e);
    }
    return out;
  }
}
