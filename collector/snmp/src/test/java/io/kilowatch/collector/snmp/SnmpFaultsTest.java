package io.kilowatch.collector.snmp;

import static io.kilowatch.collector.snmp.SnmpFixtures.qualities;
import static io.kilowatch.collector.snmp.SnmpFixtures.readings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.PollScheduler;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Source;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.snmp.SnmpdPeer;
import io.kilowatch.testkit.snmp.SnmpdPeer.User;
import io.kilowatch.testkit.snmp.SnmpdPeer.Value;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the agent's exceptions, reboots and silence give, against real snmpd agents. */
@RequiresPeer(Peer.SNMPD)
class SnmpFaultsTest {
  static final String E = "1.3.6.1.4.1.99999";
  private final List<SnmpdPeer> agents = new ArrayList<>();

  @AfterEach
  void stop() {
    agents.forEach(SnmpdPeer::close);
  }

  private SnmpdPeer agent(Map<String, Value> values, List<User> users, String engine) {
    var a = SnmpdPeer.start(values, "kw-community", users, engine);
    agents.add(a);
    return a;
  }

  @Test
  void exceptionsAndMissingRowsAreBadPointsWithTheOidAsReason() throws Exception {
    var v = new LinkedHashMap<String, Value>();
    v.put(E + ".1.1.0", Value.integer(7));
    v.put(E + ".1.3.0", Value.string("n/a"));
    // Column a has rows 1, 3, 4; column b has rows 1, 2, 3 and is the last thing in the view.
    v.put(E + ".3.1.1.1", Value.integer(11));
    v.put(E + ".3.1.1.3", Value.integer(13));
    v.put(E + ".3.1.1.4", Value.integer(14));
    v.put(E + ".3.1.2.1", Value.integer(21));
    v.put(E + ".3.1.2.2", Value.integer(22));
    v.put(E + ".3.1.2.3", Value.integer(23));
    var a = agent(v, List.of(), "kw-faults");
    var site =
        SnmpFixtures.site(
            """
            site: {name: lab}
            profiles:
              - id: p
                source: snmp
                points:
                  - {name: good, oid: "%1$s.1.1.0", unit: W, field: good_w}
                  - {name: missing, oid: "%1$s.1.2.0", unit: W, field: missing_w}
                  - {name: elsewhere, oid: "1.3.6.1.2.1.1.3.0", unit: s, field: uptime_s}
                  - {name: text, oid: "%1$s.1.3.0", unit: A, field: text_a}
                tables:
                  - name: t
                    indexTag: row
                    columns:
                      - {name: a, oid: "%1$s.3.1.1", unit: W, field: a_w}
                      - {name: b, oid: "%1$s.3.1.2", unit: W, field: b_w}
            devices:
              - {id: d, kind: pdu, profile: p, source: {type: snmp, host: 127.0.0.1, port: %2$d, version: v2c, community: "${SNMP_COMMUNITY}", maxRepetitions: 3}}
            """
                .formatted(E, a.port()));
    try (var c = SnmpFixtures.collector(site, "d")) {
      List<Sample> samples = c.poll();
      var r = readings(samples);
      var q = qualities(samples);
      assertThat(r.get("pdu.good_w")).isEqualTo(7.0);
      assertThat(q.get("pdu.good_w")).isEqualTo(Quality.GOOD);
      for (String bad :
          List.of(
              "pdu.missing_w", "pdu.uptime_s", "pdu.text_a", "pdu.a_w{row=2}", "pdu.b_w{row=4}")) {
        assertThat(q.get(bad)).as(bad).isEqualTo(Quality.BAD);
        assertThat(r.get(bad)).as(bad).isNaN();
      }
      assertThat(r)
          .containsEntry("pdu.a_w{row=1}", 11.0)
          .containsEntry("pdu.a_w{row=3}", 13.0)
          .containsEntry("pdu.a_w{row=4}", 14.0)
          .containsEntry("pdu.b_w{row=3}", 23.0);
      assertThat(c.pointErrors())
          .containsEntry("missing", "noSuchInstance at " + E + ".1.2.0")
          .containsEntry("elsewhere", "noSuchObject at 1.3.6.1.2.1.1.3.0")
          .containsEntry("text", "not a number: \"n/a\" at " + E + ".1.3.0")
          .containsEntry("a[2]", "noSuchInstance: the agent's column has no " + E + ".3.1.1.2")
          .containsEntry("b[4]", "endOfMibView after " + E + ".3.1.2.3: no " + E + ".3.1.2.4")
          .hasSize(5);
      // snmpget agrees on the exceptions.
      assertThat(a.tool("snmpget", a.v2c(), "." + E + ".1.2.0", ".1.3.6.1.2.1.1.3.0"))
          .contains("." + E + ".1.2.0 = No Such Instance")
          .contains(".1.3.6.1.2.1.1.3.0 = No Such Object");
      assertThat(a.tool("snmpbulkwalk", a.v2c(), "." + E + ".3.1.2")).doesNotContain(".3.1.2.4");
    }
  }

