package io.kilowatch.web.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that the client of a long request has gone away while the server is still working on its
 * answer. Jetty reads a connection only when it wants the next request, so a client that closes
 * while its answer is being made goes unnoticed until the answer is written. This watches the
 * socket itself, on a selector of its own (a channel may be registered with several): once the
 * request is read, the client sends nothing more on an HTTP/1.1 connection until it has the answer,
 * so the socket turning readable means it closed (or reset) it. Clients that pipeline a second
 * request behind a report would be taken for gone; none of the common ones do, and the answer
 * carries {@code Connection: close}.
 */
final class ClientWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClientWatch.class);

  private final Selector selector;

  private ClientWatch(Selector selector) {
    this.selector = selector;
  }

  /** A watch on the client of {@code ctx}, or empty where its socket cannot be reached. */
  static Optional<ClientWatch> of(Context ctx) {
    try {
      EndPoint ep =
          ServletContextRequest.getServletContextRequest(ctx.req())
              .getConnectionMetaData()
              .getConnection()
              .getEndPoint();
      if (ep instanceof SslConnection.SslEndPoint ssl) {
        ep = ssl.getSslConnection().getEndPoint();
      }
      if (!(ep instanceof SocketChannelEndPoint socket)
          || !(socket.getChannel() instanceof SocketChannel channel)) {
        return Optional.empty();
      }
      var selector = Selector.open();
      try {
        // Jetty keeps the channel non-blocking, as a second registration requires.
        channel.register(selector, SelectionKey.OP_READ);
      } catch (IOException | RuntimeException e) {
        selector.close();
        throw e;
      }
      return Optional.of(new ClientWatch(selector));
    } catch (IOException | RuntimeException e) {
      log.debug("cannot watch the client of {}", ctx.path(), e);
      return Optional.empty();
    }
  }

  /** Whether the client has closed its side (or sent anything, which it would not). */
  boolean gone() {
    try {
      return selector.selectNow() > 0;
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  @Override
  public void close() {
    try {
      selector.close();
    } catch (IOException e) {
      // nothing held
    }
  }
}
