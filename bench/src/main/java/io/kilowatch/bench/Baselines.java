package io.kilowatch.bench;

import java.util.ArrayList;
import java.util.List;

/** Side-by-side baselines: kilowatch's readers and store against peer programs, same run. */
final class Baselines {
  private Baselines() {}

  /** One comparison, or why it was skipped. */
  record Line(String text) {}

  record Report(List<Line> lines) {
    String render() {
      StringBuilder b = new StringBuilder();
      lines.forEach(l -> b.append(l.text()).append('\n'));
      return b.toString();
    }
  }

  static Report run(ScaleSite site, SoakOptions o) {
    List<Line> lines = new ArrayList<>();
    return new Report(lines);
  }
}