  @Test
  void anAgentThatRestartsKeepsBeingPolledWhetherItsEngineBootsRiseOrStartAgain() throws Exception {
    var v = new LinkedHashMap<String, Value>();
    v.put(E + ".1.1.0", Value.integer(1));
    var a =
        agent(
            v,
            List.of(
                new User(
                    "kilowatch",
                    "SHA-256",
                    SnmpFixtures.ENV.get("SNMP_AUTH_KEY"),
                    "AES",
                    SnmpFixtures.ENV.get("SNMP_PRIV_KEY"))),
            "kw-reboots");
    var site =
        SnmpFixtures.site(
            """
            site: {name: lab}
            profiles:
              - {id: p, source: snmp, points: [{name: x, oid: "%1$s.1.1.0", unit: W, field: x_w}]}
            devices:
              - {id: d, kind: pdu, profile: p, timeout: 2s, source: {type: snmp, host: 127.0.0.1, port: %2$d, version: v3, user: kilowatch, authProtocol: sha-256, authKey: "${SNMP_AUTH_KEY}", privProtocol: aes-128, privKey: "${SNMP_PRIV_KEY}"}}
            """
                .formatted(E, a.port()));
    try (var c = SnmpFixtures.collector(site, "d")) {
      assertThat(readings(c.poll())).containsEntry("pdu.x_w", 1.0);
      // A restart: snmpd saved its boots, so the agent comes back with engine boots 2, time ~0.
      a.stop();
      v.put(E + ".1.1.0", Value.integer(2));
      a.values(v);
      a.start();
      assertThat(readings(c.poll())).containsEntry("pdu.x_w", 2.0);
      // Persistent state wiped (a factory reset): engine boots back to 1, same engine ID.
      a.stop();
      a.wipePersistentState();
      v.put(E + ".1.1.0", Value.integer(3));
      a.values(v);
      a.start();
      assertThat(readings(c.poll())).containsEntry("pdu.x_w", 3.0);
    }
  }

