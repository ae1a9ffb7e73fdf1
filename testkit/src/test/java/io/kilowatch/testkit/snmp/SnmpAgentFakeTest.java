package io.kilowatch.testkit.snmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;

/**
 * The fake against net-snmp's command-line tools, an SNMP stack written independently of SNMP4J: if
 * both agree on every answer below, the fake speaks SNMP and not just SNMP4J's reading of it.
 */
@RequiresPeer(Peer.NET_SNMP)
class SnmpAgentFakeTest {
  private static final String COMMUNITY = "kw-test-community";
  private static final SnmpUser USER = new SnmpUser("kwuser", "auth-pass-123", "priv-pass-456");
  private static final OID SYS_DESCR = new OID("1.3.6.1.2.1.1.1");

  /** PDU2-MIB measurementsInletSensorValue: pduId.inletId.sensorType. */
  private static final String INLET = "1.3.6.1.4.1.13742.6.5.2.3.1.4";

  private final AtomicLong powerW = new AtomicLong(4200);
  private SnmpAgentFake fake;

  private SnmpMib mib() {
    OID column = new OID(INLET);
    return SnmpMib.builder()
        .scalar(SYS_DESCR, new OctetString("kilowatch fake PDU"))
        // Given out of order on purpose: the agent walks in OID order whatever the build order.
        .cell(column, new OID("1.1.8"), () -> new Gauge32(123_456))
        .cell(column, new OID("1.1.5"), () -> new Gauge32(powerW.get()))
        .cell(column, new OID("1.1.1"), () -> new Gauge32(17_250))
        .cell(column, new OID("1.1.4"), () -> new Gauge32(230))
        .build();
  }

  @BeforeEach
  void start() throws IOException {
    fake = SnmpAgentFake.start(mib(), SnmpAccess.v2c(COMMUNITY).withUser(USER));
  }

  @AfterEach
  void stop() throws IOException {
    fake.close();
  }

  private List<String> v2c(String tool, String... args) throws Exception {
    return run(v2cCommand(tool), fake.port(), args);
  }

  private static List<String> v2cCommand(String tool) {
    return List.of(tool, "-v2c", "-c", COMMUNITY);
  }

  /** What a tool printed: the values on stdout, the complaints on stderr. */
  private record Printed(List<String> out, String err) {
    String all() {
      return String.join("\n", out) + "\n" + err;
    }
  }

  /** The lines a tool printed on stdout (values and value-level errors). */
  private List<String> run(List<String> cmd, int port, String... args) throws Exception {
    return exec(cmd, port, args).out();
  }

  /**
   * stdout and stderr apart: net-snmp writes its notices to stderr (on a machine where it never
   * ran, "Created directory: /var/lib/snmp/cert_indexes" before the first answer), and its timeouts
   * and authentication failures too.
   */
  private Printed exec(List<String> cmd, int port, String... args) throws Exception {
    List<String> all = new ArrayList<>(cmd);
    // Numeric OIDs, "oid = value" without the type, no MIB files: output comparable as text.
    all.addAll(List.of("-m", "", "-On", "-OQ", "-t", "1", "-r", "0"));
    all.add("127.0.0.1:" + port);
    all.addAll(List.of(args));
    Process p = new ProcessBuilder(all).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("%s finished", cmd.getFirst()).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Printed(out.lines().toList(), err);
  }

  @Test
  void getReadsEachValueAtTheRequest() throws Exception {
    assertThat(v2c("snmpget", INLET + ".1.1.5", "1.3.6.1.2.1.1.1.0"))
        .containsExactly(
            "." + INLET + ".1.1.5 = 4200", ".1.3.6.1.2.1.1.1.0 = \"kilowatch fake PDU\"");
    powerW.set(5100);
    assertThat(v2c("snmpget", INLET + ".1.1.5")).containsExactly("." + INLET + ".1.1.5 = 5100");
    assertThat(fake.answers(0)).isEqualTo(2);
  }

  @Test
  void getOfAMissingInstanceTellsAnUnknownObjectFromAnUnknownInstance() throws Exception {
    // 1.1.6 lies under a column the agent implements; 1.3.6.1.2.1.1.2 is no object of it at all.
    assertThat(v2c("snmpget", INLET + ".1.1.6", "1.3.6.1.2.1.1.2.0"))
        .containsExactly(
            "." + INLET + ".1.1.6 = No Such Instance currently exists at this OID",
            ".1.3.6.1.2.1.1.2.0 = No Such Object available on this agent at this OID");
  }

  @Test
  void getNextPastTheLastInstanceIsTheEndOfTheView() throws Exception {
    assertThat(v2c("snmpgetnext", INLET + ".1.1.5", INLET + ".1.1.8"))
        .containsExactly(
            "." + INLET + ".1.1.8 = 123456",
            "."
                + INLET
                + ".1.1.8 = No more variables left in this MIB View"
                + " (It is past the end of the MIB tree)");
  }

