package io.kilowatch.alerts;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Mutes notifications of every alert whose labels satisfy all matchers, between {@code startsAt}
 * and {@code endsAt}. Alerts keep being evaluated and shown; only delivery stops.
 */
public record Silence(
    String id,
    List<Matcher> matchers,
    Instant startsAt,
    Instant endsAt,
    String createdBy,
    String comment) {

  public Silence {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(startsAt, "startsAt");
    Objects.requireNonNull(endsAt, "endsAt");
    matchers = List.copyOf(matchers);
    if (matchers.isEmpty()) {
      throw new IllegalArgumentException("a silence needs at least one matcher");
    }
    if (!endsAt.isAfter(startsAt)) {
      throw new IllegalArgumentException("endsAt must be after startsAt");
    }
  }

  public boolean activeAt(Instant now) {
    return !now.isBefore(startsAt) && now.isBefore(endsAt);
  }

  public boolean matches(Map<String, String> labels) {
    return matchers.stream().allMatch(m -> m.matches(labels.get(m.name())));
  }

  Silence expiredAt(Instant now) {
    return new Silence(
        id,
        matchers,
        startsAt.isAfter(now) ? now.minusMillis(1) : startsAt,
        now,
        createdBy,
        comment);
  }

  /**
   * One label condition, as in Alertmanager: equal (or regex full match) to {@code value}, or not
   * when {@code isEqual} is false. A missing label reads as the empty string.
   */
  public record Matcher(String name, String value, boolean isRegex, boolean isEqual) {
    public Matcher {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (isRegex) {
        try {
          Pattern.compile(value);
        } catch (PatternSyntaxException e) {
          throw new IllegalArgumentException("matcher " + name + ": bad regex: " + e.getMessage());
        }
      }
    }

    public static Matcher equal(String name, String value) {
      return new Matcher(name, value, false, true);
    }

    boolean matches(String labelValue) {
      String v = labelValue == null ? "" : labelValue;
      boolean hit = isRegex ? Pattern.compile(value).matcher(v).matches() : value.equals(v);
      return hit == isEqual;
    }
  }
}
