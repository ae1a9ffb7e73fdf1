package io.kilowatch.config;

/**
 * The disk buffer under the data directory that keeps writes the store refused or could not reach,
 * until they are replayed.
 *
 * @param maxBytes the most the buffer may hold on disk; writes beyond it are dropped and counted
 */
public record BufferConfig(long maxBytes) {
  public static final BufferConfig DEFAULT = new BufferConfig(1L << 30);

  public BufferConfig {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
  }
}
