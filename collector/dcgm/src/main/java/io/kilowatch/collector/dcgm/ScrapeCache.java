package io.kilowatch.collector.dcgm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One exporter's series, remembered from scrape to scrape. dcgm-exporter writes the same series
 * text (name and labels) every time and only the values change, so, as Prometheus does in its
 * scrape cache, what each distinct series text means (which GPU, which field, how it ranks against
 * other series of that field) is worked out once: a line seen before costs a hash of its text and
 * the parse of its value, not a label map, a GPU record and a candidate each.
 *
 * <p>The rules are {@link PrometheusTextParser}'s and {@link DcgmGpuMapper}'s: a line whose text is
 * new is parsed by the parser in full, and only a line it accepted, with a label set, is
 * remembered. A remembered text ends at the line's last {@code '}'} (what follows a label set, a
 * value and a timestamp, holds none), and the parser reads a label set without looking past its
 * closing brace, so a later line that starts with the same text parses to the same series; its
 * value is read by the parser's own {@link PrometheusTextParser#parseTail}.
 *
 * <p>Series that leave the scrape (a pod label that moved, a GPU swapped) are forgotten once the
 * cache holds twice what the last scrape used. Not thread-safe: a collector's polls are serial.
 */
final class ScrapeCache {
  /** Our field names in a fixed order, for the per-scrape arrays. */
  private static final List<String> FIELD_NAMES =
      List.copyOf(new java.util.TreeSet<>(DcgmGpuMapper.FIELDS.values()));

  private static final List<String> DCGM_NAMES = List.copyOf(DcgmGpuMapper.FIELDS.keySet());

  /** One GPU, with the tag map its samples carry on every scrape and this scrape's candidates. */
  private static final class GpuSlot {
    final Map<String, String> tags;
    int scrape = -1;
    final double[] value = new double[FIELD_NAMES.size()];
    final Entry[] best = new Entry[FIELD_NAMES.size()];

    GpuSlot(DcgmGpuMapper.Gpu gpu) {
      this.tags = java.util.Collections.unmodifiableMap(gpu.tags());
    }
  }

  /** What one series text means; {@code gpu} is null for a series that maps to no GPU field. */
  private static final class Entry {
    final String text;
    final int hash;
    final boolean dcgm;
    final GpuSlot gpu;
    final int field;
    final boolean instance;
    final long instanceId;
    final int nameRank;
    int scrape;
    Entry next;

    Entry(
        String text,
        boolean dcgm,
        GpuSlot gpu,
        int field,
        boolean instance,
        long instanceId,
        int nameRank) {
      this.text = text;
      this.hash = text == null ? 0 : hash(text, 0, text.length());
      this.dcgm = dcgm;
      this.gpu = gpu;
      this.field = field;
      this.instance = instance;
      this.instanceId = instanceId;
      this.nameRank = nameRank;
    }

    /** {@link DcgmGpuMapper}'s order: whole GPU first, then the lowest instance, then the name. */
    boolean before(Entry o) {
      if (instance != o.instance) {
        return !instance;
      }
      if (instanceId != o.instanceId) {
        return instanceId < o.instanceId;
      }
      return nameRank < o.nameRank;
    }
  }

  /** What a scrape held: readings by GPU, in the order GPUs first appear, as the mapper gives. */
  record Read(
      List<Map.Entry<Map<String, String>, Map<String, Double>>> gpus,
      boolean anyDcgm,
      int skipped,
      String firstSkipped) {}

  private Entry[] table = new Entry[64];
  private int size;
  private final Map<DcgmGpuMapper.Gpu, GpuSlot> slots = new LinkedHashMap<>();
  private int scrape;

