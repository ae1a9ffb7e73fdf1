package io.kilowatch.collector.snmp;

import static io.kilowatch.collector.snmp.SnmpFixtures.readings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.snmp.SnmpdPeer;
import io.kilowatch.testkit.snmp.SnmpdPeer.User;
import io.kilowatch.testkit.snmp.SnmpdPeer.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SNMPv3 USM against a real snmpd with two users (SHA-256 + AES-128, SHA-512 + AES-256): both read,
 * and each way of getting the credentials wrong gives its own error naming the user.
 */
@RequiresPeer(Peer.SNMPD)
class SnmpV3Test {
  static final String E = "1.3.6.1.4.1.99999";
  static SnmpdPeer agent;

  @BeforeAll
  static void start() {
    Map<String, Value> v = new LinkedHashMap<>();
    v.put(E + ".1.1.0", Value.integer(2304));
    v.put(E + ".2.1.3.1", Value.gauge(100));
    v.put(E + ".2.1.3.2", Value.gauge(200));
    agent =
        SnmpdPeer.start(
            v,
            null,
            List.of(
                new User(
                    "kilowatch",
                    "SHA-256",
                    SnmpFixtures.ENV.get("SNMP_AUTH_KEY"),
                    "AES",
                    SnmpFixtures.ENV.get("SNMP_PRIV_KEY")),
                new User(
                    "kw512",
                    "SHA-512",
                    SnmpFixtures.ENV.get("SNMP_AUTH_KEY_512"),
                    "AES-256",
                    SnmpFixtures.ENV.get("SNMP_PRIV_KEY_256"))),
            "kw-v3-agent");
  }

  @AfterAll
  static void stop() {
    agent.close();
  }

  static String yaml(String source) {
    return """
        site: {name: lab}
        profiles:
          - id: p
            source: snmp
            points:
              - {name: voltage, oid: "%1$s.1.1.0", scale: 0.1, unit: V, field: voltage_v}
            tables:
              - {name: outlets, indexTag: outlet, columns: [{name: outlet-power, oid: "%1$s.2.1.3", unit: W, field: outlet_power_w}]}
        devices:
          - id: d
            kind: pdu
            profile: p
            timeout: 1500ms
            source: %2$s
        """
        .formatted(E, source);
  }

  static String v3(String user, String auth, String authKey, String priv, String privKey) {
    return "{type: snmp, host: 127.0.0.1, port: %d, version: v3, user: %s, authProtocol: %s, authKey: \"%s\", privProtocol: %s, privKey: \"%s\", retries: 0}"
        .formatted(agent.port(), user, auth, authKey, priv, privKey);
  }

  static Map<String, Double> poll(String source) throws Exception {
    try (var c = SnmpFixtures.collector(SnmpFixtures.site(yaml(source)), "d")) {
      return readings(c.poll());
    }
  }

  @Test
  void authPrivWithSha256AndAes128() throws Exception {
    var r = poll(v3("kilowatch", "sha-256", "${SNMP_AUTH_KEY}", "aes-128", "${SNMP_PRIV_KEY}"));
    assertThat(r)
        .containsEntry("pdu.voltage_v", 230.4)
        .containsEntry("pdu.outlet_power_w{outlet=1}", 100.0)
        .containsEntry("pdu.outlet_power_w{outlet=2}", 200.0);
    // net-snmp's snmpget reads the same value with the same credentials.
    assertThat(
            agent.tool(
                "snmpget",
                List.of(
                    "-v3",
                    "-l",
                    "authPriv",
                    "-u",
                    "kilowatch",
                    "-a",
                    "SHA-256",
                    "-A",
                    SnmpFixtures.ENV.get("SNMP_AUTH_KEY"),
                    "-x",
                    "AES",
                    "-X",
                    SnmpFixtures.ENV.get("SNMP_PRIV_KEY")),
                "." + E + ".1.1.0"))
        .contains("= INTEGER: 2304");
  }

  @Test
  void authPrivWithSha512AndAes256() throws Exception {
    var r = poll(v3("kw512", "sha-512", "${SNMP_AUTH_KEY_512}", "aes-256", "${SNMP_PRIV_KEY_256}"));
    assertThat(r)
        .containsEntry("pdu.voltage_v", 230.4)
        .containsEntry("pdu.outlet_power_w{outlet=2}", 200.0);
  }

