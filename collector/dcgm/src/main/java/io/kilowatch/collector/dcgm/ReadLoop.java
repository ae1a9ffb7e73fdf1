package io.kilowatch.collector.dcgm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every kept-alive exporter connection of the process from one (virtual) thread, through one
 * selector on which each connection is registered once, for as long as it is open.
 *
 * <p>Why not a blocking read on the scraping virtual thread: when the answer is not there yet (half
 * of the scrapes at 25,000 GPUs), the JDK parks the thread and registers the socket with its poller
 * for that one wait, then removes it: two {@code epoll_ctl} calls and a read that finds nothing per
 * scrape, a sixth of the scrape loops' CPU in the profile (and each system call costs more where
 * the machine is a virtual one). Here a connection stays registered, the loop reads what arrives,
 * whole, and hands it to the scrape waiting for it.
 */
final class ReadLoop {
  private static final Logger log = LoggerFactory.getLogger(ReadLoop.class);

  /** What the loop reads into; {@link Reader#readable} copies it out before the next read. */
  private static final int READ_BUFFER = 64 * 1024;

  /** A connection's side of the loop. Called on the loop's thread only; must not block. */
  interface Reader {
    /**
     * The channel has bytes, or has ended: read once into {@code scratch} (cleared) and take what
     * came. Runs on the loop's thread, one call at a time.
     */
    void readable(SocketChannel channel, ByteBuffer scratch);

    /**
     * Reading failed with something other than an I/O error (an {@link OutOfMemoryError} growing a
     * buffer): the connection is given up, and the loop goes on with the others.
     */
    void failed(Throwable t);
  }

  private static volatile ReadLoop shared;

  private final Selector selector;
  private final ByteBuffer scratch = ByteBuffer.allocateDirect(READ_BUFFER);

  private ReadLoop() throws IOException {
    this.selector = Selector.open();
    // A virtual thread, as the JDK's own pollers are: it hands each answer to the scrape waiting
    // for it inside the carriers' pool. A platform loop measured the same CPU at 25,000 GPUs
    // (bench/README.md), but platform poller threads failed 100,000 GPUs where the JDK's default
    // passed: each hand-off from outside the pool wakes a carrier.
    Thread.ofVirtual().name("dcgm-read-loop").start(this::run);
  }

  /** The process's loop, started on first use. */
  static ReadLoop shared() throws IOException {
    ReadLoop loop = shared;
    if (loop == null) {
      synchronized (ReadLoop.class) {
        loop = shared;
        if (loop == null) {
          loop = new ReadLoop();
          shared = loop;
        }
      }
    }
    return loop;
  }

  /**
   * Registers a connected, non-blocking channel for reading until it is closed. The loop takes the
   * registration at its next turn; bytes that arrive before are read then (the selector reports a
   * readable channel for as long as it is readable).
   */
  SelectionKey register(SocketChannel channel, Reader reader) throws ClosedChannelException {
    SelectionKey key = channel.register(selector, SelectionKey.OP_READ, reader);
    selector.wakeup();
    return key;
  }

  /** Reading of {@code key}'s channel starts again after {@link #pause}. */
  void resume(SelectionKey key) {
    try {
      key.interestOps(SelectionKey.OP_READ);
      selector.wakeup();
    } catch (CancelledKeyException e) {
      // Closed meanwhile: nothing to read any more.
    }
  }

  /** Stops reading {@code key}'s channel until {@link #resume}; on the loop's thread. */
  static void pause(SelectionKey key) {
    try {
      key.interestOps(0);
    } catch (CancelledKeyException e) {
      // Closed meanwhile.
    }
  }

  /**
   * Releases a closed channel's registration now: the selector closes a registered channel's socket
   * only when it deregisters it, at its next turn.
   */
  void release(SelectionKey key) {
    key.cancel();
    selector.wakeup();
  }

  private void run() {
    while (true) {
      try {
        selector.select(this::ready);
      } catch (IOException | UncheckedIOException e) {
        // The selector itself failing is not expected; the scrapes waiting on it end at their
        // deadlines, and this is logged rather than spun on.
        log.error("dcgm read loop: select failed", e);
        sleepQuietly();
      } catch (Throwable t) {
        // Whatever happens, the loop goes on: every dcgm scrape of the process depends on it.
        log.error("dcgm read loop: unexpected failure", t);
        sleepQuietly();
      }
    }
  }

  private void ready(SelectionKey key) {
    if (!key.isValid()) {
      return;
    }
    scratch.clear();
    var reader = (Reader) key.attachment();
    try {
      reader.readable((SocketChannel) key.channel(), scratch);
    } catch (Throwable t) {
      key.cancel();
      reader.failed(t);
      log.warn("dcgm read loop: reading a connection failed; it is given up", t);
    }
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      // Nobody interrupts the loop; the flag would only make every select return at once.
    }
  }
}
