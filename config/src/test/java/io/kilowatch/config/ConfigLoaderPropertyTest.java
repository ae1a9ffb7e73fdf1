package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * A site file is typed by hand: whatever it holds, loading gives a configuration or a {@link
 * ConfigException} whose problems name this file and a line in it, never another exception (an
 * operator cannot act on a stack trace).
 */
class ConfigLoaderPropertyTest {
  private static final Path EXAMPLES = Path.of("examples");
  private static final String FILE = "site.yaml";
  private static final String VALID = read(EXAMPLES.resolve(FILE));
  private static final Map<String, String> ENV = Map.of("X", "1", "KW_EMPTY", "");

  /** Values that have each tripped some parser: overflow, YAML tags, anchors, env, types. */
  private static final List<String> NASTY =
      List.of(
          "999999999999y",
          "999999999999d",
          "-999999999999ms",
          "0s",
          "-1",
          "0",
          "65536",
          "99999999999999999999",
          "-9223372036854775809",
          "1e400",
          "-.inf",
          ".nan",
          "0x7fffffff",
          "~",
          "null",
          "''",
          "\"\"",
          "[]",
          "{}",
          "[",
          "{",
          "&a x",
          "*a",
          "*nope",
          "<<: *a",
          "!!binary AAAA",
          "!!java.lang.Object {}",
          "!!set {a}",
          "!!timestamp 2026-01-01",
          "${X}",
          "${NOPE}",
          "${",
          "${X:-${X}}",
          "true",
          "yes",
          "\"\\u0000\"",
          "\t",
          "- x",
          "? x",
          "%YAML 1.1",
          "---",
          "...",
          "|",
          ">-",
          "'",
          "@x",
          "`",
          "opc.tcp://",
          "http://",
          "a/b/../../..",
          "1/0",
          "0/0",
          "2/1",
          "µ",
          "degC/0",
          "W*W/W",
          "1e308 kW");

  @Provide
  Arbitrary<String> tokens() {
    return Arbitraries.oneOf(
        Arbitraries.of(NASTY),
        Arbitraries.strings()
            .withChars(":-[]{},&*!|>'\"#%@`?\\$ \t\n0123456789.abyms")
            .ofMaxLength(12),
        Arbitraries.strings().all().ofMaxLength(8));
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(
        Arbitraries.strings()
            .withChars(":-[]{},&*!|>'\"#%@`?\\$ \t\n0123456789.abyms")
            .ofMaxLength(200),
        Arbitraries.strings().all().ofMaxLength(100),
        tokens().list().ofMaxSize(12).map(l -> String.join("\n", l)));
  }

  // Any text at all: a configuration or a ConfigException, nothing else.
  @Property(tries = 1000)
  void anyTextLoadsOrFailsWithProblemsAtFileAndLine(@ForAll("texts") String yaml) {
    loadOrProblems(yaml);
  }

  enum Edit {
    DELETE_LINE,
    DUPLICATE_LINE,
    REPLACE_VALUE,
    REPLACE_LINE,
    INSERT_TEXT,
    INDENT,
    DEDENT
  }

  record Mutation(Edit edit, int line, int column, String token) {}

  @Provide
  Arbitrary<Mutation> mutations() {
    return Combinators.combine(
            Arbitraries.of(Edit.class),
            Arbitraries.integers().between(0, 10_000),
            Arbitraries.integers().between(0, 200),
            tokens())
        .as(Mutation::new);
  }

  // A valid file with a few edits (lines lost, values replaced, indentation broken): the same.
  @Property(tries = 500)
  void aMutatedValidConfigLoadsOrFailsWithProblemsAtFileAndLine(
      @ForAll @Size(min = 1, max = 4) List<@From("mutations") Mutation> mutations) {
    var lines = new ArrayList<>(VALID.lines().toList());
    for (Mutation m : mutations) {
      apply(lines, m);
    }
    loadOrProblems(String.join("\n", lines) + "\n");
  }

  private static void apply(List<String> lines, Mutation m) {
    if (lines.isEmpty()) {
      lines.add(m.token());
      return;
    }
    int at = m.line() % lines.size();
    String line = lines.get(at);
    switch (m.edit()) {
      case DELETE_LINE -> lines.remove(at);
      case DUPLICATE_LINE -> lines.add(at, line);
      case REPLACE_VALUE -> {
        int colon = line.indexOf(": ");
        lines.set(at, colon < 0 ? line + m.token() : line.substring(0, colon + 2) + m.token());
      }
      case REPLACE_LINE -> lines.set(at, m.token());
      case INSERT_TEXT -> {
        int c = Math.min(m.column(), line.length());
        lines.set(at, line.substring(0, c) + m.token() + line.substring(c));
      }
      case INDENT -> lines.set(at, "  " + line);
      case DEDENT -> lines.set(at, line.startsWith("  ") ? line.substring(2) : line);
    }
  }

  /** Loads {@code yaml}; a failure must be a ConfigException locating each problem in the file. */
  private static void loadOrProblems(String yaml) {
    int lineCount = (int) yaml.lines().count() + 1;
    try {
      ConfigLoader.parse(yaml, FILE, EXAMPLES, ENV);
    } catch (ConfigException e) {
      assertThat(e.problems()).as(yaml).isNotEmpty();
      for (ConfigProblem p : e.problems()) {
        assertThat(p.file()).as(p.toString()).isNotBlank();
        assertThat(p.line()).as(p.toString()).isNotNegative();
        assertThat(p.message()).as(p.toString()).isNotBlank();
        assertThat(e.getMessage()).contains(p.file() + ":" + p.line() + ": ");
        if (p.file().equals(FILE)) {
          assertThat(p.line()).as(p.toString()).isLessThanOrEqualTo(lineCount);
        }
      }
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
