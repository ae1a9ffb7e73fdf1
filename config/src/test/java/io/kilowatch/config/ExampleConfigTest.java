package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped example is what users copy first, so it must load and mean what it says. */
class ExampleConfigTest {
  private static final Path EXAMPLE = Path.of("examples/site.yaml");

  @Test
  void exampleLoadsWithTheValuesItStates() throws Exception {
    SiteConfig config = ConfigLoader.load(EXAMPLE, Map.of());

    assertThat(config.source()).isEqualTo(EXAMPLE);
    assertThat(config.site())
        .isEqualTo(new Site("Example GPU hall", ZoneId.of("Europe/Paris"), "FR", AshraeClass.A2));
    // 5y in the file is 5 x 365 days, a day shorter than StoreConfig's 5 x 366 default.
    assertThat(config.store())
        .isEqualTo(
            new StoreConfig(
                StoreConfig.StoreKind.EMBEDDED,
                Path.of("examples/data").toAbsolutePath(),
                Duration.ofDays(7),
                Duration.ofDays(90),
                Duration.ofDays(5 * 365)));
    assertThat(config.web()).isEqualTo(WebConfig.DEFAULT);
    assertThat(config.allDevices())
        .extracting(Device::id)
        .containsExactly(
            "main-meter", "cooling-plant", "it-feed-a", "c1-cdu", "c1-r1-pdu-a", "c1-r1-n1");
  }

  @Test
  void profilesKeepTheirPointTypes() throws Exception {
    SiteConfig config = ConfigLoader.load(EXAMPLE, Map.of());

    var meter = (Profile.Modbus) config.profile("demo-meter").orElseThrow();
    assertThat(meter.addressBase()).isEqualTo(Profile.AddressBase.ZERO);
    var energy = meter.points().get(1);
    assertThat(energy.dataType()).isEqualTo(Profile.DataType.UINT64);
    assertThat(energy.scale()).isEqualTo(0.001);
    assertThat(energy.kind()).isEqualTo(Profile.PointKind.COUNTER);
    assertThat(meter.points().get(2).tags()).isEqualTo(Map.of("phase", "l1"));
    var cdu = (Profile.OpcUa) config.profile("demo-cdu").orElseThrow();
    assertThat(cdu.points().get(0).nodeId())
        .isEqualTo("nsu=urn:kilowatch:demo;s=cdu1/SecondarySupplyTemp");
    assertThat(cdu.points().get(0).measurement()).isEqualTo("cooling_loop");
  }

  @Test
  void devicesGetTheirLocationFromNesting() throws Exception {
    SiteConfig config = ConfigLoader.load(EXAMPLE, Map.of());

    Device pdu = config.device("c1-r1-pdu-a").orElseThrow();
    assertThat(pdu.location()).isEqualTo(new Location("c1", "c1-r1"));
    assertThat(pdu.kind()).isEqualTo(DeviceKind.PDU);
    assertThat(pdu.source()).isEqualTo(new Source.Modbus("127.0.0.1", 5020, 1));
    assertThat(pdu.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.device("c1-cdu").orElseThrow().location())
        .isEqualTo(new Location("c1", null));
    assertThat(config.device("main-meter").orElseThrow().location()).isEqualTo(Location.FACILITY);
    Device node = config.device("c1-r1-n1").orElseThrow();
    assertThat(node.profile()).isNull();
    assertThat(node.source()).isInstanceOf(Source.Dcgm.class);
  }

  @Test
  void energyModelIsMeasurementCategoryTwo() throws Exception {
    EnergyModel energy = ConfigLoader.load(EXAMPLE, Map.of()).energy();

    assertThat(energy.itLevel().category()).isEqualTo(2);
    assertThat(energy.facility())
        .containsExactly(
            new EnergyModel.Channel("main-meter", null, null, "energy_kwh", "power_w"));
    assertThat(energy.it())
        .containsExactly(
            new EnergyModel.Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w"));
    assertThat(energy.losses()).isEmpty();
  }
}
