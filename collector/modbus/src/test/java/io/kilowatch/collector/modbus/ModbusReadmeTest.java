package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.testkit.RepoRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The package README's configuration example is a working configuration. */
class ModbusReadmeTest {

  static String example() throws Exception {
    Path readme =
        RepoRoot.resolve("collector/modbus/src/main/java/io/kilowatch/collector/modbus/README.md");
    String text = Files.readString(readme);
    int start = text.indexOf("```yaml\n");
    int end = text.indexOf("```", start + 7);
    assertThat(start).isNotNegative();
    return text.substring(start + 8, end);
  }

  @Test
  void readmeExampleLoadsAndEveryDeviceGetsACollector() throws Exception {
    // The example names profiles/..., relative to the site file: the shipped profiles' parent.
    SiteConfig site =
        ConfigLoader.parse(
            example(), "README.md", ShippedProfilesTest.profilesDir().getParent(), Map.of());

    assertThat(site.allDevices().map(Device::id))
        .containsExactlyInAnyOrder("c1-r1-pdu-a", "ups-1", "meter-hvac", "meter-lighting");
    var hvac = (Source.Modbus) site.device("meter-hvac").orElseThrow().source();
    assertThat(hvac.requests())
        .isEqualTo(
            new Source.ModbusRequests(
                32,
                4,
                Duration.ofMillis(50),
                Duration.ofSeconds(1),
                Duration.ofMillis(300),
                Source.ModbusConnection.SHARED));
    var ups = (Source.Modbus) site.device("ups-1").orElseThrow().source();
    assertThat(ups).isEqualTo(new Source.Modbus("10.0.0.30", 502, 1));
    var meter = (Profile.Modbus) site.profile("example-meter").orElseThrow();
    assertThat(meter.points())
        .anySatisfy(
            p -> {
              assertThat(p.dataType()).isEqualTo(Profile.DataType.STRING);
              assertThat(p.registers()).isEqualTo(8);
            });
    // The breaker range: one point per number, at discrete 1, 2, 3 as written.
    assertThat(meter.points())
        .filteredOn(p -> p.name().startsWith("breaker-"))
        .extracting(
            Profile.ModbusPoint::name, Profile.ModbusPoint::address, Profile.ModbusPoint::field)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("breaker-1", 1, "breaker_1_ok"),
            org.assertj.core.groups.Tuple.tuple("breaker-2", 2, "breaker_2_ok"),
            org.assertj.core.groups.Tuple.tuple("breaker-3", 3, "breaker_3_ok"));
    var endpoints = new ModbusEndpoints();
    site.allDevices()
        .forEach(
            d -> {
              var profile = (Profile.Modbus) site.profile(d.profile()).orElseThrow();
              try (var c =
                  new ModbusCollector(
                      d, (Source.Modbus) d.source(), profile, site, Clock.systemUTC(), endpoints)) {
                assertThat(c.plan()).isNotEmpty();
                int max = ((Source.Modbus) d.source()).requests().maxRegistersPerRequest();
                assertThat(c.plan()).allMatch(b -> b.count() <= max);
              }
            });
    // Every device's energy counter is known to analytics.
    assertThat(ModbusCounters.of(site).keySet())
        .extracting(k -> k.tags().get("device"))
        .contains("c1-r1-pdu-a", "ups-1", "meter-hvac", "meter-lighting");
  }
}
