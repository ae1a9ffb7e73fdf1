package io.kilowatch.testkit.snmp;

import java.util.List;
import java.util.Optional;

/**
 * Who the fake answers: SNMPv2c requests carrying {@code community}, when there is one, and SNMPv3
 * requests from any of {@code users} at authPriv. Anything else is dropped without an answer, as a
 * real agent drops a wrong community (the manager sees a timeout); a wrong v3 user or key gets the
 * USM report RFC 3414 prescribes.
 */
public record SnmpAccess(Optional<String> community, List<SnmpUser> users) {
  public SnmpAccess {
    users = List.copyOf(users);
    if (community.isEmpty() && users.isEmpty()) {
      throw new IllegalArgumentException("an agent nobody may read answers nothing");
    }
  }

  public static SnmpAccess v2c(String community) {
    return new SnmpAccess(Optional.of(community), List.of());
  }

  public static SnmpAccess v3(SnmpUser... users) {
    return new SnmpAccess(Optional.empty(), List.of(users));
  }

  public SnmpAccess withUser(SnmpUser user) {
    var all = new java.util.ArrayList<>(users);
    all.add(user);
    return new SnmpAccess(community, all);
  }

  @Override
  public String toString() {
    // The community is a password: keep it out of logs and assertion messages.
    return "SnmpAccess[v2c=" + community.isPresent() + ", users=" + users + "]";
  }
}
