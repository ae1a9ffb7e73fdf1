package io.kilowatch.collector.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.UaRequestMessageType;
import org.eclipse.milo.opcua.stack.core.types.UaResponseMessageType;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.structured.ActivateSessionRequest;
import org.eclipse.milo.opcua.stack.core.types.structured.CloseSessionRequest;
import org.eclipse.milo.opcua.stack.core.types.structured.CreateSessionRequest;
import org.eclipse.milo.opcua.stack.core.types.structured.CreateSessionResponse;
import org.eclipse.milo.opcua.stack.core.types.structured.RequestHeader;
import org.eclipse.milo.opcua.stack.core.util.Unit;
import org.eclipse.milo.opcua.stack.transport.client.ClientApplicationContext;
import org.eclipse.milo.opcua.stack.transport.client.OpcClientTransport;
import org.eclipse.milo.opcua.stack.transport.client.OpcClientTransportConfig;

/**
 * The client's transport, closing sessions that were created but never activated.
 *
 * <p>Milo's client does not close a session whose activation fails (wrong password, refused user
 * certificate) or whose CreateSession answer it rejects, and it retries on its own with a new
 * session each time. The server keeps each one until its timeout: a CDU controller allowing a few
 * sessions then locks out the BMS after a handful of wrong-password retries. Here the failed
 * session is closed on the same secure channel before the failure reaches the client, and once
 * kilowatch gives a connect up ({@link #abandon}) no further session is created on it.
 */
final class SessionClosingTransport implements OpcClientTransport {
  private final OpcClientTransport delegate;
  private final long timeoutMs;
  private final AtomicInteger handles = new AtomicInteger(1);

  /** The session created and not (yet) activated; null when there is none. */
  private volatile NodeId pending;

  private volatile boolean abandoned;

  SessionClosingTransport(OpcClientTransport delegate, long timeoutMs) {
    this.delegate = delegate;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public OpcClientTransportConfig getConfig() {
    return delegate.getConfig();
  }

  @Override
  public CompletableFuture<Unit> connect(ClientApplicationContext context) {
    return delegate.connect(context);
  }

  @Override
  public CompletableFuture<Unit> disconnect() {
    return delegate.disconnect();
  }

  @Override
  public CompletableFuture<UaResponseMessageType> sendRequestMessage(UaRequestMessageType request) {
    if (request instanceof CreateSessionRequest) {
      if (abandoned) {
        // Milo's own retry after a failure kilowatch has already reported: no new session.
        return CompletableFuture.failedFuture(new UaException(StatusCodes.Bad_SessionClosed));
      }
      return delegate
          .sendRequestMessage(request)
          .thenApply(
              response -> {
                if (response instanceof CreateSessionResponse created) {
                  pending = created.getAuthenticationToken();
                }
                return response;
              });
    }
    if (request instanceof ActivateSessionRequest activate) {
      NodeId token = activate.getRequestHeader().getAuthenticationToken();
      return delegate
          .sendRequestMessage(request)
          .handle(
              (response, failure) -> {
                if (failure == null) {
                  if (token != null && token.equals(pending)) {
                    pending = null;
                  }
                  return CompletableFuture.completedFuture(response);
                }
                // A reactivation that fails leaves an activated session, which Milo closes on
                // disconnect; only a session never activated is ours to close.
                CompletableFuture<Unit> closing =
                    token != null && token.equals(pending)
                        ? closePending()
                        : CompletableFuture.completedFuture(Unit.VALUE);
                return closing.thenCompose(
                    u -> CompletableFuture.<UaResponseMessageType>failedFuture(failure));
              })
          .thenCompose(f -> f);
    }
    return delegate.sendRequestMessage(request);
  }

  /**
   * Stops new sessions on this transport and closes one created and never activated (its
   * CreateSession answer was rejected, say); completes when the server answered or the request
   * timed out.
   */
  CompletableFuture<Unit> abandon() {
    abandoned = true;
    return closePending();
  }

  private CompletableFuture<Unit> closePending() {
    NodeId token = pending;
    pending = null;
    if (token == null) {
      return CompletableFuture.completedFuture(Unit.VALUE);
    }
    var header =
        new RequestHeader(
            token,
            DateTime.now(),
            uint(handles.getAndIncrement()),
            uint(0),
            null,
            uint(timeoutMs),
            null);
    return delegate
        .sendRequestMessage(new CloseSessionRequest(header, true))
        .handle((response, failure) -> Unit.VALUE);
  }
}
