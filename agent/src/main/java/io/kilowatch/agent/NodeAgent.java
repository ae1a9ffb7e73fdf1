package io.kilowatch.agent;

import io.kilowatch.collector.lineprotocol.LineProtocolWriter;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.collector.nvml.NvmlCollector;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Source;
import io.kilowatch.queue.DurableQueue;
import io.kilowatch.store.Sample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kilowatch agent}: reads this node's GPUs through NVML every interval and pushes the
 * readings as line protocol to a central kilowatch or to InfluxDB.
 *
 * <p>Every batch goes to a {@link DurableQueue} first (on disk, forced, before the read counts as
 * done) and a sender drains it oldest first, so batches arrive in the order they were taken, also
 * after an outage, a restart or a kill of the agent. A batch leaves the queue only once the target
 * stored it (or refused its content for good). The queue is bounded: past {@code --buffer-max-mib}
 * the oldest batches are dropped and counted, since the newest readings are the ones an operator
 * needs first after an outage.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

  private final AgentOptions options;
  private final NvmlCollector collector;
  private final DurableQueue buffer;
  private final Semaphore wake = new Semaphore(0);
  private final AtomicLong polls = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean pollerRunning;
  private volatile boolean running;
  private Thread poller;
  private Thread sender;
  private String lastPollError;

  public NodeAgent(AgentOptions options, Clock clock) throws IOException {
    this.options = Objects.requireNonNull(options, "options");
    var device =
        new Device(
            options.node(),
            DeviceKind.GPU_NODE,
            new Location(options.cluster(), options.rack()),
            null,
            new Source.Nvml(options.nvmlLibrary()),
            options.interval(),
            options.interval(),
            options.tags());
    this.collector = new NvmlCollector(device, new Source.Nvml(options.nvmlLibrary()), null, clock);
    this.buffer =
        DurableQueue.open(
            options.bufferDir(), options.bufferMaxBytes(), DurableQueue.FullPolicy.DROP_OLDEST);
    importFilesOfEarlierVersions(options.bufferDir());
  }

  /**
   * kilowatch 0.1's agent kept one {@code NNNNNNNNNNNN.lp} file per batch in the same folder: they
   * join the queue in their order, then go, so an upgrade strands no reading taken in an outage.
   */
  private void importFilesOfEarlierVersions(Path dir) throws IOException {
    List<Path> files;
    try (var list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(".lp")).sorted().toList();
    }
    for (var f : files) {
      byte[] batch = Files.readAllBytes(f);
      if (batch.length > 0) {
        buffer.append(batch);
      }
      Files.delete(f);
    }
    if (!files.isEmpty()) {
      log.info("agent buffer: {} batches from an earlier version queued for sending", files.size());
    }
  }

  public synchronized void start() {
    running = true;
    pollerRunning = true;
    poller = Thread.ofVirtual().name("agent-poll").start(this::pollLoop);
    sender = Thread.ofVirtual().name("agent-send").start(this::sendLoop);
    log.info(
        "agent {} reads NVML ({}) every {} and pushes to {}",
        options.node(),
        options.nvmlLibrary(),
        options.interval(),
        options.target().writeUri());
  }

  private void pollLoop() {
    long next = System.nanoTime();
    while (pollerRunning) {
      pollOnce();
      next += options.interval().toNanos();
      long wait = next - System.nanoTime();
      if (wait < 0) {
        next = System.nanoTime(); // fell behind: skip missed ticks rather than burst
        continue;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** One NVML read into the buffer; a failure is logged when it changes. */
  void pollOnce() {
    try {
      List<Sample> samples = collector.poll();
      var text = new StringBuilder(samples.size() * 400);
      for (Sample s : samples) {
        LineProtocolWriter.append(text, s, Precision.MS);
      }
      if (!text.isEmpty()) {
        if (buffer.append(text.toString().getBytes(StandardCharsets.UTF_8)).isEmpty()) {
          throw new IOException(
              "a batch of " + text.length() + " bytes is larger than the whole agent buffer");
        }
        wake.release();
      }
      polls.incrementAndGet();
      if (lastPollError != null) {
        log.info("NVML reads again");
        lastPollError = null;
      }
    } catch (Exception e) {
      String message = e.getMessage();
      if (!Objects.equals(message, lastPollError)) {
        log.error("cannot read the GPUs: {}; trying again every {}", message, options.interval());
        lastPollError = message;
      }
    }
  }

  private void sendLoop() {
    int failures = 0;
    String lastFailure = null;
    while (running) {
      var batch = buffer.oldest();
      try {
        if (batch.isEmpty()) {
          wake.tryAcquire(500, TimeUnit.MILLISECONDS);
          continue;
        }
        PushTarget.Result r = options.target().send(buffer.read(batch.get()));
        switch (r.outcome()) {
          case DELIVERED -> {
            buffer.acknowledge(batch.get());
            delivered.incrementAndGet();
            if (failures > 0) {
              log.info("target reachable again; {} batches waiting", buffer.size());
            }
            failures = 0;
            lastFailure = null;
          }
          case REFUSED -> {
            buffer.acknowledge(batch.get());
            refused.incrementAndGet();
            log.error("target refused a batch (dropped): {}", r.detail());
          }
          case RETRY -> {
            failures++;
            if (!r.detail().equals(lastFailure)) {
              log.warn(
                  "cannot deliver to {}: {}; {} batches buffered",
                  options.target().writeUri(),
                  r.detail(),
                  buffer.size());
              lastFailure = r.detail();
            }
            long ms = Math.min(options.retryMax().toMillis(), 100L << Math.min(failures, 10));
            // Waking early on new data would hammer a dead target: sleep the whole backoff.
            Thread.sleep(Duration.ofMillis(ms));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("agent buffer: {}", e.toString());
        try {
          Thread.sleep(Duration.ofSeconds(1));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Successful NVML reads so far. */
  public long polls() {
    return polls.get();
  }

  /** Batches the target stored. */
  public long delivered() {
    return delivered.get();
  }

  /** Batches refused for their content. */
  public long refused() {
    return refused.get();
  }

  /** Batches waiting on disk. */
  public int buffered() {
    return buffer.size();
  }

  public long dropped() {
    return buffer.dropped();
  }

  /** Stops reading NVML; the sender goes on draining the buffer. */
  public void stopPolling() throws InterruptedException {
    pollerRunning = false;
    Thread p = poller;
    if (p != null) {
      p.interrupt();
      p.join(Duration.ofSeconds(5));
    }
  }

  /** Stops both loops; what is still buffered stays on disk for the next start. */
  @Override
  public void close() {
    pollerRunning = false;
    running = false;
    for (Thread t : new Thread[] {poller, sender}) {
      if (t != null) {
        t.interrupt();
        try {
          t.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    collector.close();
    options.target().close();
    buffer.close();
  }
}
