package io.kilowatch.collector.modbus;

import io.kilowatch.config.Profile.RegisterType;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Modbus TCP endpoints (host:port) in use, each with ONE connection that the devices behind it
 * take turns on. A plain Modbus TCP device is an endpoint of its own; an RTU-over-TCP gateway is
 * one endpoint with several unit ids behind it, whose serial line carries one request at a time —
 * and many small TCP devices accept only one or two connections anyway.
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

  /** Takes a reference to the endpoint at {@code host:port}, creating it if needed. */
  public synchronized Endpoint acquire(String host, int port) {
    String key = host.toLowerCase(Locale.ROOT) + ":" + port;
    Endpoint e = endpoints.computeIfAbsent(key, k -> new Endpoint(this, key, host, port));
    e.users++;
    return e;
  }

  /** Endpoints in use, for tests and status pages. */
  public synchronized int size() {
    return endpoints.size();
  }

  private synchronized void release(Endpoint e) {
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
    private int users;
    private volatile ModbusTcpConnection connection;
    private volatile Object owner;

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

    /**
     * One read request, waiting at most {@code timeout} in all: for the turn on the connection, the
     * connect, and the answer. An I/O error or garbage closes the connection; the next request
     * opens a new one.
     *
     * @param user who asks, so that {@link #abort(Object)} can cut that user's request
     * @param pause quiet time kept after the answer, before the next request of anyone
     */
    int[] read(
        Object user,
        int unit,
        RegisterType type,
        int start,
        int count,
        Duration timeout,
        Duration pause)
        throws IOException, ModbusExceptionResponse, InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      if (!lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new IOException(
            "no turn on " + key + " within " + timeout.toMillis() + " ms: another unit holds it");
      }
      owner = user;
      try {
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
        try {
          return c.read(unit, type, start, count, deadline);
        } catch (IOException e) {
          c.close();
          connection = null;
          throw e;
        } finally {
          pause(pause);
        }
      } finally {
        owner = null;
        lock.unlock();
      }
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
      }
    }

    /** Gives back one reference; the last one closes the connection. */
    void release(Object user) {
      abort(user);
      registry.release(this);
    }
  }
}
