package io.kilowatch.store;

import java.nio.file.Path;

/**
 * The store's file cannot be read as a database: a checksum mismatch, a header that is not the
 * engine's, an I/O error. Retrying does not help; the file must be checked, moved aside or
 * restored.
 */
public class StoreDamagedException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public StoreDamagedException(Path file, String message, Throwable cause) {
    super(message, cause);
    this.file = file;
  }

  /** The damaged file. */
  public Path file() {
    return file;
  }
}