  Read read(String body) {
    scrape++;
    var touched = new ArrayList<GpuSlot>();
    boolean anyDcgm = false;
    int skipped = 0;
    String firstSkipped = null;
    int used = 0;
    int len = body.length();
    for (int from = 0; from <= len; ) {
      int nl = body.indexOf('\n', from);
      int end = nl < 0 ? len : nl;
      int next = end + 1;
      // strip(), without the substring
      while (from < end && Character.isWhitespace(body.charAt(from))) {
        from++;
      }
      while (end > from && Character.isWhitespace(body.charAt(end - 1))) {
        end--;
      }
      if (from == end || body.charAt(from) == '#') {
        from = next;
        continue;
      }
      int brace = body.lastIndexOf('}', end - 1);
      Entry e = brace >= from ? find(body, from, brace + 1) : null;
      Double value;
      if (e != null) {
        value = PrometheusTextParser.parseTail(body, brace + 1, end);
      } else {
        String line = body.substring(from, end);
        PrometheusTextParser.Series s = PrometheusTextParser.parseLine(line);
        value = s == null ? null : s.value();
        if (s != null) {
          boolean labelled =
              line.length() > s.name().length() && line.charAt(s.name().length()) == '{';
          // Only a label set's text is remembered: it ends at the line's last '}'.
          e = meaning(s, labelled ? line.substring(0, brace - from + 1) : null);
        }
      }
      if (value == null) {
        skipped++;
        if (firstSkipped == null) {
          firstSkipped = PrometheusTextParser.shorten(body.substring(from, end));
        }
        from = next;
        continue;
      }
      e.scrape = scrape;
      used++;
      anyDcgm |= e.dcgm;
      if (e.gpu != null) {
        offer(e, value, touched);
      }
      from = next;
    }
    if (size > 2 * used + 64) {
      forgetUnused();
    }
    var gpus = new ArrayList<Map.Entry<Map<String, String>, Map<String, Double>>>(touched.size());
    for (GpuSlot g : touched) {
      var values = new TreeMap<String, Double>();
      for (int f = 0; f < g.best.length; f++) {
        if (g.best[f] != null) {
          values.put(FIELD_NAMES.get(f), g.value[f]);
        }
      }
      gpus.add(Map.entry(g.tags, values));
    }
    return new Read(gpus, anyDcgm, skipped, firstSkipped);
  }

  /** The mapper's choice among series of one GPU field: the best, the first on a tie. */
  private void offer(Entry e, double value, List<GpuSlot> touched) {
    GpuSlot g = e.gpu;
    if (g.scrape != scrape) {
      g.scrape = scrape;
      Arrays.fill(g.best, null);
      touched.add(g);
    }
    Entry held = g.best[e.field];
    if (held == null || e.before(held)) {
      g.best[e.field] = e;
      g.value[e.field] = value;
    }
  }

  /** What {@code s} means, remembered under {@code text} unless that is null. */
  private Entry meaning(PrometheusTextParser.Series s, String text) {
    boolean dcgm = s.name().startsWith("DCGM_");
    String field = DcgmGpuMapper.FIELDS.get(s.name());
    String index = s.labels().get(io.kilowatch.store.Vocabulary.Tag.GPU);
    Entry e;
    if (field == null || index == null) {
      e = new Entry(text, dcgm, null, -1, false, 0, 0);
    } else {
      var gpu = new DcgmGpuMapper.Gpu(index, s.labels().get("UUID"), s.labels().get("modelName"));
      String instance = s.labels().get("GPU_I_ID");
      e =
          new Entry(
              text,
              dcgm,
              slots.computeIfAbsent(gpu, GpuSlot::new),
              FIELD_NAMES.indexOf(field),
              instance != null,
              DcgmGpuMapper.instanceId(instance),
              DCGM_NAMES.indexOf(s.name()));
    }
    if (text != null) {
      put(e);
    }
    return e;
  }

  private Entry find(String body, int from, int to) {
    int h = hash(body, from, to);
    for (Entry e = table[h & (table.length - 1)]; e != null; e = e.next) {
      if (e.hash == h
          && e.text.length() == to - from
          && body.regionMatches(from, e.text, 0, to - from)) {
        return e;
      }
    }
    return null;
  }

  private void put(Entry e) {
    e.scrape = scrape;
    if (size + 1 > table.length * 3 / 4) {
      rehash(table.length * 2, false);
    }
    int i = e.hash & (table.length - 1);
    e.next = table[i];
    table[i] = e;
    size++;
  }

  private void forgetUnused() {
    rehash(table.length, true);
    slots.values().removeIf(g -> g.scrape != scrape);
  }

  private void rehash(int capacity, boolean onlyThisScrape) {
    Entry[] old = table;
    table = new Entry[capacity];
    size = 0;
    for (Entry head : old) {
      for (Entry e = head; e != null; ) {
        Entry next = e.next;
        if (!onlyThisScrape || e.scrape == scrape) {
          int i = e.hash & (capacity - 1);
          e.next = table[i];
          table[i] = e;
          size++;
        }
        e = next;
      }
    }
  }

  private static int hash(String s, int from, int to) {
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + s.charAt(i);
    }
    return h ^ (h >>> 16);
  }

  /** How many series texts are remembered (for tests). */
  int size() {
    return size;
  }
}
