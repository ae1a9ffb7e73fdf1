package io.kilowatch.store;

/**
 * The store understood a write and refused (part of) it for good, e.g. a field whose type conflicts
 * with what the store already holds. Sending the same batch again cannot succeed, so it is logged
 * and counted rather than buffered for retry.
 */
public class RejectedWriteException extends StoreException {
  private static final long serialVersionUID = 1L;

  public RejectedWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}
