package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code alerts:} section: defaults, references and mistakes reported with their line. */
class AlertsConfigTest {
  private static final String SITE = "site: {name: s}\n";

  private static SiteConfig parse(String alerts, Map<String, String> env) throws ConfigException {
    return ConfigLoader.parse(SITE + "alerts:\n" + alerts.indent(2), "a.yaml", Path.of(""), env);
  }

  private static List<String> problems(String alerts) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(alerts, Map.of()));
    assertThat(e).as("must fail").isNotNull();
    return e.problems().stream().map(ConfigProblem::toString).toList();
  }

  @Test
  void siteWithoutAlertsHasNoRules() throws Exception {
    SiteConfig site = ConfigLoader.parse(SITE, "a.yaml", Path.of(""), Map.of());
    assertThat(site.alerts()).isEqualTo(AlertsConfig.NONE);
  }

  @Test
  void rulesReceiversAndRoutesBindWithDefaults() throws Exception {
    AlertsConfig a =
        parse(
                """
                externalUrl: https://kw.example.net
                rules:
                  - {name: hot, measurement: cooling_loop, field: supply_temp_c, threshold: 40, clear: 35, for: 30s}
                  - {name: down, type: device-down}
                  - {name: breaker, type: load, measurement: pdu, field: current_a, ratingTag: breaker_a, threshold: 80}
                receivers:
                  - {name: hook, url: "https://h.example.net/x", secret: "${S}"}
                routes:
                  - {receiver: hook, groupBy: [cluster]}
                apiTokens:
                  - {name: ops, sha256: "%s", role: operator}
                """
                    .formatted("ab".repeat(32)),
                Map.of("S", "secret-value"))
            .alerts();
    assertThat(a.externalUrl()).isEqualTo(URI.create("https://kw.example.net"));
    assertThat(a.evaluationInterval()).isEqualTo(Duration.ofSeconds(15));
    AlertsConfig.Rule hot = a.rules().getFirst();
    assertThat(hot.type()).isEqualTo(AlertsConfig.Type.THRESHOLD);
    assertThat(hot.op()).isEqualTo(AlertsConfig.Op.ABOVE);
    assertThat(hot.reduce()).isEqualTo(AlertsConfig.Reduce.MEAN);
    assertThat(hot.window()).isEqualTo(Duration.ofMinutes(1));
    assertThat(hot.forDuration()).isEqualTo(Duration.ofSeconds(30));
    assertThat(hot.clearLevel()).isEqualTo(35);
    assertThat(hot.severity()).isEqualTo(AlertsConfig.Severity.WARNING);
    assertThat(a.rules().get(1).type()).isEqualTo(AlertsConfig.Type.DEVICE_DOWN);
    assertThat(a.rules().get(2).ratingTag()).isEqualTo("breaker_a");
    AlertsConfig.Receiver hook = a.receivers().getFirst();
    assertThat(hook.kind()).isEqualTo(AlertsConfig.ReceiverKind.WEBHOOK);
    assertThat(hook.secret()).isEqualTo("secret-value");
    assertThat(hook.toString()).doesNotContain("secret-value");
    AlertsConfig.Route route = a.routes().getFirst();
    assertThat(route.groupWait()).isEqualTo(Duration.ofSeconds(30));
    assertThat(route.groupInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(route.repeatInterval()).isEqualTo(Duration.ofHours(4));
    assertThat(a.apiTokens().getFirst().role()).isEqualTo(AlertsConfig.Role.OPERATOR);
  }

  @Test
  void mistakesAreReportedAtTheirLine() {
    List<String> p =
        problems(
            """
            rules:
              - {name: a, measurement: m, field: f, threshold: 40, clear: 45}
              - {name: b, type: load, measurement: pdu, field: current_a, threshold: 80}
              - {name: c, type: absent, measurement: pdu, field: power_w}
              - {name: d, measurement: m, field: f}
              - {name: a, type: device-down}
            receivers:
              - {name: hook, kind: webhook}
            routes:
              - {receiver: hoo}
            apiTokens:
              - {name: t, sha256: abc, role: root}
            """);
    assertThat(p)
        .anySatisfy(
            s -> assertThat(s).contains("a.yaml:4:").contains("clear").contains("healthy side"))
        .anySatisfy(s -> assertThat(s).contains("a.yaml:5:").contains("needs rating"))
        .anySatisfy(s -> assertThat(s).contains("a.yaml:6:").contains("needs after"))
        .anySatisfy(
            s -> assertThat(s).contains("a.yaml:7:").contains("threshold").contains("is required"))
        .anySatisfy(s -> assertThat(s).contains("a.yaml:8:").contains("duplicate rule name 'a'"))
        .anySatisfy(
            s -> assertThat(s).contains("a.yaml:10:").contains("url").contains("is required"))
        .anySatisfy(s -> assertThat(s).contains("a.yaml:12:").contains("unknown receiver 'hoo'"))
        .anySatisfy(s -> assertThat(s).contains("a.yaml:14:").contains("64 hex digits"))
        .anySatisfy(s -> assertThat(s).contains("a.yaml:14:").contains("invalid value 'root'"));
  }
}
