package io.kilowatch.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notifications not yet delivered, one fsync'd file each, so that neither a crash nor a restart
 * loses one. Files are named by creation time so they are sent in order; a message a receiver
 * refused for good (4xx) moves to {@code failed/} for inspection.
 */
public final class Outbox {
  private static final Logger log = LoggerFactory.getLogger(Outbox.class);

  private final Path dir;
  private final Path failed;
  private final ObjectMapper json;
  private final java.util.concurrent.atomic.AtomicLong queued =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong retried =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong delivered =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong givenUp =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * What this outbox did since it was opened: notifications queued, attempts rescheduled after a
   * failure, notifications done with (delivered, or logged for a log receiver) and given up (moved
   * to {@code failed/}). Queued = done + given up + still waiting, so a soak can tell a lost
   * delivery from a late one.
   */
  public record Counts(long queued, long retried, long delivered, long givenUp) {}

  public Counts counts() {
    return new Counts(queued.get(), retried.get(), delivered.get(), givenUp.get());
  }

  Outbox(Path dir, ObjectMapper json) {
    this.dir = dir;
    this.failed = dir.resolve("failed");
    this.json = json;
    try {
      Files.createDirectories(failed);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create outbox " + dir, e);
    }
  }

  /** Durable when this returns. */
  synchronized void put(OutboxMessage m) {
    try {
      AtomicFiles.write(file(m), json.writeValueAsBytes(m));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write outbox message " + m.id(), e);
    }
    (m.attempts() == 0 ? queued : retried).incrementAndGet();
  }

  synchronized void remove(OutboxMessage m) {
    AtomicFiles.delete(file(m));
    delivered.incrementAndGet();
  }

  synchronized void fail(OutboxMessage m) {
    try {
      AtomicFiles.write(failed.resolve(name(m)), json.writeValueAsBytes(m));
    } catch (IOException e) {
      log.warn("cannot keep failed message {}: {}", m.id(), e.toString());
    }
    AtomicFiles.delete(file(m));
    givenUp.incrementAndGet();
  }

  /** Every waiting message, oldest first. */
  public synchronized List<OutboxMessage> pending() {
    List<OutboxMessage> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        try {
          out.add(json.readValue(p.toFile(), OutboxMessage.class));
        } catch (IOException e) {
          log.error("unreadable outbox file {} left in place: {}", p, e.toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list outbox " + dir, e);
    }
    return out;
  }

  /** Messages given up on (refused by the receiver, or too old). */
  public synchronized List<OutboxMessage> failed() {
    List<OutboxMessage> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(failed)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        out.add(json.readValue(p.toFile(), OutboxMessage.class));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + failed, e);
    }
    return out;
  }

  private Path file(OutboxMessage m) {
    return dir.resolve(name(m));
  }

  private static String name(OutboxMessage m) {
    return String.format("%015d-%s.json", m.createdAt().toEpochMilli(), m.id());
  }
}
