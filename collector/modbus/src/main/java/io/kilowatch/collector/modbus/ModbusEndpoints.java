package io.kilowatch.collector.modbus;

import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.config.Source.ModbusConnection;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Modbus TCP endpoints (host:port) in use, each with ONE connection that the devices behind it
 * take turns on. A plain Modbus TCP device is an endpoint of its own; an RTU-over-TCP gateway is
 * one endpoint with several unit ids behind it, whose serial line carries one request at a time —
 * and many small TCP devices accept only one or two connections anyway. With {@link
 * ModbusConnection#PER_UNIT} each unit id is an endpoint of its own instead.
 *
 * <p>A unit that stops answering must not cost the others their polls: a request that times out
 * without a byte of answer leaves the connection open (a late answer is recognised by its
 * transaction id and dropped), and marks the unit <em>silent</em>, so that its next requests wait
 * only the short silent-unit timeout until it answers again.
 *
 * <p>Endpoints are counted: {@link #acquire} when a collector is made, {@link Endpoint#release}
 * when it is closed; the connection closes with its last user.
 */
public final class ModbusEndpoints {
  private static final ModbusEndpoints SHARED = new ModbusEndpoints();

  private final Map<String, Endpoint> endpoints = new HashMap<>();

  /** The registry every collector made by the application shares. */
  public static ModbusEndpoints shared() {
    return SHARED;
  }

  /** Takes a reference to the shared endpoint at {@code host:port}, creating it if needed. */
  public Endpoint acquire(String host, int port) {
    return acquire(host, port, 0, ModbusConnection.SHARED);
  }

  /**
   * Takes a reference to the endpoint that {@code unit} at {@code host:port} is reached through:
   * the host's shared one, or the unit's own.
   */
  public synchronized Endpoint acquire(String host, int port, int unit, ModbusConnection mode) {
    String key =
        host.toLowerCase(Locale.ROOT)
            + ":"
            + port
            + (mode == ModbusConnection.PER_UNIT ? "/unit-" + unit : "");
    Endpoint e = endpoints.computeIfAbsent(key, k -> new Endpoint(this, key, host, port));
    e.users++;
    e.units.merge(unit, 1, Integer::sum);
    e.shared = e.units.size() > 1;
    return e;
  }

  /** Endpoints in use, for tests and status pages. */
  public synchronized int size() {
    return endpoints.size();
  }

  private synchronized void release(Endpoint e, int unit) {
    e.units.computeIfPresent(unit, (u, n) -> n == 1 ? null : n - 1);
    e.shared = e.units.size() > 1;
    if (--e.users == 0) {
      endpoints.remove(e.key);
      e.abort();
    }
  }

  /** One host:port, with its connection and the lock that serialises requests over it. */
  public static final class Endpoint {
    private final ModbusEndpoints registry;
    private final String key;
    private final String host;
    private final int port;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Map<Integer, Integer> units = new HashMap<>();
    private final Set<Integer> silent = ConcurrentHashMap.newKeySet();
    private final AtomicLong drops = new AtomicLong();
    private int users;

    /** Whether several unit ids use this endpoint: kept as they come and go, read per request. */
    private volatile boolean shared;

    private volatile ModbusTcpConnection connection;
    private volatile Object owner;
    private volatile int ownerUnit = -1;

    private Endpoint(ModbusEndpoints registry, String key, String host, int port) {
      this.registry = registry;
      this.key = key;
      this.host = host;
      this.port = port;
    }

    public String host() {
      return host;
    }

    public int port() {
      return port;
    }

    /** Whether several unit ids take turns on this connection (an RTU gateway). */
    public boolean sharedByUnits() {
      return shared;
    }

    /**
     * Connections dropped so far: what was learned about a device before a drop may no longer hold
     * after it (the next connection may reach a replaced or reconfigured device).
     */
    public long connectionsDropped() {
      return drops.get();
    }

    /** Whether the last request to {@code unit} went unanswered. */
    public boolean silent(int unit) {
      return silent.contains(unit);
    }

    /**
     * One read request. The wait for the turn on the connection is bounded by {@code pollDeadline};
     * the connect and the answer by {@code answerTimeout} (or {@code silentTimeout} for a unit
     * whose last request went unanswered), and never past {@code pollDeadline}. A timeout with
     * nothing received keeps the connection; any other I/O error or garbage closes it, and the next
     * request opens a new one.
     *
     * @param user who asks, so that {@link #abort(Object)} can cut that user's request
     * @param pollDeadline {@link System#nanoTime()} by which the caller's poll must be over
     * @param pause quiet time kept after the answer, before the next request of anyone
     */
    int[] read(
        Object user,
        int unit,
        RegisterType type,
        int start,
        int count,
        Duration answerTimeout,
        Duration silentTimeout,
        long pollDeadline,
        Duration pause)
        throws IOException, ModbusExceptionResponse, InterruptedException {
      long turnWait = pollDeadline - System.nanoTime();
      if (turnWait <= 0 || !lock.tryLock(turnWait, TimeUnit.NANOSECONDS)) {
        int holder = ownerUnit;
        throw new SocketTimeoutException(
            "no turn on "
                + key
                + " before the poll's timeout: "
                + (holder >= 0 ? "unit " + holder + " holds it" : "other units hold it"));
      }
      owner = user;
      ownerUnit = unit;
      try {
        Duration wait = silent.contains(unit) ? min(answerTimeout, silentTimeout) : answerTimeout;
        long deadline = Math.min(pollDeadline, System.nanoTime() + wait.toNanos());
        ModbusTcpConnection c = connection;
        if (c == null || !c.isOpen()) {
          c = new ModbusTcpConnection(host, port);
          try {
            c.connect(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
          } catch (IOException e) {
            c.close();
            throw e;
          }
          connection = c;
        }
        boolean givenUp = false;
        try {
          // On a line that other unit ids share, or with another request waiting for its turn
          // as this one is sent, the answer is taken as soon as it comes, not at the shared
          // instant of ModbusTcpConnection#awaitAnswer, which would hold the line for the others.
          boolean gather = !shared && !lock.hasQueuedThreads();
          int[] values = c.read(unit, type, start, count, deadline, gather);
          silent.remove(unit);
          return values;
        } catch (InterruptedException e) {
          // Given up while awaiting the answer: no pause after it, as after an interrupt that
          // came in the socket read.
          givenUp = true;
          throw e;
        } catch (ModbusExceptionResponse e) {
          // It answered: alive, whatever it said.
          silent.remove(unit);
          throw e;
        } catch (IOException e) {
          if (e instanceof SocketTimeoutException && c.inStep()) {
            // Nothing of an answer came: the stream is still in step, and the other units
            // behind this host keep the connection.
            silent.add(unit);
          } else {
            c.close();
            connection = null;
            drops.incrementAndGet();
          }
          throw e;
        } finally {
          if (!givenUp) {
            pause(pause);
          }
        }
      } finally {
        owner = null;
        ownerUnit = -1;
        lock.unlock();
      }
    }

    private static Duration min(Duration a, Duration b) {
      return a.compareTo(b) <= 0 ? a : b;
    }

    private static void pause(Duration pause) {
      if (pause.isPositive()) {
        try {
          Thread.sleep(pause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /**
     * Cuts the request of {@code user} if one is in flight, by closing the connection under it: the
     * only thing that unblocks a thread stuck in a socket read.
     */
    void abort(Object user) {
      if (owner == user) {
        abort();
      }
    }

    private void abort() {
      ModbusTcpConnection c = connection;
      if (c != null) {
        c.close();
        drops.incrementAndGet();
      }
    }

    /** Gives back one reference; the last one closes the connection. */
    void release(Object user, int unit) {
      abort(user);
      registry.release(this, unit);
    }
  }
}