  @Test
  void aSilentAgentIsDownAndRetriedWithBackoffWhileAnotherKeepsItsPollsOnTime() throws Exception {
    var v = new LinkedHashMap<String, Value>();
    v.put(E + ".1.1.0", Value.integer(5));
    var healthy = agent(v, List.of(), "kw-healthy");
    var silent = agent(v, List.of(), "kw-silent");
    var site =
        SnmpFixtures.site(
            """
            site: {name: lab}
            profiles:
              - {id: p, source: snmp, points: [{name: x, oid: "%1$s.1.1.0", unit: W, field: x_w}]}
            devices:
              - {id: healthy, kind: pdu, profile: p, interval: 300ms, timeout: 300ms, source: {type: snmp, host: 127.0.0.1, port: %2$d, version: v2c, community: "${SNMP_COMMUNITY}", retries: 1}}
              - {id: silent, kind: pdu, profile: p, interval: 300ms, timeout: 300ms, source: {type: snmp, host: 127.0.0.1, port: %3$d, version: v2c, community: "${SNMP_COMMUNITY}", retries: 1}}
            """
                .formatted(E, healthy.port(), silent.port()));
    var profile = (Profile.Snmp) site.profile("p").orElseThrow();
    var polls = new CopyOnWriteArrayList<Instant>();
    var transitions = new CopyOnWriteArrayList<String>();
    var silentAttempts = new CopyOnWriteArrayList<Instant>();
    silent.freeze();
    try (var scheduler =
        new PollScheduler(
            site,
            samples -> {
              if (samples.stream().anyMatch(s -> "healthy".equals(s.tags().get("device")))) {
                polls.add(Instant.now());
              }
            },
            Clock.systemUTC(),
            (Device d) -> {
              var c =
                  new SnmpCollector(d, (Source.Snmp) d.source(), profile, site, Clock.systemUTC());
              return d.id().equals("silent") ? attempts(c, silentAttempts) : c;
            })) {
      scheduler.addListener(
          (before, now) ->
              transitions.add(now.deviceId() + ":" + before.state() + ">" + now.state()));
      scheduler.start();
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(10))
          .until(
              () ->
                  transitions.stream()
                      .anyMatch(t -> t.startsWith("silent:") && t.endsWith(">DOWN")));
      DeviceStatus down = status(scheduler, "silent");
      assertThat(down.lastError()).contains("no answer");
      // While the silent agent's polls time out and back off, the healthy one is polled every
      // 300 ms: 10 polls in 3 s, none of the gaps much beyond one interval.
      int before = polls.size();
      await()
          .atMost(Duration.ofSeconds(6))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> polls.size() - before >= 10);
      var recent = polls.subList(before, polls.size());
      for (int i = 1; i < recent.size(); i++) {
        assertThat(Duration.between(recent.get(i - 1), recent.get(i)))
            .isLessThan(Duration.ofMillis(900));
      }
      // Backoff: after failure n the next attempt waits 300 ms x 2^n less at most 10% jitter, so
      // the wait after the second failure is at least 1080 ms and longer than after the first.
      await()
          .atMost(Duration.ofSeconds(8))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> silentAttempts.size() >= 3);
      Duration first = Duration.between(silentAttempts.get(0), silentAttempts.get(1));
      Duration second = Duration.between(silentAttempts.get(1), silentAttempts.get(2));
      assertThat(first).isGreaterThanOrEqualTo(Duration.ofMillis(540));
      assertThat(second).isGreaterThanOrEqualTo(Duration.ofMillis(1080)).isGreaterThan(first);
      silent.thaw();
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> transitions.contains("silent:DOWN>UP"));
    }
  }

  @Test
  void closeAbortsAPollWaitingForAFrozenAgent() throws Exception {
    var v = new LinkedHashMap<String, Value>();
    v.put(E + ".1.1.0", Value.integer(5));
    var frozen = agent(v, List.of(), "kw-frozen");
    var site =
        SnmpFixtures.site(
            """
            site: {name: lab}
            profiles:
              - {id: p, source: snmp, points: [{name: x, oid: "%1$s.1.1.0", unit: W, field: x_w}]}
            devices:
              - {id: d, kind: pdu, profile: p, interval: 30s, timeout: 20s, source: {type: snmp, host: 127.0.0.1, port: %2$d, version: v2c, community: "${SNMP_COMMUNITY}", retries: 0}}
            """
                .formatted(E, frozen.port()));
    var c = SnmpFixtures.collector(site, "d");
    assertThat(readings(c.poll())).containsEntry("pdu.x_w", 5.0);
    frozen.freeze();
    var outcome = new java.util.concurrent.CompletableFuture<Object>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                outcome.complete(c.poll());
              } catch (Throwable t) {
                outcome.complete(t);
              }
            });
    // The poll is waiting on a 16 s deadline; closing the collector (what the scheduler does to a
    // poll past its timeout) must end it now, not when its own timeout fires.
    await().pollDelay(Duration.ofMillis(200)).until(() -> !outcome.isDone());
    long closedAt = System.nanoTime();
    c.close();
    await().atMost(Duration.ofSeconds(3)).until(outcome::isDone);
    assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isLessThan(Duration.ofSeconds(3));
    assertThat(outcome.get()).isInstanceOf(java.io.IOException.class);
    assertThat(((Throwable) outcome.get())).hasMessageContaining("closed");
  }

  @Test
  void closingOneDeviceAbortsOnlyItsPollOnTheSharedTransport() throws Exception {
    var v = new LinkedHashMap<String, Value>();
    v.put(E + ".1.1.0", Value.integer(5));
    var frozen = agent(v, List.of(), "kw-frozen2");
    var healthy = agent(v, List.of(), "kw-healthy2");
    var site =
        SnmpFixtures.site(
            """
            site: {name: lab}
            profiles:
              - {id: p, source: snmp, points: [{name: x, oid: "%1$s.1.1.0", unit: W, field: x_w}]}
            devices:
              - {id: a, kind: pdu, profile: p, interval: 30s, timeout: 20s, source: {type: snmp, host: 127.0.0.1, port: %2$d, version: v2c, community: "${SNMP_COMMUNITY}", retries: 0}}
              - {id: b, kind: pdu, profile: p, interval: 30s, timeout: 20s, source: {type: snmp, host: 127.0.0.1, port: %3$d, version: v2c, community: "${SNMP_COMMUNITY}", retries: 0}}
            """
                .formatted(E, frozen.port(), healthy.port()));
    var a = SnmpFixtures.collector(site, "a");
    var b = SnmpFixtures.collector(site, "b");
    try {
      assertThat(readings(a.poll())).containsEntry("pdu.x_w", 5.0);
      assertThat(readings(b.poll())).containsEntry("pdu.x_w", 5.0);
      // Both v2c devices go through one socket and one pair of snmp4j threads.
      assertThat(a.transport()).isNotNull().isSameAs(b.transport());
      frozen.freeze();
      var outcome = new java.util.concurrent.CompletableFuture<Object>();
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  outcome.complete(a.poll());
                } catch (Throwable t) {
                  outcome.complete(t);
                }
              });
      await().pollDelay(Duration.ofMillis(200)).until(() -> !outcome.isDone());
      a.close();
      await().atMost(Duration.ofSeconds(3)).until(outcome::isDone);
      assertThat(((Throwable) outcome.get())).hasMessageContaining("closed");
      // The transport a shared stays open for b, which still reads its agent.
      assertThat(readings(b.poll())).containsEntry("pdu.x_w", 5.0);
    } finally {
      a.close();
      b.close();
    }
  }

  /** The collector, noting when each poll starts. */
  private static DeviceCollector attempts(SnmpCollector c, List<Instant> at) {
    return new DeviceCollector() {
      @Override
      public Device device() {
        return c.device();
      }

      @Override
      public List<Sample> poll() throws Exception {
        at.add(Instant.now());
        return c.poll();
      }

      @Override
      public void close() {
        c.close();
      }
    };
  }

  private static DeviceStatus status(PollScheduler s, String id) {
    return s.statuses().stream().filter(d -> d.deviceId().equals(id)).findFirst().orElseThrow();
  }
}
