package io.kilowatch.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** One namespace of ids (devices, racks, ...) that must be unique across the whole site. */
final class Ids {
  private final String what;
  private final Binder binder;
  private final Map<String, At> first = new LinkedHashMap<>();

  Ids(String what, Binder binder) {
    this.what = what;
    this.binder = binder;
  }

  /** Records an id; a repeat is reported with where the first one was defined. */
  boolean register(String id, At at) {
    At earlier = first.putIfAbsent(id, at);
    if (earlier != null) {
      binder.problem(
          at,
          "duplicate "
              + what
              + " id '"
              + id
              + "' (first defined at "
              + earlier.file()
              + ":"
              + earlier.line()
              + ")");
      return false;
    }
    return true;
  }

  boolean contains(String id) {
    return first.containsKey(id);
  }

  Set<String> all() {
    return first.keySet();
  }
}
