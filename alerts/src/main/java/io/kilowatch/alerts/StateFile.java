package io.kilowatch.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** The alerting state on disk: one JSON file replaced atomically after every change. */
final class StateFile {
  record Saved(
      Instant savedAt,
      List<Alert> alerts,
      List<AlertEvent> history,
      List<Silence> silences,
      List<NotificationGroup> groups) {
    static final Saved EMPTY = new Saved(null, List.of(), List.of(), List.of(), List.of());

    Saved {
      alerts = alerts == null ? List.of() : List.copyOf(alerts);
      history = history == null ? List.of() : List.copyOf(history);
      silences = silences == null ? List.of() : List.copyOf(silences);
      groups = groups == null ? List.of() : List.copyOf(groups);
    }
  }

  private final Path file;
  private final ObjectMapper json;

  StateFile(Path file, ObjectMapper json) {
    this.file = file;
    this.json = json;
  }

  Saved load() {
    if (!Files.exists(file)) {
      return Saved.EMPTY;
    }
    try {
      return json.readValue(file.toFile(), Saved.class);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "alert state " + file + " is unreadable; move it away to start with no alert state", e);
    }
  }

  void save(Saved state) {
    try {
      AtomicFiles.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write alert state " + file, e);
    }
  }
}
