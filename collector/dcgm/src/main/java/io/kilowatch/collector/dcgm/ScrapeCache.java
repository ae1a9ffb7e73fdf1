package io.kilowatch.collector.dcgm;

import io.kilowatch.store.FieldMap;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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

  static {
    // Below 64: with all 64 present the mask would be -1, the slot's "no map yet".
    if (FIELD_NAMES.size() >= Long.SIZE) {
      throw new ExceptionInInitializerError("a GPU's present fields are one bit each of a long");
    }
  }

  private static final List<String> DCGM_NAMES = List.copyOf(DcgmGpuMapper.FIELDS.keySet());

  /** One GPU, with the tag map its samples carry on every scrape and this scrape's candidates. */
  private static final class GpuSlot {
    final Map<String, String> tags;
    int scrape = -1;
    final double[] value = new double[FIELD_NAMES.size()];
    final Entry[] best = new Entry[FIELD_NAMES.size()];

    /** The fields of the last scrape that had these ({@link #present}), for their names. */
    FieldMap last;

    long present = -1;

    GpuSlot(DcgmGpuMapper.Gpu gpu) {
      this.tags = java.util.Collections.unmodifiableMap(gpu.tags());
    }
  }

  /** What one series text means; {@code gpu} is null for a series that maps to no GPU field. */
  private static final class Entry {
    final byte[] text;
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
        byte[] text,
        boolean dcgm,
        GpuSlot gpu,
        int field,
        boolean instance,
        long instanceId,
        int nameRank) {
      this.text = text;
      this.hash = text == null ? 0 : hash(text, 0, text.length);
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

  /** As {@link #read(byte[], int)}, for a body that came as text (the JDK client's, tests). */
  Read read(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return read(bytes, bytes.length);
  }

  /**
   * The scrape in {@code body[0, length)}, UTF-8, read from the bytes as they came: a line seen
   * before costs a hash and a comparison of its bytes and the parse of its value, with no text made
   * of it. A line with a byte outside ASCII (rare: a label value in another script) is decoded and
   * parsed in full each time, so that {@link String#strip()}'s Unicode white space and the
   * decoder's treatment of invalid bytes are exactly the parser's.
   */
  Read read(byte[] body, int length) {
    scrape++;
    var touched = new ArrayList<GpuSlot>();
    boolean anyDcgm = false;
    int skipped = 0;
    String firstSkipped = null;
    int used = 0;
    ascii.bytes = body;
    for (int from = 0; from <= length; ) {
      int end = from;
      int high = 0;
      while (end < length && body[end] != '\n') {
        high |= body[end];
        end++;
      }
      int next = end + 1;
      Entry e = null;
      Double value;
      String unreadable = null;
      if (high < 0) {
        String line = new String(body, from, end - from, StandardCharsets.UTF_8).strip();
        if (line.isEmpty() || line.charAt(0) == '#') {
          from = next;
          continue;
        }
        PrometheusTextParser.Series s = PrometheusTextParser.parseLine(line);
        value = s == null ? null : s.value();
        if (s != null) {
          e = meaning(s, null);
        } else {
          unreadable = line;
        }
      } else {
        // strip(), for ASCII
        while (from < end && isWhitespace(body[from])) {
          from++;
        }
        while (end > from && isWhitespace(body[end - 1])) {
          end--;
        }
        if (from == end || body[from] == '#') {
          from = next;
          continue;
        }
        int brace = end - 1;
        while (brace >= from && body[brace] != '}') {
          brace--;
        }
        e = brace >= from ? find(body, from, brace + 1) : null;
        if (e != null) {
          value = PrometheusTextParser.parseTail(ascii, brace + 1, end);
        } else {
          String line = new String(body, from, end - from, StandardCharsets.ISO_8859_1);
          PrometheusTextParser.Series s = PrometheusTextParser.parseLine(line);
          value = s == null ? null : s.value();
          if (s != null) {
            boolean labelled =
                line.length() > s.name().length() && line.charAt(s.name().length()) == '{';
            // Only a label set's text is remembered: it ends at the line's last '}'.
            e = meaning(s, labelled ? Arrays.copyOfRange(body, from, brace + 1) : null);
          }
          unreadable = line;
        }
      }
      if (value == null) {
        skipped++;
        if (firstSkipped == null) {
          firstSkipped =
              PrometheusTextParser.shorten(
                  unreadable != null
                      ? unreadable
                      : new String(body, from, end - from, StandardCharsets.ISO_8859_1));
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
    ascii.bytes = null;
    if (size > 2 * used + 64) {
      forgetUnused();
    }
    var gpus = new ArrayList<Map.Entry<Map<String, String>, Map<String, Double>>>(touched.size());
    for (GpuSlot g : touched) {
      // The same fields as last time, nearly always: the new values under the names already
      // sorted, with no map built.
      long present = 0;
      int n = 0;
      for (int f = 0; f < g.best.length; f++) {
        if (g.best[f] != null) {
          present |= 1L << f;
          n++;
        }
      }
      if (present != g.present) {
        var named = new TreeMap<String, Double>();
        for (int f = 0; f < g.best.length; f++) {
          if (g.best[f] != null) {
            named.put(FIELD_NAMES.get(f), g.value[f]);
          }
        }
        g.last = FieldMap.of(named);
        g.present = present;
      } else {
        var values = new double[n];
        int i = 0;
        for (int f = 0; f < g.best.length; f++) {
          if (g.best[f] != null) {
            values[i++] = g.value[f];
          }
        }
        g.last = g.last.withValues(values);
      }
      gpus.add(Map.entry(g.tags, g.last));
    }
    return new Read(gpus, anyDcgm, skipped, firstSkipped);
  }

  /** What {@link Character#isWhitespace} says of an ASCII character. */
  private static boolean isWhitespace(byte b) {
    return b == ' ' || (b >= '\t' && b <= '\r') || (b >= 0x1C && b <= 0x1F);
  }

  /**
   * The body's bytes as characters, for {@link PrometheusTextParser#parseTail} on an ASCII line
   * without a copy: each byte below 0x80 is the character of the same code.
   */
  private static final class AsciiChars implements CharSequence {
    byte[] bytes;

    @Override
    public char charAt(int index) {
      return (char) bytes[index];
    }

    @Override
    public int length() {
      return bytes.length;
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
  }

  private final AsciiChars ascii = new AsciiChars();

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
  private Entry meaning(PrometheusTextParser.Series s, byte[] text) {
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

  private Entry find(byte[] body, int from, int to) {
    int h = hash(body, from, to);
    for (Entry e = table[h & (table.length - 1)]; e != null; e = e.next) {
      if (e.hash == h && Arrays.equals(body, from, to, e.text, 0, e.text.length)) {
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

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /**
   * A hash of {@code b[from, to)}, eight bytes a step: a label set is 100-300 bytes and every line
   * of every scrape is hashed, where a byte a step was the scrape path's largest cost (JFR).
   */
  private static int hash(byte[] b, int from, int to) {
    long h = to - from;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      h = Long.rotateLeft((h ^ (long) LONGS.get(b, i)) * 0x9E3779B97F4A7C15L, 31);
    }
    for (; i < to; i++) {
      h = Long.rotateLeft((h ^ b[i]) * 0x9E3779B97F4A7C15L, 31);
    }
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    return (int) (h ^ (h >>> 32));
  }

  /** How many series texts are remembered (for tests). */
  int size() {
    return size;
  }
}
