package io.kilowatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The stream ticket's rules, with time under the test's control. */
class StreamTicketsTest {
  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aTicketOpensOneStreamOnly() {
    // A ticket leaks with its URL (history, proxy logs); spent, it is worth nothing there.
    var tickets = new StreamTickets(new HandClock());
    String t = tickets.issue();
    assertThat(tickets.redeem(t)).isTrue();
    assertThat(tickets.redeem(t)).isFalse();
    assertThat(tickets.redeem(tickets.issue())).as("each ticket is its own").isTrue();
  }

  @Test
  void aTicketExpiresAfterItsLifetimeEvenUnused() {
    var clock = new HandClock();
    var tickets = new StreamTickets(clock);
    String late = tickets.issue();
    String inTime = tickets.issue();
    clock.now = clock.now.plus(StreamTickets.LIFETIME).minusMillis(1);
    assertThat(tickets.redeem(inTime)).isTrue();
    clock.now = clock.now.plusMillis(1);
    assertThat(tickets.redeem(late)).isFalse();
  }

  @Test
  void aForgedOrAlteredTicketIsRefused() {
    // Moving the expiry forward, or signing with another process's key, must not work.
    var clock = new HandClock();
    var tickets = new StreamTickets(clock);
    String t = tickets.issue();
    String[] parts = t.split("\\.");
    long later = Long.parseLong(parts[0]) + Duration.ofHours(1).toMillis();
    assertThat(tickets.redeem(later + "." + parts[1] + "." + parts[2])).isFalse();
    assertThat(tickets.redeem(new StreamTickets(clock).issue())).isFalse();
    assertThat(tickets.redeem(parts[0] + "." + parts[1] + ".AAAA")).isFalse();
    for (String junk : new String[] {"", ".", "..", "1.2", "x.y.z", "1.a.%%", null}) {
      assertThat(tickets.redeem(junk)).as(String.valueOf(junk)).isFalse();
    }
    assertThat(tickets.redeem(t)).as("the genuine one still works").isTrue();
  }
}
