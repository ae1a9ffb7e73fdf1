package io.kilowatch.analytics.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Re-computes a written report from the store and compares it with the file: the figures line by
 * line (the canonical JSON or CSV) and the input hash.
 */
public final class ReportVerifier {
  private ReportVerifier() {}

  /**
   * @param differences lines of the file's canonical text that the re-computation does not give,
   *     prefixed {@code -}, and new ones, prefixed {@code +}
   */
  public record Verification(
      boolean figuresMatch,
      boolean inputMatch,
      String fileInputSha256,
      String storeInputSha256,
      List<String> differences) {
    public boolean matches() {
      return figuresMatch && inputMatch;
    }
  }

  /** The canonical text a report file carries: the file (csv, json) or the embedded JSON. */
  public static String canonical(Path file) throws IOException {
    var format = ReportFormat.ofFileName(file.getFileName().toString());
    return switch (format) {
      case CSV, JSON -> Files.readString(file, StandardCharsets.UTF_8);
      case HTML -> HtmlReport.embeddedJson(Files.readString(file, StandardCharsets.UTF_8));
      case PDF -> PdfReport.embeddedJson(file);
    };
  }

  /** The meta fields (from, to, cluster, ...) of a canonical text. */
  public static Map<String, String> meta(String canonical) throws IOException {
    var out = new HashMap<String, String>();
    if (canonical.startsWith(CanonicalText.CSV_HEADER)) {
      for (String line : canonical.split("\n")) {
        if (line.startsWith("meta,,")) {
          String[] p = line.split(",", -1);
          out.put(p[2], p[3]);
        }
      }
      return out;
    }
    JsonNode root = new ObjectMapper().readTree(canonical);
    for (JsonNode f : root.path("figures")) {
      if (f.path("section").asText().equals("meta") && !f.path("value").isNull()) {
        out.put(f.path("field").asText(), f.path("value").asText());
      }
    }
    return out;
  }

  /**
   * @param rebuild builds the report again for (from, to, cluster or null)
   */
  public static Verification verify(Path file, BiFunction<Instant[], String, Report> rebuild)
      throws IOException {
    String text = canonical(file);
    Map<String, String> meta = meta(text);
    String from = meta.get("from");
    String to = meta.get("to");
    if (from == null || to == null) {
      throw new IOException(file + " is not a kilowatch report (no from/to)");
    }
    String cluster = meta.get("cluster");
    Report again =
        rebuild.apply(
            new Instant[] {Instant.parse(from), Instant.parse(to)},
            cluster == null || cluster.isEmpty() ? null : cluster);
    boolean csv = text.startsWith(CanonicalText.CSV_HEADER);
    // A file written before the label column/field is compared with that same form: labels are
    // words, not figures, and must not make an old report fail.
    boolean labels =
        csv
            ? text.startsWith(CanonicalText.CSV_HEADER_LABELLED + "\n")
            : text.contains("\"label\": ");
    String fresh = csv ? CanonicalText.csv(again, labels) : CanonicalText.json(again, labels);
    var differences = diff(text, fresh);
    String storeHash = again.provenance().inputSha256();
    boolean figures =
        differences.stream().allMatch(d -> d.contains("kilowatch_version") || d.contains("input_"));
    return new Verification(
        figures,
        storeHash.equals(meta.get("input_sha256")),
        meta.get("input_sha256"),
        storeHash,
        differences);
  }

  private static List<String> diff(String was, String now) {
    var a = new LinkedHashSet<>(List.of(was.split("\n")));
    var b = new LinkedHashSet<>(List.of(now.split("\n")));
    var out = new ArrayList<String>();
    for (String l : a) {
      if (!b.contains(l)) {
        out.add("- " + l.strip());
      }
    }
    for (String l : b) {
      if (!a.contains(l)) {
        out.add("+ " + l.strip());
      }
    }
    return out;
  }
}
