package io.kilowatch.collector.opcua;

import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;

/** Turns Milo's exceptions and status codes into messages an operator can act on. */
final class OpcUaErrors {
  private OpcUaErrors() {}

  /** The symbolic name of a status code, e.g. {@code Bad_NodeIdUnknown}. */
  static String statusName(StatusCode status) {
    return StatusCodes.lookup(status.getValue())
        .map(names -> names[0])
        .orElse(String.format("0x%08X", status.getValue()));
  }

  /** The status code carried anywhere in the cause chain, if any. */
  static StatusCode statusOf(Throwable t) {
    return UaException.extractStatusCode(t).orElse(null);
  }

  /** A one-line reason: the status name and the deepest useful message. */
  static String describe(Throwable t) {
    StatusCode status = statusOf(t);
    Throwable deepest = t;
    while (deepest.getCause() != null && deepest.getCause() != deepest) {
      deepest = deepest.getCause();
    }
    String message = deepest.getMessage();
    if (message == null || message.isBlank()) {
      message = t.getMessage();
    }
    if (message == null || message.isBlank()) {
      message = deepest.getClass().getSimpleName();
    }
    if (status == null) {
      return message;
    }
    String name = statusName(status);
    return message.contains(name) ? message : name + ": " + message;
  }

  static boolean is(Throwable t, long statusCode) {
    StatusCode s = statusOf(t);
    return s != null && s.getValue() == statusCode;
  }
}
