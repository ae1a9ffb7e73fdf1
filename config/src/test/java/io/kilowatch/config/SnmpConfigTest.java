package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The snmp source and profile keys: what binds, and what is refused with file, line and key. */
class SnmpConfigTest {
  static final Map<String, String> ENV =
      Map.of("C", "community", "A", "auth-key-1", "P", "priv-key-1");

  private static SiteConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(yaml, "site.yaml", null, ENV);
  }

  private static String problems(String yaml) {
    return catchThrowableOfType(ConfigException.class, () -> parse(yaml)).getMessage();
  }

  static String site(String source, String profileExtra) {
    return """
        site: {name: s}
        profiles:
          - id: p
            source: snmp
            points:
              - {name: power, oid: "1.3.6.1.4.1.318.1.1.26.4.3.1.5.1", scale: 10, unit: W, field: power_w}
        %s
        devices:
          - {id: d, kind: pdu, profile: p, source: %s}
        """
        .formatted(profileExtra, source);
  }

  @Test
  void v2cAndV3SourcesBindWithTheirDefaults() throws Exception {
    var v2c =
        (Source.Snmp)
            parse(site("{type: snmp, host: 10.0.0.1, version: v2c, community: \"${C}\"}", ""))
                .device("d")
                .orElseThrow()
                .source();
    assertThat(v2c)
        .isEqualTo(
            new Source.Snmp(
                "10.0.0.1",
                161,
                Source.SnmpVersion.V2C,
                "community",
                null,
                null,
                null,
                null,
                null,
                null,
                10,
                1));
    var v3 =
        (Source.Snmp)
            parse(
                    site(
                        "{type: snmp, host: h, port: 1161, version: v3, user: u, authProtocol:"
                            + " sha-384, authKey: \"${A}\", privProtocol: aes-256, privKey:"
                            + " \"${P}\", maxRepetitions: 50, retries: 3}",
                        ""))
                .device("d")
                .orElseThrow()
                .source();
    assertThat(v3.authProtocol()).isEqualTo(Source.SnmpAuth.SHA_384);
    assertThat(v3.privProtocol()).isEqualTo(Source.SnmpPriv.AES_256);
    assertThat(v3.authKey()).isEqualTo("auth-key-1");
    assertThat(v3.maxRepetitions()).isEqualTo(50);
    assertThat(v3.retries()).isEqualTo(3);
    assertThat(v3.toString()).doesNotContain("auth-key-1").doesNotContain("priv-key-1");
  }

  @Test
  void secretsWrittenInTheFileAreRefusedAtTheirLineAndKey() {
    assertThat(problems(site("{type: snmp, host: h, version: v2c, community: public}", "")))
        .contains("site.yaml:9:")
        .contains("community")
        .contains("write the community as ${VARIABLE}");
    String v3 =
        problems(
            site(
                "{type: snmp, host: h, version: v3, user: u, authProtocol: sha-256, authKey:"
                    + " s3cr3t-literal, privProtocol: aes-128, privKey: \"${P:-fallback}\"}",
                ""));
    assertThat(v3)
        .contains("write the authKey as ${VARIABLE}")
        .contains("the privKey must come from the environment")
        .doesNotContain("s3cr3t-literal");
  }

  @Test
  void keysOfTheOtherVersionAndIncompleteCredentialsAreRefused() {
    assertThat(
            problems(site("{type: snmp, host: h, version: v2c, community: \"${C}\", user: u}", "")))
        .contains("user: applies only to version v3");
    assertThat(problems(site("{type: snmp, host: h, version: v3}", "")))
        .contains("user: is required for version v3");
    assertThat(
            problems(
                site(
                    "{type: snmp, host: h, version: v3, user: u, privProtocol: aes-128, privKey:"
                        + " \"${P}\"}",
                    "")))
        .contains("needs an authProtocol");
    assertThat(
            problems(
                site("{type: snmp, host: h, version: v3, user: u, authProtocol: sha-256}", "")))
        .contains("authKey: is required with authProtocol");
    assertThat(
            problems(
                site(
                    "{type: snmp, host: h, version: v3, user: u, authProtocol: md5, authKey:"
                        + " \"${A}\"}",
                    "")))
        .contains("sha-224, sha-256, sha-384, sha-512");
    assertThat(problems(site("{type: snmp, host: h, version: v3, user: u, engineId: xyz}", "")))
        .contains("engineId: expected the agent's engine ID");
  }

  @Test
  void tablesBindTheirColumnsAndBadOidsAreRefused() throws Exception {
    String tables =
        """
            tables:
              - name: outlets
                indexTag: outlet
                columns:
                  - {name: op, oid: "1.3.6.1.4.1.318.1.1.26.9.4.3.1.7", unit: W, field: power_w}
                  - {name: rp, oid: ".1.3.6.1.4.1.13742.6.5.4.3.1.4.1.{index}.5", decimalDigits: "1.3.6.1.4.1.13742.6.3.5.4.1.7.1.{index}.5", unit: W, field: raritan_power_w}
        """;
    var p =
        (Profile.Snmp)
            parse(site("{type: snmp, host: h, version: v2c, community: \"${C}\"}", tables))
                .profile("p")
                .orElseThrow();
    assertThat(p.tables().getFirst().columns())
        .extracting(
            Profile.SnmpPoint::oid, Profile.SnmpPoint::decimalDigits, Profile.SnmpPoint::indexTag)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "1.3.6.1.4.1.318.1.1.26.9.4.3.1.7.{index}", null, "outlet"),
            org.assertj.core.groups.Tuple.tuple(
                "1.3.6.1.4.1.13742.6.5.4.3.1.4.1.{index}.5",
                "1.3.6.1.4.1.13742.6.3.5.4.1.7.1.{index}.5",
                "outlet"));
    // The scalar power_w and the column power_w differ by the row's tag: no clash.
    assertThat(p.points()).hasSize(3);

    String bad =
        tables
            .replace("1.3.6.1.4.1.318.1.1.26.9.4.3.1.7\"", "1.3.6.x.7\"")
            .replace(
                "unit: W, field: raritan_power_w",
                "unit: W, field: raritan_power_w, tags: {outlet: x}");
    String msg = problems(site("{type: snmp, host: h, version: v2c, community: \"${C}\"}", bad));
    assertThat(msg).contains("expected a column OID in dotted numbers").contains("1.3.6.x.7");
    assertThat(msg).contains("tag 'outlet' is the table's indexTag");
    assertThat(
            problems(
                site("{type: snmp, host: h, version: v2c, community: \"${C}\"}", "")
                    .replace("5.1\", scale", "{index}\", scale")))
        .contains("expected an OID in dotted numbers ending with the instance");
  }

  @Test
  void anSnmpDeviceNeedsAnSnmpProfile() {
    String yaml =
        site("{type: snmp, host: h, version: v2c, community: \"${C}\"}", "")
            .replace("profile: p,", "profile: m,")
            .replace(
                "profiles:\n",
                "profiles:\n  - {id: m, source: modbus, addressBase: zero, points: [{name: x,"
                    + " registerType: holding, address: 0, dataType: uint16, unit: W, field:"
                    + " x_w}]}\n");
    assertThat(problems(yaml)).contains("modbus").contains("snmp");
  }
}
