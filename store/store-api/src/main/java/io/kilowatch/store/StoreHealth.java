package io.kilowatch.store;

import java.time.Instant;
import java.util.Objects;

/**
 * Whether a store can still read and write, for health pages. A store that hit damage (an I/O
 * error, a corrupt block) stays {@link State#FAILING} until it is opened again, because the engine
 * may have invalidated the database and every later call would fail the same way.
 *
 * @param state OK or FAILING
 * @param cause what failed, for a person; empty when OK
 * @param since when the first failure was seen; null when OK
 */
public record StoreHealth(State state, String cause, Instant since) {
  public enum State {
    OK,
    FAILING
  }

  private static final StoreHealth OK = new StoreHealth(State.OK, "", null);

  public StoreHealth {
    Objects.requireNonNull(state, "state");
    cause = cause == null ? "" : cause;
  }

  public static StoreHealth ok() {
    return OK;
  }

  public static StoreHealth failing(String cause, Instant since) {
    return new StoreHealth(State.FAILING, cause, since);
  }
}
