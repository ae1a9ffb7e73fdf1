package io.kilowatch.collector.dcgm;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * A plain-HTTP/1.1 GET of one URL over one kept-alive connection, for scraping an exporter every
 * few seconds.
 *
 * <p>Why not {@code java.net.http.HttpClient}: at 3,125 exporters its per-request machinery (a
 * chain of futures, filters, a shared selector, a connection pool with expiry lists) took a third
 * of the process's CPU, more than parsing and storing the answers. A scrape needs only a request
 * written on a socket and a response read back: a status line, headers, and a body delimited by
 * {@code Content-Length}, by chunks (RFC 9112 §7.1: Go's {@code net/http}, which dcgm-exporter
 * uses, chunks any body over its 2 KiB buffer), or by the connection closing.
 *
 * <p>Not thread-safe: one scrape at a time (the collector's poll is synchronized). {@link #abort()}
 * may be called from any thread and ends a scrape in progress.
 */
final class KeepAliveGet {
  /** The largest body taken; a bigger one fails the scrape rather than exhausting the heap. */
  static final int MAX_BODY = 64 * 1024 * 1024;

  private static final int MAX_HEADER_LINE = 16 * 1024;

  /** The size of the arrays the read loop fills and the parse reads. */
  private static final int BUFFER = 16 * 1024;

  private static final byte[] NONE = new byte[0];

  /**
   * Arrays of {@link #BUFFER} bytes that no connection holds, for the next bytes the loop reads: a
   * connection holds one only while an answer is on its way, so 3,125 exporters need a handful, not
   * 3,125 (50 MiB).
   */
  private static final java.util.Queue<byte[]> SPARE =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private static final java.util.concurrent.atomic.AtomicInteger SPARES =
      new java.util.concurrent.atomic.AtomicInteger();

  private static final int MAX_SPARES = 256;

  /**
   * Bytes the read loop takes from one connection before the parse has read them; past this it
   * stops reading that connection until the parse catches up, so a server that floods cannot fill
   * the heap (one read past it at most: 64 KiB more, in an array of up to 512 KiB).
   */
  static final int MAX_UNREAD = 256 * 1024;

  /** Times the loop stopped reading a connection at {@link #MAX_UNREAD}; for tests. */
  static final java.util.concurrent.atomic.AtomicLong PAUSES =
      new java.util.concurrent.atomic.AtomicLong();

  private static final int MAX_HEADERS = 200;

  /** A response: its status and body bytes. */
  record Response(int status, byte[] body, int length) {
    String text() {
      return new String(body, 0, length, StandardCharsets.UTF_8);
    }
  }

  private final URI url;
  private final String host;
  private final int port;
  private final byte[] request;
  private volatile Connection connection;

  /**
   * The answer's bytes the parse has in hand: {@code buf[pos, lim)} are not read yet. Between
   * scrapes none: the array goes back to {@link #SPARE}.
   */
  private byte[] buf = NONE;

  private int pos;
  private int lim;
  private volatile long deadline;
  private volatile boolean aborted;

  KeepAliveGet(URI url) {
    if (!"http".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
      throw new IllegalArgumentException("not a plain http:// URL with a host: " + url);
    }
    this.url = url;
    this.host = url.getHost();
    this.port = url.getPort() > 0 ? url.getPort() : 80;
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    if (url.getRawQuery() != null) {
      path += "?" + url.getRawQuery();
    }
    String hostHeader = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    if (url.getPort() > 0) {
      hostHeader += ":" + url.getPort();
    }
    this.request =
        ("GET "
                + path
                + " HTTP/1.1\r\nHost: "
                + hostHeader
                + "\r\nAccept: text/plain\r\nUser-Agent: kilowatch\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * Sends the GET and reads the whole response within {@code timeout}. A kept-alive connection that
   * the server closed while idle is replaced once, before any byte of an answer was read.
   */
  Response get(Duration timeout) throws IOException {
    deadline = System.nanoTime() + timeout.toNanos();
    ScrapeDeadlines.enter(this);
    try {
      return exchangeOnce();
    } finally {
      ScrapeDeadlines.leave(this);
      recycle(buf);
      buf = NONE;
      pos = lim = 0;
    }
  }

  /**
   * Closes the connection when the scrape in progress passed its deadline: the read waiting on it
   * ends, and the scrape reports a timeout.
   */
  void expireIfPast(long nanoNow) {
    long d = deadline;
    if (nanoNow - d >= 0 && deadline == d) {
      close();
    }
  }

  private Response exchangeOnce() throws IOException {
    Connection c = connection;
    if (c != null && c.ended()) {
      // The server closed it while it was idle (the read loop saw the end): a new one at once.
      close();
    }
    boolean reused = connection != null;
    try {
      return exchange();
    } catch (StaleConnection e) {
      close();
      if (!reused) {
        throw new IOException("GET " + url + ": the connection closed before an answer");
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw rethrown(e);
    }
    try {
      return exchange();
    } catch (StaleConnection e) {
      close();
      throw new IOException("GET " + url + ": the connection closed before an answer");
    } catch (IOException | RuntimeException e) {
      close();
      throw rethrown(e);
    }
  }

  private IOException rethrown(Exception e) {
    if (aborted) {
      return new IOException("GET " + url + ": aborted", e);
    }
    if (e instanceof SocketTimeoutException || remainingMillis() <= 0) {
      var t = new HttpTimeoutException("GET " + url + ": no answer within the scrape timeout");
      t.initCause(e);
      return t;
    }
    return e instanceof IOException io ? io : new IOException("GET " + url + ": " + e, e);
  }

  /**
   * Ends a scrape in progress (from another thread), the connection with it, and every later
   * scrape: the collector is closed. For good, so that a scrape starting just as it closes cannot
   * open a connection that no one would close (the read loop would hold it open).
   */
  void abort() {
    aborted = true;
    close();
  }

  /** Closes the connection; the next {@link #get} opens a new one. */
  void close() {
    Connection c = connection;
    connection = null;
    // Not pos and lim: this runs on other threads too, and a parse that finds the connection gone
    // fails at its next fill.
    if (c != null) {
      c.close();
    }
  }

  private Response exchange() throws IOException {
    Connection c = connection;
    if (c == null) {
      c = connect();
    }
    try {
      c.send(request);
    } catch (IOException e) {
      if (c.endedByServer()) {
        // The server closed the kept-alive connection just before the request went out.
        throw new StaleConnection();
      }
      throw e;
    }
    if (!fill()) {
      throw new StaleConnection();
    }
    String status = line();
    // RFC 9112 §4: HTTP-version SP status-code SP [reason-phrase]
    if (!status.startsWith("HTTP/1.") || status.length() < 12 || status.charAt(8) != ' ') {
      throw new IOException("GET " + url + ": not an HTTP/1.x status line: " + shorten(status));
    }
    int code = parseStatus(status);
    boolean http10 = status.charAt(7) == '0';
    long length = -1;
    boolean chunked = false;
    boolean close = http10;
    for (int n = 0; ; n++) {
      if (n > MAX_HEADERS) {
        throw new IOException("GET " + url + ": more than " + MAX_HEADERS + " header lines");
      }
      String h = line();
      if (h.isEmpty()) {
        break;
      }
      int colon = h.indexOf(':');
      if (colon <= 0) {
        throw new IOException("GET " + url + ": bad header line: " + shorten(h));
      }
      String name = h.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).strip();
      switch (name) {
        case "content-length" -> length = parseLength(value);
        case "transfer-encoding" ->
            chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked") || chunked;
        case "connection" -> {
          String v = value.toLowerCase(Locale.ROOT);
          if (v.contains("close")) {
            close = true;
          } else if (v.contains("keep-alive")) {
            close = false;
          }
        }
        default -> {
          // Other headers do not change how the body is delimited.
        }
      }
    }
    if (code >= 100 && code < 200) {
      throw new IOException("GET " + url + ": unexpected interim answer " + code);
    }
    Body body;
    if (code == 204 || code == 304) {
      body = new Body(0);
    } else if (chunked) {
      body = chunkedBody();
    } else if (length >= 0) {
      body = fixedBody(length);
    } else {
      body = bodyToEnd();
      close = true;
    }
    var r = new Response(code, body.bytes, body.size);
    if (close) {
      close();
    }
    return r;
  }

  private int parseStatus(String status) throws IOException {
    try {
      int code = Integer.parseInt(status, 9, 12, 10);
      if (code < 100 || code > 999) {
        throw new NumberFormatException();
      }
      return code;
    } catch (NumberFormatException e) {
      throw new IOException("GET " + url + ": bad status line: " + shorten(status));
    }
  }

  private long parseLength(String value) throws IOException {
    try {
      long n = Long.parseLong(value);
      if (n < 0) {
        throw new NumberFormatException();
      }
      if (n > MAX_BODY) {
        throw new IOException(
            "GET " + url + ": body of " + n + " bytes is over the limit of " + MAX_BODY);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IOException("GET " + url + ": bad Content-Length: " + shorten(value));
    }
  }

  private Body fixedBody(long length) throws IOException {
    var body = new Body((int) length);
    body.take((int) length);
    return body;
  }

  private Body chunkedBody() throws IOException {
    var body = new Body(8 * 1024);
    while (true) {
      String sizeLine = line();
      int semi = sizeLine.indexOf(';');
      String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).strip();
      int size;
      try {
        long s = Long.parseLong(hex, 16);
        if (s < 0 || hex.isEmpty() || s > MAX_BODY) {
          throw new NumberFormatException();
        }
        size = (int) s;
      } catch (NumberFormatException e) {
        throw new IOException("GET " + url + ": bad chunk size: " + shorten(sizeLine));
      }
      if (size == 0) {
        // Trailer fields, if any, up to the empty line.
        for (int n = 0; !line().isEmpty(); n++) {
          if (n > MAX_HEADERS) {
            throw new IOException("GET " + url + ": more than " + MAX_HEADERS + " trailer lines");
          }
        }
        return body;
      }
      body.take(size);
      if (!line().isEmpty()) {
        throw new IOException("GET " + url + ": chunk of " + size + " bytes not followed by CRLF");
      }
    }
  }

  private Body bodyToEnd() throws IOException {
    var body = new Body(8 * 1024);
    while (true) {
      if (pos == lim && !fill()) {
        return body;
      }
      body.take(lim - pos);
    }
  }

  /** A growing byte array, bounded by {@link #MAX_BODY}. */
  private final class Body {
    private byte[] bytes;
    private int size;

    Body(int initial) {
      bytes = new byte[Math.max(16, initial)];
    }

    /** Copies the next {@code n} bytes of the response into the body. */
    void take(int n) throws IOException {
      if ((long) size + n > MAX_BODY) {
        throw new IOException("GET " + url + ": body over the limit of " + MAX_BODY + " bytes");
      }
      if (size + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(size + n, Math.min(MAX_BODY, bytes.length * 2)));
      }
      while (n > 0) {
        if (pos == lim && !fill()) {
          throw new IOException("GET " + url + ": the connection closed inside the body");
        }
        int k = Math.min(n, lim - pos);
        System.arraycopy(buf, pos, bytes, size, k);
        pos += k;
        size += k;
        n -= k;
      }
    }
  }

  /** A line ending in LF (a preceding CR dropped), as ISO-8859-1; the connection must not end. */
  private String line() throws IOException {
    var sb = new StringBuilder(64);
    while (true) {
      if (pos == lim && !fill()) {
        throw new IOException("GET " + url + ": the connection closed inside the headers");
      }
      byte b = buf[pos++];
      if (b == '\n') {
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
          sb.setLength(n - 1);
        }
        return sb.toString();
      }
      if (sb.length() >= MAX_HEADER_LINE) {
        throw new IOException("GET " + url + ": a header line over " + MAX_HEADER_LINE + " bytes");
      }
      sb.append((char) (b & 0xff));
    }
  }

  /**
   * Opens a connection (waiting at most until the deadline) and registers it with the read loop;
   * the loop reads it from then on.
   */
  private Connection connect() throws IOException {
    SocketChannel channel = SocketChannel.open();
    var c = new Connection(channel);
    connection = c;
    try {
      if (aborted) {
        throw new IOException("aborted");
      }
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      // Blocking for the connect (the virtual thread parks, once per connection), then
      // non-blocking, as a channel on a selector must be.
      channel
          .socket()
          .connect(new InetSocketAddress(host, port), (int) Math.max(1, remainingMillis()));
      channel.configureBlocking(false);
      c.registered(ReadLoop.shared());
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    pos = lim = 0;
    return c;
  }

  /** Reads more bytes; false at the end of the stream. Waits at most until the deadline. */
  private boolean fill() throws IOException {
    long left = remainingMillis();
    if (left <= 0) {
      throw new SocketTimeoutException("scrape timeout");
    }
    Connection c = connection;
    if (c == null) {
      throw new IOException("aborted");
    }
    // No timed wait: ScrapeDeadlines closes the connection at the deadline, which ends it.
    recycle(buf);
    buf = NONE;
    byte[] full = c.take();
    if (full == null) {
      return false;
    }
    buf = full;
    pos = 0;
    lim = c.taken;
    return true;
  }

  /**
   * One connection: its channel, and what the read loop took from it that the parse has not. The
   * loop appends to an array; the parse takes that array whole and gives its own, read, in
   * exchange, so the bytes are copied once, from the loop's buffer.
   */
  private static final class Connection implements ReadLoop.Reader {
    private final SocketChannel channel;
    private ReadLoop loop;
    private volatile SelectionKey key;

    // Guarded by this.
    private byte[] unread = NONE;
    private int count;
    private boolean ended;
    private IOException failed;
    private boolean closed;
    private boolean paused;

    /** How many bytes the last {@link #take} gave; read by the taking thread only. */
    int taken;

    /** The scrape waiting in {@link #take}, to be unparked when bytes come. */
    private volatile Thread waiter;

    Connection(SocketChannel channel) {
      this.channel = channel;
    }

    void registered(ReadLoop loop) throws IOException {
      this.loop = loop;
      key = loop.register(channel, this);
      synchronized (this) {
        if (closed) {
          // Closed while it registered: release what the registration holds.
          loop.release(key);
        }
      }
    }

    /** Whether the server ended the connection, or reading it failed. */
    synchronized boolean ended() {
      return ended || failed != null || closed;
    }

    /**
     * Whether the server ended the connection (an idle timeout, usually), not this side: a
     * connection closed at the scrape's deadline or by {@code abort()} is not worth a retry.
     */
    synchronized boolean endedByServer() {
      return (ended || failed != null) && !closed;
    }

    /** Writes all of {@code request}; the socket's send buffer takes a request at once. */
    void send(byte[] request) throws IOException {
      ByteBuffer b = ByteBuffer.wrap(request);
      while (b.hasRemaining()) {
        if (channel.write(b) == 0) {
          // A send buffer full with a request of a few dozen bytes: a peer not reading at all.
          // Rare enough to wait for in small steps; the deadline still closes the connection.
          LockSupport.parkNanos(1_000_000);
          if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("interrupted");
          }
        }
      }
    }

    @Override
    public void readable(SocketChannel ch, ByteBuffer scratch) {
      int n;
      try {
        n = ch.read(scratch);
      } catch (IOException e) {
        synchronized (this) {
          failed = e;
        }
        end();
        return;
      }
      if (n == 0) {
        return;
      }
      if (n < 0) {
        synchronized (this) {
          ended = true;
        }
        end();
        return;
      }
      scratch.flip();
      synchronized (this) {
        if (closed) {
          return;
        }
        if (count + n > unread.length) {
          unread =
              count == 0 && n <= BUFFER
                  ? spare()
                  : Arrays.copyOf(unread, Math.max(count + n, 2 * unread.length));
        }
        scratch.get(unread, count, n);
        count += n;
        if (count >= MAX_UNREAD) {
          paused = true;
          PAUSES.incrementAndGet();
          ReadLoop.pause(key);
        }
      }
      LockSupport.unpark(waiter);
    }

    /**
     * The server ended the connection or reading failed: reading stops and the waiting scrape hears
     * of it. The channel stays open for its owner to close, so that a request written meanwhile
     * still goes out and the answer's end tells it the connection went stale, as a socket would.
     */
    private void end() {
      SelectionKey k = key;
      if (k != null) {
        k.cancel();
      }
      LockSupport.unpark(waiter);
    }

    @Override
    public void failed(Throwable t) {
      synchronized (this) {
        failed = new IOException("reading the answer failed: " + t, t);
      }
      end();
    }

    /**
     * Waits for bytes and takes them; {@link #taken} says how many. Null when the server ended the
     * connection and every byte was taken.
     */
    byte[] take() throws IOException {
      waiter = Thread.currentThread();
      try {
        while (true) {
          boolean resume = false;
          byte[] full = null;
          synchronized (this) {
            if (count > 0) {
              full = unread;
              taken = count;
              unread = NONE;
              count = 0;
              resume = paused;
              paused = false;
            } else if (closed) {
              throw new IOException("the connection was closed");
            } else if (failed != null) {
              throw failed;
            } else if (ended) {
              return null;
            }
          }
          if (full != null) {
            if (resume) {
              loop.resume(key);
            }
            return full;
          }
          if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("interrupted");
          }
          LockSupport.park(this);
        }
      } finally {
        waiter = null;
      }
    }

    /** Closes the connection from any thread; a scrape waiting in {@link #take} ends at once. */
    void close() {
      SelectionKey k;
      synchronized (this) {
        closed = true;
        k = key;
      }
      if (k != null) {
        loop.release(k);
      }
      try {
        channel.close();
      } catch (IOException ignored) {
        // Closing is all that is left to do with it.
      }
      LockSupport.unpark(waiter);
    }
  }

  /** An array of {@link #BUFFER} bytes: a spare one, or a new one. */
  private static byte[] spare() {
    byte[] b = SPARE.poll();
    if (b == null) {
      return new byte[BUFFER];
    }
    SPARES.decrementAndGet();
    return b;
  }

  /** Keeps an array the parse has read for the next answer, if it is of the usual size. */
  private static void recycle(byte[] b) {
    if (b.length == BUFFER && SPARES.incrementAndGet() <= MAX_SPARES) {
      SPARE.offer(b);
    } else if (b.length == BUFFER) {
      SPARES.decrementAndGet();
    }
  }

  private long remainingMillis() {
    return (deadline - System.nanoTime()) / 1_000_000;
  }

  private static String shorten(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "…";
  }

  /** The server closed a kept-alive connection before answering; a new one may be tried. */
  private static final class StaleConnection extends IOException {
    StaleConnection() {
      super("the connection closed before an answer");
    }
  }
}
