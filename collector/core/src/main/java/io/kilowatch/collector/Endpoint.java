package io.kilowatch.collector;

import io.kilowatch.config.Source;
import io.kilowatch.time.Sleeper;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;

/**
 * The network address several devices share (a Modbus gateway, an OPC UA server) and the watch that
 * ends their backoffs together when it is back.
 *
 * <p>While any device behind it is down, a probe connects at the shortest poll interval of those
 * devices. Only the change from "does not answer" to "answers" wakes the devices: an address that
 * answers while a device behind it fails (a dead unit behind a live gateway) leaves that device's
 * backoff alone. No watch starts while another device behind the address is up, and a watch ends at
 * the first answer, so a live gateway sees no extra connect for a dead unit behind it.
 */
final class Endpoint {

  /** Host (lower case) and TCP port. */
  record Address(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }

    /** The address a device's source connects to, or null for sources without one. */
    static Address of(Source source) {
      if (source instanceof Source.Modbus m) {
        return m.host() == null ? null : new Address(m.host().toLowerCase(Locale.ROOT), m.port());
      }
      if (source instanceof Source.OpcUa o) {
        return ofUri(o.endpoint(), 4840);
      }
      if (source instanceof Source.Dcgm d) {
        return ofUri(d.url(), d.url() != null && "https".equals(d.url().getScheme()) ? 443 : 80);
      }
      return null;
    }

    private static Address ofUri(URI uri, int defaultPort) {
      if (uri == null || uri.getHost() == null) {
        return null;
      }
      return new Address(
          uri.getHost().toLowerCase(Locale.ROOT), uri.getPort() > 0 ? uri.getPort() : defaultPort);
    }
  }

  /** A device loop as the endpoint sees it. */
  interface Member {
    String id();

    boolean down();

    Duration interval();

    Duration timeout();

    /** Ends the device's backoff wait now; false when it was not waiting. */
    boolean wake();
  }

  private final Address address;
  private final EndpointProbe probe;
  private final Sleeper sleeper;
  private final Logger log;
  private final List<Member> members = new CopyOnWriteArrayList<>();
  // The members now down, kept as they fail and recover: scanning every member on each recovery
  // was quadratic on a gateway with thousands of units behind it.
  private final Set<Member> down = ConcurrentHashMap.newKeySet();
  private Thread watch;
  private boolean closed;

  Endpoint(Address address, EndpointProbe probe, Sleeper sleeper, Logger log) {
    this.address = address;
    this.probe = probe;
    this.sleeper = sleeper;
    this.log = log;
  }

  Address address() {
    return address;
  }

  void add(Member m) {
    members.add(m);
  }

  /** A device behind this address failed: watch the address unless that is already done. */
  synchronized void memberFailed(Member m) {
    down.add(m);
    if (closed || (watch != null && watch.isAlive())) {
      return;
    }
    if (down.size() < members.size()) {
      // Another device behind it is answering (or not polled yet): the address is there, and a
      // dead unit behind a live gateway must not cost it a connect per failed poll.
      return;
    }
    watch = Thread.ofVirtual().name("probe-" + address).start(this::watch);
  }

  /** A device behind this address is back after being down: so is the address. */
  void memberRecovered(Member m) {
    // Only when every device behind the address was down is the address itself back: while some
    // answered, the address was there and the others are down for their own reasons.
    boolean addressWasDown = down.size() >= members.size();
    down.remove(m);
    if (addressWasDown) {
      wakeAll("device " + m.id() + " answers again");
    }
  }

  synchronized void close() {
    closed = true;
    if (watch != null) {
      watch.interrupt();
    }
  }

  private void watch() {
    boolean unanswered = false;
    try {
      while (!Thread.currentThread().isInterrupted()) {
        if (down.isEmpty() && !unanswered) {
          return;
        }
        Duration every =
            members.stream().map(Member::interval).min(Duration::compareTo).orElseThrow();
        Duration timeout =
            members.stream().map(Member::timeout).min(Duration::compareTo).orElseThrow();
        if (probe.answers(address, timeout.compareTo(every) < 0 ? timeout : every)) {
          if (unanswered) {
            wakeAll(address + " answers again");
          }
          return;
        }
        if (!unanswered) {
          log.debug("{} does not answer; watching it every {}", address, every);
        }
        unanswered = true;
        if (down.isEmpty()) {
          // Every device is back already (their own polls saw it first): nothing to wake.
          return;
        }
        sleeper.sleep(every);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void wakeAll(String why) {
    if (down.isEmpty()) {
      return;
    }
    var woken = down.stream().filter(Member::down).filter(Member::wake).map(Member::id).toList();
    if (!woken.isEmpty()) {
      log.info("{}: polling {} now instead of after their backoff", why, woken);
    }
  }
}
