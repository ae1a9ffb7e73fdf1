package io.kilowatch.store.embedded;

import java.nio.file.Path;
import java.util.Locale;

/** Tells DuckDB's errors for a damaged file apart from the others, and words them for a person. */
public final class StoreDamage {
  private StoreDamage() {}

  /**
   * Whether an error means the file (or the disk under it) is damaged: DuckDB checks a checksum on
   * every block it reads and says "Corrupt database file", rejects a bad header as "not a valid
   * DuckDB database file", and invalidates the database after a failed write ("FATAL", "database
   * has been invalidated"). A lock held by another process is an "IO Error" too, but not damage.
   */
  public static boolean isDamage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m == null) {
        continue;
      }
      String l = m.toLowerCase(Locale.ROOT);
      if (l.contains("could not set lock") || l.contains("conflicting lock")) {
        return false;
      }
      if (l.contains("corrupt")
          || l.contains("not a valid duckdb database file")
          || l.contains("fatal error")
          || l.contains("invalidated")
          || l.contains("io error")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether DuckDB invalidated the open instance: it does after any failed write ("FATAL Error",
   * "database has been invalidated"), a full disk included, and then refuses every call until the
   * file is opened again. Corruption found on a read does not; reopening would not mend it.
   */
  public static boolean invalidatesInstance(Throwable e) {
    return anyMessage(e, "fatal error", "invalidated", "no space left", "could not write");
  }

  /** Whether the operating system said the disk is full (ENOSPC). */
  public static boolean diskFull(Throwable e) {
    return anyMessage(e, "no space left on device");
  }

  private static boolean anyMessage(Throwable e, String... parts) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m == null) {
        continue;
      }
      String l = m.toLowerCase(Locale.ROOT);
      for (String p : parts) {
        if (l.contains(p)) {
          return true;
        }
      }
    }
    return false;
  }

  /** DuckDB's own words, first line only: its messages can carry a stack of context lines. */
  public static String cause(Throwable e) {
    String m = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        m = t.getMessage();
      }
    }
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return (nl < 0 ? m : m.substring(0, nl)).strip();
  }

  /** What to do when the store cannot start on the file. */
  public static String startupMessage(Path file, Throwable e) {
    return "the store file "
        + file
        + " is damaged ("
        + cause(e)
        + "): run `kilowatch store check --config FILE` to see what can still be read, then"
        + " `kilowatch store export` it, `kilowatch store quarantine` to move the file aside so a"
        + " new store starts, and `kilowatch import` the export";
  }
}