  @Test
  void bulkWalkReturnsTheTableInOidOrder() throws Exception {
    // Three rows per GETBULK, so the four cells take two requests. The table is the last thing
    // the agent serves, so the walk ends on endOfMibView named by the last cell (RFC 3416 4.2.3),
    // which net-snmp prints, as it does walking the end of a real snmpd's view.
    assertThat(v2c("snmpbulkwalk", "-Cr3", INLET))
        .containsExactly(
            "." + INLET + ".1.1.1 = 17250",
            "." + INLET + ".1.1.4 = 230",
            "." + INLET + ".1.1.5 = 4200",
            "." + INLET + ".1.1.8 = 123456",
            "."
                + INLET
                + ".1.1.8 = No more variables left in this MIB View"
                + " (It is past the end of the MIB tree)");
    assertThat(fake.answers(0)).isEqualTo(2);
  }

  @Test
  void bulkGetAnswersNonRepeatersOnceAndRepeatersRowByRow() throws Exception {
    // N = 1: sysDescr's next once; M = 2 rows over the other two, each row following the last.
    assertThat(
            v2c(
                "snmpbulkget",
                "-Cn1",
                "-Cr2",
                SYS_DESCR.toString(),
                INLET + ".1.1.1",
                INLET + ".1.1.5"))
        .containsExactly(
            ".1.3.6.1.2.1.1.1.0 = \"kilowatch fake PDU\"",
            "." + INLET + ".1.1.4 = 230",
            "." + INLET + ".1.1.8 = 123456",
            "." + INLET + ".1.1.5 = 4200",
            "."
                + INLET
                + ".1.1.8 = No more variables left in this MIB View"
                + " (It is past the end of the MIB tree)");
  }

  @Test
  void v3AuthPrivWithSha256AndAes128IsAnswered() throws Exception {
    List<String> cmd =
        List.of(
            "snmpget",
            "-v3",
            "-l",
            "authPriv",
            "-u",
            USER.name(),
            "-a",
            "SHA-256",
            "-A",
            USER.authPassphrase(),
            "-x",
            "AES",
            "-X",
            USER.privPassphrase());
    assertThat(run(cmd, fake.port(), INLET + ".1.1.5"))
        .containsExactly("." + INLET + ".1.1.5 = 4200");
  }

  @Test
  void v3WithAWrongAuthPassphraseIsRefusedByUsm() throws Exception {
    List<String> cmd =
        List.of(
            "snmpget",
            "-v3",
            "-l",
            "authPriv",
            "-u",
            USER.name(),
            "-a",
            "SHA-256",
            "-A",
            "not-the-passphrase",
            "-x",
            "AES",
            "-X",
            USER.privPassphrase());
    // USM rejects the digest and reports it; the manager, holding the wrong key, cannot
    // authenticate the report either and says so.
    assertThat(exec(cmd, fake.port(), INLET + ".1.1.5").all())
        .contains("Authentication failed for " + USER.name())
        .doesNotContain("4200");
    assertThat(fake.answers(0)).isZero();
  }

  @Test
  void v3BelowAuthPrivGetsNoAnswer() throws Exception {
    List<String> cmd =
        List.of(
            "snmpget",
            "-v3",
            "-l",
            "authNoPriv",
            "-u",
            USER.name(),
            "-a",
            "SHA-256",
            "-A",
            USER.authPassphrase());
    assertThat(exec(cmd, fake.port(), INLET + ".1.1.5").all()).contains("Timeout");
    assertThat(fake.refused()).isEqualTo(1);
  }

  @Test
  void aWrongCommunityIsDroppedAsByARealAgent() throws Exception {
    Printed printed =
        exec(List.of("snmpget", "-v2c", "-c", "guess"), fake.port(), INLET + ".1.1.5");
    assertThat(printed.all()).contains("Timeout");
    assertThat(fake.refused()).isEqualTo(1);
    assertThat(fake.answers(0)).isZero();
  }

  @Test
  void aSilencedAgentTimesOutUntilToldToAnswer() throws Exception {
    fake.silence(0);
    assertThat(exec(v2cCommand("snmpget"), fake.port(), INLET + ".1.1.5").all())
        .contains("Timeout");
    fake.answer(0);
    assertThat(v2c("snmpget", INLET + ".1.1.5")).containsExactly("." + INLET + ".1.1.5 = 4200");
    assertThat(fake.answers(0)).isEqualTo(1);
  }

  @Test
  void manyAgentsEachServeTheirOwnMibOnTheirOwnPort() throws Exception {
    try (SnmpAgentFake many =
        SnmpAgentFake.start(
            300,
            a ->
                SnmpMib.builder()
                    .cell(new OID(INLET), new OID("1.1.5"), () -> new Gauge32(1000 + a))
                    .build(),
            SnmpAccess.v2c(COMMUNITY))) {
      assertThat(many.ports()).doesNotHaveDuplicates().hasSize(300);
      List<String> cmd = List.of("snmpget", "-v2c", "-c", COMMUNITY);
      assertThat(run(cmd, many.port(0), INLET + ".1.1.5"))
          .containsExactly("." + INLET + ".1.1.5 = 1000");
      assertThat(run(cmd, many.port(299), INLET + ".1.1.5"))
          .containsExactly("." + INLET + ".1.1.5 = 1299");
      await().atMost(Duration.ofSeconds(5)).until(() -> many.answers() == 2);
      assertThat(many.answers(0)).isEqualTo(1);
      assertThat(many.answers(299)).isEqualTo(1);
      assertThat(many.answers(1)).isZero();
    }
  }
}
