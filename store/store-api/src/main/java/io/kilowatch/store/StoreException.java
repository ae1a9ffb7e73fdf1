package io.kilowatch.store;

/** A store could not do what was asked; the caller decides whether to buffer and retry. */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
