package io.kilowatch.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.queue.DurableQueue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notifications not yet delivered, on the {@link DurableQueue}: a notification is on disk (forced)
 * before {@link #put} returns, so neither a crash nor a restart loses one. A retry is the same
 * notification (same id, one more attempt) appended again, after which the earlier copy is
 * acknowledged; after a crash between the two, the later copy wins. A message a receiver refused
 * for good (4xx) moves to {@code failed/} for inspection.
 *
 * <p>At most one notification per group waits: a newer one {@link #supersede supersedes} the older
 * (it carries their resolved alerts on), so a receiver back from an outage gets the group's current
 * state once, never a stale "firing" after "resolved". A crash between queuing the newer and
 * dropping the older leaves both on disk; reopening keeps the newest of each group.
 *
 * <p>Bounded at {@value #MAX_BYTES} bytes of waiting notifications (tens of thousands): past that a
 * new notification is refused with an error in the log rather than the disk filled.
 */
public final class Outbox implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Outbox.class);
  static final long MAX_BYTES = 64L * 1024 * 1024;

  private record Held(DurableQueue.Entry entry, OutboxMessage message) {}

  private final Path failed;
  private final ObjectMapper json;
  private final DurableQueue queue;
  private final Map<String, Held> byId = new LinkedHashMap<>();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong givenUp = new AtomicLong();
  private final AtomicLong superseded = new AtomicLong();

  /**
   * What this outbox did since it was opened: notifications queued, attempts rescheduled after a
   * failure, notifications done with (delivered, or logged for a log receiver) and given up (moved
   * to {@code failed/}) and superseded by a newer notification of their group while waiting. Queued
   * = done + given up + superseded + still waiting, so a soak can tell a lost delivery from a late
   * one.
   */
  public record Counts(long queued, long retried, long delivered, long givenUp, long superseded) {}

  public Counts counts() {
    return new Counts(
        queued.get(), retried.get(), delivered.get(), givenUp.get(), superseded.get());
  }

  Outbox(Path dir, ObjectMapper json) {
    this.failed = dir.resolve("failed");
    this.json = json;
    try {
      Files.createDirectories(failed);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create outbox " + dir, e);
    }
    this.queue = DurableQueue.open(dir, MAX_BYTES, DurableQueue.FullPolicy.REJECT_NEW);
    try {
      for (DurableQueue.Entry e : queue.entries()) {
        load(e);
      }
      importFilesOfEarlierVersions(dir);
      keepNewestOfEachGroup();
    } catch (RuntimeException e) {
      queue.close();
      throw e;
    }
  }

  /** One waiting notification from the queue; an unreadable one is set aside in failed/. */
  private void load(DurableQueue.Entry e) {
    byte[] bytes = null;
    try {
      bytes = queue.read(e);
      OutboxMessage m = json.readValue(bytes, OutboxMessage.class);
      Held earlier = byId.put(m.id(), new Held(e, m));
      if (earlier != null) {
        queue.acknowledge(earlier.entry()); // a retry appended before a crash: the later wins
      }
    } catch (IOException | RuntimeException ex) {
      Path aside = failed.resolve("unreadable-" + e.segment() + "-" + e.offset() + ".bin");
      try {
        AtomicFiles.write(aside, bytes == null ? new byte[0] : bytes);
        log.error("unreadable alert notification set aside in {}: {}", aside, ex.toString());
        queue.acknowledge(e);
      } catch (RuntimeException keep) {
        log.error("unreadable alert notification left in the outbox: {}", ex.toString());
      }
    }
  }

  /** What a crash between {@link #supersede}'s append and its acknowledgements left behind. */
  private void keepNewestOfEachGroup() {
    Map<String, OutboxMessage> newest = new LinkedHashMap<>();
    for (OutboxMessage m : pending()) {
      if (m.groupKey() == null) {
        continue;
      }
      OutboxMessage older = newest.put(m.receiver() + "\u0000" + m.groupKey(), m);
      if (older != null) {
        queue.acknowledge(byId.remove(older.id()).entry());
      }
    }
  }

  /** kilowatch 0.1 kept one JSON file per notification; they join the queue once. */
  private void importFilesOfEarlierVersions(Path dir) {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list outbox " + dir, e);
    }
    for (Path p : files) {
      try {
        put(json.readValue(p.toFile(), OutboxMessage.class));
        Files.delete(p);
      } catch (IOException e) {
        log.error("unreadable outbox file {} left in place: {}", p, e.toString());
      }
    }
  }

  /** Durable when this returns. */
  synchronized void put(OutboxMessage m) {
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(m);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode outbox message " + m.id(), e);
    }
    Held earlier = byId.get(m.id());
    // A retry replaces its earlier copy inside the bound, so a full outbox still reschedules.
    var stored = earlier == null ? queue.append(bytes) : queue.replace(earlier.entry(), bytes);
    if (stored.isEmpty() && earlier != null) {
      // Even in its own room the new copy does not fit (a longer error text): keep the schedule
      // in memory so the backoff still applies; the copy on disk is the previous attempt.
      log.warn("alert outbox full: retry of {} scheduled in memory only", m.id());
      byId.put(m.id(), new Held(earlier.entry(), m));
      retried.incrementAndGet();
      return;
    }
    var entry =
        stored.orElseThrow(
            () ->
                new IllegalStateException(
                    "alert outbox full ("
                        + queue.bytes()
                        + " bytes waiting): notification "
                        + m.id()
                        + " not queued; are the receivers reachable?"));
    byId.put(m.id(), new Held(entry, m));
    (m.attempts() == 0 ? queued : retried).incrementAndGet();
  }

  /**
   * Queues {@code m} (durable when this returns) and drops the waiting messages it replaces, which
   * must be of the same receiver and group. One already gone (delivered meanwhile) is skipped.
   */
  synchronized void supersede(OutboxMessage m, List<OutboxMessage> older) {
    put(m);
    for (OutboxMessage o : older) {
      Held held = byId.remove(o.id());
      if (held != null) {
        queue.acknowledge(held.entry());
        superseded.incrementAndGet();
      }
    }
  }

  /** The waiting messages of one receiver's group, oldest first. */
  synchronized List<OutboxMessage> waiting(String receiver, String groupKey) {
    return pending().stream()
        .filter(m -> m.receiver().equals(receiver) && groupKey.equals(m.groupKey()))
        .toList();
  }

  /** Whether the message still waits (it may have been superseded since it was read). */
  synchronized boolean isWaiting(String id) {
    return byId.containsKey(id);
  }

  /**
   * Stores a failed attempt's new schedule, unless the message was superseded meanwhile: a retry
   * must not bring back a notification whose group has moved on.
   *
   * @return whether the message still waits
   */
  synchronized boolean reschedule(OutboxMessage retry) {
    if (!byId.containsKey(retry.id())) {
      return false;
    }
    put(retry);
    return true;
  }

  /**
   * Makes every waiting message of {@code receiver} due at {@code now}, in memory only: the
   * receiver answered again, so what waits for it need not sit out the rest of its backoff (after a
   * restart the stored schedule, already past or near, applies).
   */
  synchronized void expedite(String receiver, java.time.Instant now) {
    byId.replaceAll(
        (id, h) ->
            h.message().receiver().equals(receiver) && h.message().nextAttemptAt().isAfter(now)
                ? new Held(h.entry(), h.message().dueAt(now))
                : h);
  }

  synchronized void remove(OutboxMessage m) {
    Held held = byId.remove(m.id());
    if (held != null) {
      queue.acknowledge(held.entry());
      delivered.incrementAndGet();
    }
  }

  synchronized void fail(OutboxMessage m) {
    try {
      AtomicFiles.write(failed.resolve(name(m)), json.writeValueAsBytes(m));
    } catch (IOException e) {
      log.warn("cannot keep failed message {}: {}", m.id(), e.toString());
    }
    Held held = byId.remove(m.id());
    if (held != null) {
      queue.acknowledge(held.entry());
      givenUp.incrementAndGet();
    }
  }

  /** Every waiting message, oldest first. */
  public synchronized List<OutboxMessage> pending() {
    return byId.values().stream()
        .map(Held::message)
        .sorted(Comparator.comparing(OutboxMessage::createdAt).thenComparing(OutboxMessage::id))
        .toList();
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

  @Override
  public synchronized void close() {
    queue.close();
  }

  private static String name(OutboxMessage m) {
    return String.format("%015d-%s.json", m.createdAt().toEpochMilli(), m.id());
  }
}
