package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  private static final Path BROKEN = BrokenConfigTest.BROKEN;

  private static final String MINIMAL =
      """
      site:
        name: Minimal
      profiles:
        - id: meter
          source: modbus
          addressBase: zero
          points:
            - {name: power, registerType: holding, address: 0, dataType: float32, unit: W, field: power_w}
      devices:
        - {id: m1, kind: meter, profile: meter, source: {type: modbus, host: 127.0.0.1}}
        - {id: m2, kind: meter, profile: meter, source: {type: modbus, host: 127.0.0.1}, interval: 2s}
      """;

  private static SiteConfig parse(String yaml, Map<String, String> env) throws ConfigException {
    return ConfigLoader.parse(yaml, "test.yaml", Path.of("/srv/kilowatch"), env);
  }

  private static ConfigException failure(String yaml, Map<String, String> env) {
    return catchThrowableOfType(ConfigException.class, () -> parse(yaml, env));
  }

  @Test
  void everyProblemOfAFileIsReportedAtOnceInLineOrder() {
    List<ConfigProblem> problems =
        BrokenConfigTest.problemsOf(BROKEN.resolve("several-problems.yaml"));

    assertThat(problems).hasSizeGreaterThan(1);
    assertThat(problems).isSortedAccordingTo(Comparator.comparingInt(ConfigProblem::line));
    assertThat(problems)
        .extracting(p -> p.line() + " " + p.path())
        .containsExactly(
            "4 site.ashraeClass",
            "6 web.port",
            "12 profiles[0].points[0].dataType",
            "17 devices[0].source.unitId",
            "18 devices[0].interval",
            "19 devices[1].id",
            "21 devices[1].profile");
    assertThat(problems.get(6).message())
        .isEqualTo("unknown profile 'nothing'; profiles defined: meter");
  }

  @Test
  void problemsInAnIncludedProfileNameTheIncludedFile() {
    Path site = BROKEN.resolve("include-bad-profile.yaml");

    List<ConfigProblem> problems = BrokenConfigTest.problemsOf(site);

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).toString())
        .startsWith(
            BROKEN.resolve("profiles/bad-unit.yaml")
                + ":7: profiles[0].points[1].unit: is required");
  }

  @Test
  void profilesComeFromFilesRelativeToTheConfigFile() throws Exception {
    SiteConfig config =
        ConfigLoader.load(Path.of("src/test/resources/includes/site.yaml"), Map.of());

    assertThat(config.profiles())
        .extracting(Profile::id)
        .containsExactly("pdu-a", "pdu-b", "local");
    var pduA = (Profile.Modbus) config.profile("pdu-a").orElseThrow();
    assertThat(pduA.addressBase()).isEqualTo(Profile.AddressBase.ONE);
    assertThat(pduA.points().get(0).address()).isEqualTo(30001);
    assertThat(pduA.points().get(0).wordOrder()).isEqualTo(Profile.WordOrder.CDAB);
    var breaker = ((Profile.Modbus) config.profile("pdu-b").orElseThrow()).points().get(0);
    assertThat(breaker.dataType()).isEqualTo(Profile.DataType.BIT);
    assertThat(config.device("pdu-b").orElseThrow().source())
        .isEqualTo(new Source.Modbus("10.0.0.2", 502, 0));
  }

  @Test
  void leftOutKeysTakeTheDocumentedDefaults() throws Exception {
    SiteConfig config = parse(MINIMAL, Map.of());

    assertThat(config.site().timezone()).isEqualTo(ZoneOffset.UTC);
    assertThat(config.site().ashraeClass()).isNull();
    assertThat(config.web()).isEqualTo(WebConfig.DEFAULT);
    assertThat(config.store()).isEqualTo(StoreConfig.embedded(Path.of("/srv/kilowatch/data")));
    assertThat(config.energy()).isNull();
    Device m1 = config.device("m1").orElseThrow();
    assertThat(m1.location()).isEqualTo(Location.FACILITY);
    assertThat(m1.source()).isEqualTo(new Source.Modbus("127.0.0.1", 502, 1));
    assertThat(m1.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(m1.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(m1.tags()).isEmpty();
    // A fast poll gets a timeout no longer than its interval.
    assertThat(config.device("m2").orElseThrow().timeout()).isEqualTo(Duration.ofSeconds(2));
    var point = ((Profile.Modbus) config.profiles().get(0)).points().get(0);
    assertThat(point.wordOrder()).isEqualTo(Profile.WordOrder.ABCD);
    assertThat(point.scale()).isEqualTo(1.0);
    assertThat(point.offset()).isEqualTo(0.0);
    assertThat(point.kind()).isEqualTo(Profile.PointKind.GAUGE);
    assertThat(point.measurement()).isNull();
  }

  @Test
  void environmentVariablesAreSubstitutedWithDefaults() throws Exception {
    String yaml =
        MINIMAL.replace(
            "{type: modbus, host: 127.0.0.1}}",
            "{type: modbus, host: \"${KW_HOST}\", port: \"${KW_PORT:-5020}\"}}");

    SiteConfig config = parse(yaml, Map.of("KW_HOST", "meter.example"));

    assertThat(config.device("m1").orElseThrow().source())
        .isEqualTo(new Source.Modbus("meter.example", 5020, 1));
  }

  @Test
  void aSecretFromTheEnvironmentIsNeverEchoed() throws Exception {
    String opcua =
        """
        site: {name: Secrets}
        profiles:
          - id: cdu
            source: opcua
            points: [{name: t, nodeId: "ns=2;s=T", unit: degC, field: temp_c}]
        devices:
          - id: cdu1
            kind: cdu
            profile: cdu
            source: {type: opcua, endpoint: "opc.tcp://h:4840", username: kw, password: "${PW}"}
            interval: "${PW}"
        """;
    Map<String, String> env = Map.of("PW", "s3cr3t-value");

    ConfigException e = failure(opcua, env);

    assertThat(e.getMessage())
        .contains("test.yaml:11: devices[0].interval: expected a duration")
        .contains("'${PW}' (after substitution)")
        .doesNotContain("s3cr3t-value");
    SiteConfig ok = parse(opcua.replace("interval: \"${PW}\"", "interval: 5s"), env);
    var source = (Source.OpcUa) ok.device("cdu1").orElseThrow().source();
    assertThat(source.password()).isEqualTo("s3cr3t-value");
    assertThat(ok.toString()).doesNotContain("s3cr3t-value");
  }

  @Test
  void mergeKeysShareSettingsBetweenDevices() throws Exception {
    String yaml =
        """
        site: {name: Merged}
        profiles:
          - id: meter
            source: modbus
            addressBase: zero
            points: [{name: p, registerType: input, address: 0, dataType: int16, unit: W, field: power_w}]
        devices:
          - &base {id: m1, kind: meter, profile: meter, interval: 30s, source: {type: modbus, host: h1}}
          - {<<: *base, id: m2, source: {type: modbus, host: h2}}
        """;

    SiteConfig config = parse(yaml, Map.of());

    Device m2 = config.device("m2").orElseThrow();
    assertThat(m2.interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(m2.source()).isEqualTo(new Source.Modbus("h2", 502, 1));
    assertThat(config.device("m1").orElseThrow().source())
        .isEqualTo(new Source.Modbus("h1", 502, 1));
  }

  @Test
  void oneFieldMayAppearOncePerTagSet() throws Exception {
    // Total power and power per phase share power_w and differ by their phase tag.
    String yaml =
        MINIMAL.replace(
            "field: power_w}",
            "field: power_w}\n"
                + "      - {name: p1, registerType: holding, address: 2, dataType: float32, unit: W,"
                + " field: power_w, tags: {phase: l1}}\n"
                + "      - {name: p2, registerType: holding, address: 4, dataType: float32, unit: W,"
                + " field: power_w, tags: {phase: l2}}");
    SiteConfig config = parse(yaml, Map.of());
    assertThat(config.profiles().getFirst().points()).hasSize(3);

    String twice = yaml.replace("tags: {phase: l2}", "tags: {phase: l1}");
    assertThat(failure(twice, Map.of()).problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("already written by point 'p1'"));
  }

  @Test
  void anEmptyFileIsAProblemNotANullConfig() {
    ConfigException e = failure("# nothing here\n", Map.of());

    assertThat(e.problems())
        .containsExactly(new ConfigProblem("test.yaml", 0, "(document)", "the file is empty"));
  }

  @Test
  void aTopLevelListIsReportedAsTheWrongShape() {
    ConfigException e = failure("- site\n- devices\n", Map.of());

    assertThat(e.problems().get(0).toString())
        .isEqualTo("test.yaml:1: (document): expected a mapping (key: value), got a list");
  }

  // Found by ConfigLoaderPropertyTest: a profile whose id is missing was reported, but the energy
  // unit check then looked profiles up by id and threw a NullPointerException instead.
  @Test
  void aProfileWithoutIdIsAProblemEvenWhenEnergyChecksUnits() {
    String yaml =
        """
        site: {name: t}
        profiles:
          - id:
            source: modbus
            addressBase: zero
            points:
              - {name: power, registerType: holding, address: 0, dataType: float32, unit: W, field: power_w}
          - id: meter
            source: modbus
            addressBase: zero
            points:
              - {name: power, registerType: holding, address: 0, dataType: float32, unit: W, field: power_w}
        devices:
          - {id: m1, kind: meter, profile: meter, source: {type: modbus, host: 127.0.0.1}}
        energy:
          itLevel: it-input
          facility: [{device: m1}]
          it: [{device: m1}]
        """;

    assertThat(failure(yaml, Map.of()).problems())
        .anySatisfy(p -> assertThat(p.toString()).startsWith("test.yaml:3: profiles[0].id: "));
  }

  // Found by ConfigLoaderPropertyTest: with a device whose id is invalid, an energy channel naming
  // an unknown device threw a NullPointerException while looking for the closest id.
  @Test
  void anUnknownEnergyDeviceIsAProblemWhenAnotherDeviceHasNoValidId() {
    String yaml =
        MINIMAL.replace("{id: m2,", "{id: -999999999999ms,")
            + """
            energy:
              itLevel: it-input
              facility: [{device: m3}]
              it: [{device: m1}]
            """;

    assertThat(failure(yaml, Map.of()).problems())
        .anySatisfy(p -> assertThat(p.path()).isEqualTo("energy.facility[0].device"));
  }
}
