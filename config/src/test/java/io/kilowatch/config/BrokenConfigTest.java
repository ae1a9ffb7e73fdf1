package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One broken file per kind of mistake: each must be reported once, at the exact file, line and key
 * path, because a user fixing a 2,000-line site file has nothing else to go on. The line with the
 * mistake is marked {@code # <- problem} in each file.
 */
class BrokenConfigTest {
  static final Path BROKEN = Path.of("src/test/resources/broken");

  static List<ConfigProblem> problemsOf(Path file) {
    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
    assertThat(e).as("loading %s must fail", file).isNotNull();
    return e.problems();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          syntax-error.yaml | 12 | (document) | YAML syntax error
          unknown-key.yaml | 14 | devices[0].intervall | unknown key 'intervall' (did you mean 'interval'?); allowed here: id, interval, kind, profile, source, tags, timeout
          wrong-type-port.yaml | 13 | devices[0].source.port | expected a whole number, got 'abc'
          list-instead-of-map.yaml | 9 | web | expected a mapping (key: value), got a list
          missing-id.yaml | 10 | devices[0].id | is required
          missing-profile.yaml | 10 | devices[0].profile | is required for a modbus source
          missing-source.yaml | 10 | devices[0].source | is required
          invalid-enum.yaml | 11 | devices[0].kind | invalid value 'pdux'; allowed: pdu, meter, ups, cdu, gpu-node, sensor
          invalid-source-type.yaml | 13 | devices[0].source.type | invalid value 'bacnet'; allowed: modbus, opcua, snmp, dcgm
          duplicate-device-id.yaml | 16 | devices[0].id | duplicate device id 'm1' (first defined at FILE:14)
          duplicate-rack-id.yaml | 15 | clusters[1].racks[0].id | duplicate rack id 'r1' (first defined at FILE:12)
          duplicate-cluster-id.yaml | 11 | clusters[1].id | duplicate cluster id 'c1' (first defined at FILE:10)
          duplicate-profile-id.yaml | 9 | profiles[1].id | duplicate profile id 'meter' (first defined at FILE:4)
          unknown-profile.yaml | 12 | devices[0].profile | unknown profile 'metre' (did you mean 'meter'?); profiles defined: meter
          profile-wrong-source.yaml | 12 | devices[0].profile | profile 'meter' is for modbus sources but this device's source is opcua
          dcgm-with-profile.yaml | 12 | devices[0].profile | a dcgm source describes its own metrics; remove profile
          energy-unknown-device.yaml | 17 | energy.facility[0].device | unknown device 'main-meter'
          energy-unknown-cluster.yaml | 17 | energy.it[0].cluster | unknown cluster 'c9'; clusters: (none)
          energy-channel-both.yaml | 17 | energy.it[0] | give either device or kind, not both
          energy-channel-neither.yaml | 17 | energy.cooling[0] | needs a device (one meter) or a kind
          energy-kind-selects-nothing.yaml | 17 | energy.it[0].kind | selects no device: there is no pdu device
          missing-unit.yaml | 8 | profiles[0].points[0].unit | is required: every point needs a unit
          zero-interval.yaml | 14 | devices[0].interval | must be positive, got 0s
          unparsable-timeout.yaml | 14 | devices[0].timeout | expected a duration such as 500ms, 10s, 2m, 1h, 7d or 5y, got '2 seconds'
          timeout-longer-than-interval.yaml | 15 | devices[0].timeout | must not be longer than the interval (5s), got 10s
          port-out-of-range.yaml | 13 | devices[0].source.port | must be between 1 and 65535, got 70000
          unit-id-out-of-range.yaml | 13 | devices[0].source.unitId | must be between 0 and 255, got 256
          negative-address.yaml | 8 | profiles[0].points[0].address | must be at least 0 with addressBase zero, got -1
          address-zero-with-base-one.yaml | 8 | profiles[0].points[0].address | must be at least 1 with addressBase one, got 0
          address-past-end.yaml | 8 | profiles[0].points[0].address | must be at most 65534 with addressBase zero for a 2-register value, got 65535
          opcua-endpoint-not-opc-tcp.yaml | 12 | devices[0].source.endpoint | expected a URL starting with opc.tcp:// and naming a host, got 'http://10.0.0.5:4840'
          dcgm-url-not-http.yaml | 12 | devices[0].source.url | expected a URL starting with http:// or https:// and naming a host, got 'ftp://10.0.0.9/metrics'
          unset-env-var.yaml | 13 | devices[0].source.host | environment variable KW_TEST_UNSET_HOST is not set
          unknown-timezone.yaml | 3 | site.timezone | unknown time zone 'Europe/Pariss'
          literal-password.yaml | 12 | devices[0].source.password | write the password as ${VARIABLE}, not in the file
          opcua-password-with-default.yaml | 12 | devices[0].source.password | the password must come from the environment: a default after :- would be in the file
          unset-secret.yaml | 8 | alerts.receivers[0].secret | environment variable KW_TEST_UNSET_SECRET is not set (export it where kilowatch runs: a secret takes no default in the file)
          energy-unknown-field.yaml | 19 | energy.facility[0].energyField | device 'm1' has no field 'enrgy_kwh' (did you mean 'energy_kwh'?); its fields: energy_kwh, power_w
          energy-unknown-push-field.yaml | 10 | energy.it[0].powerField | no meter device has a field 'power_w' (did you mean 'power_kw'?); their fields: power_kw
          literal-webhook-secret.yaml | 8 | alerts.receivers[0].secret | write the secret as ${VARIABLE}, not in the file
          escaped-webhook-secret.yaml | 8 | alerts.receivers[0].secret | write the secret as ${VARIABLE}, not in the file
          secret-with-default.yaml | 8 | alerts.receivers[0].secret | the secret must come from the environment: a default after :- would be in the file
          literal-influx-token.yaml | 8 | store.influxdb.token | write the token as ${VARIABLE}, not in the file
          literal-carbon-token.yaml | 6 | analytics.carbon.source.token | write the token as ${VARIABLE}, not in the file
          duplicate-token-hash.yaml | 9 | alerts.apiTokens[0].sha256 | token 'oncall' has the same sha256 as web.tokens[0].sha256 (first at FILE:5)
          duplicate-token-hash-same-role.yaml | 6 | web.tokens[1].sha256 | token 'lobby' has the same sha256 as web.tokens[0].sha256 (first at FILE:5)
          duplicate-field.yaml | 9 | profiles[0].points[1].field | field 'power_w' is already written by point 'power'
          coil-with-float.yaml | 9 | profiles[0].points[1].dataType | coil registers hold single bits: dataType must be bit
          duplicate-key.yaml | 13 | devices[0].kind | duplicate key 'kind' (first at line 11)
          host-with-scheme.yaml | 13 | devices[0].source.host | expected a host name or address (the port goes in port:), got 'tcp://10.0.0.1'
          include-missing-file.yaml | 9 | profiles[1].file | cannot read
          push-overlapping-match.yaml | 11 | devices[1].source.match | push devices 'it_A' (FILE:6) and 'it_A_copy' can both select the same line (one tagged meter=it_A)
          """)
  void reportsTheMistakeAtItsFileLineAndPath(String name, int line, String path, String message) {
    Path file = BROKEN.resolve(name);
    String expectedMessage = message.replace("FILE", file.toString());

    List<ConfigProblem> problems = problemsOf(file);

    assertThat(problems).as(problems.toString()).hasSize(1);
    ConfigProblem p = problems.get(0);
    assertThat(p.file()).isEqualTo(file.toString());
    assertThat(p.line()).isEqualTo(line);
    assertThat(p.path()).isEqualTo(path);
    assertThat(p.message()).contains(expectedMessage);
    assertThat(p.toString()).startsWith(file + ":" + line + ": " + path + ": ");
  }
}