  @Test
  void devicesWithTheSameUserAndOtherKeysOpenAtOnceKeepTheirOwnKeys() throws Exception {
    String right = v3("kilowatch", "sha-256", "${SNMP_AUTH_KEY}", "aes-128", "${SNMP_PRIV_KEY}");
    String wrong = v3("kilowatch", "sha-256", "${WRONG_KEY}", "aes-128", "${SNMP_PRIV_KEY}");
    try (var good = SnmpFixtures.collector(SnmpFixtures.site(yaml(right)), "d");
        var bad = SnmpFixtures.collector(SnmpFixtures.site(yaml(wrong)), "d");
        var good2 = SnmpFixtures.collector(SnmpFixtures.site(yaml(right)), "d")) {
      assertThat(readings(good.poll())).containsEntry("pdu.voltage_v", 230.4);
      assertThatThrownBy(bad::poll)
          .isInstanceOfSatisfying(
              SnmpAuthException.class,
              e -> assertThat(e.failure()).isEqualTo(SnmpAuthException.Failure.WRONG_DIGEST));
      // The wrong key neither replaced the right one in a shared key table nor was replaced by it.
      assertThat(readings(good2.poll())).containsEntry("pdu.voltage_v", 230.4);
      assertThat(readings(good.poll())).containsEntry("pdu.voltage_v", 230.4);
      // Same credentials share one transport; other keys get a transport (and USM) of their own.
      assertThat(good.transport()).isSameAs(good2.transport()).isNotSameAs(bad.transport());
    }
  }

  @Test
  void aWrongAuthKeyIsAWrongDigestNamingTheUser() {
    assertThatThrownBy(
            () -> poll(v3("kilowatch", "sha-256", "${WRONG_KEY}", "aes-128", "${SNMP_PRIV_KEY}")))
        .isInstanceOfSatisfying(
            SnmpAuthException.class,
            e -> assertThat(e.failure()).isEqualTo(SnmpAuthException.Failure.WRONG_DIGEST))
        .hasMessageContaining("user 'kilowatch'")
        .hasMessageContaining("wrong digest")
        .hasMessageContaining("authKey");
  }

  @Test
  void anUnknownUserIsNamed() {
    assertThatThrownBy(
            () -> poll(v3("nobody", "sha-256", "${SNMP_AUTH_KEY}", "aes-128", "${SNMP_PRIV_KEY}")))
        .isInstanceOfSatisfying(
            SnmpAuthException.class,
            e -> assertThat(e.failure()).isEqualTo(SnmpAuthException.Failure.UNKNOWN_USER))
        .hasMessageContaining("user 'nobody'")
        .hasMessageContaining("unknown user name");
  }

  @Test
  void aWrongPrivKeyIsToldFromASilentAgent() {
    // snmpd drops a request it cannot decrypt without a word; the agent still answers discovery.
    assertThatThrownBy(
            () -> poll(v3("kilowatch", "sha-256", "${SNMP_AUTH_KEY}", "aes-128", "${WRONG_KEY}")))
        .isInstanceOfSatisfying(
            SnmpAuthException.class,
            e -> assertThat(e.failure()).isEqualTo(SnmpAuthException.Failure.DECRYPTION))
        .hasMessageContaining("user 'kilowatch'")
        .hasMessageContaining("wrong privKey")
        .hasMessageContaining(agent.engineIdHex());
  }

  @Test
  void aPinnedEngineIdThatIsNotTheAgentsIsAWrongEngine() {
    String source =
        v3("kilowatch", "sha-256", "${SNMP_AUTH_KEY}", "aes-128", "${SNMP_PRIV_KEY}")
            .replace("retries: 0}", "retries: 0, engineId: 80001f8804aabbccddeeff}");
    assertThatThrownBy(() -> poll(source))
        .isInstanceOfSatisfying(
            SnmpAuthException.class,
            e -> assertThat(e.failure()).isEqualTo(SnmpAuthException.Failure.WRONG_ENGINE))
        .hasMessageContaining("user 'kilowatch'")
        .hasMessageContaining("wrong engine")
        .hasMessageContaining(agent.engineIdHex())
        .hasMessageContaining("80001f8804aabbccddeeff");
  }

  @Test
  void thePinnedEngineIdOfTheAgentWorks() throws Exception {
    String source =
        v3("kilowatch", "sha-256", "${SNMP_AUTH_KEY}", "aes-128", "${SNMP_PRIV_KEY}")
            .replace("retries: 0}", "retries: 0, engineId: " + agent.engineIdHex() + "}");
    assertThat(poll(source)).containsEntry("pdu.voltage_v", 230.4);
  }
}
