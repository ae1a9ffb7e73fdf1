package io.kilowatch.collector.lineprotocol;

/** A line that is not valid line protocol, or not one kilowatch can store. */
public final class LineProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  public LineProtocolException(String message) {
    super(message);
  }
}
