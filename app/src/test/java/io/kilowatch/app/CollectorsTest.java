package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.collector.dcgm.DcgmCollector;
import io.kilowatch.collector.modbus.ModbusCollector;
import io.kilowatch.collector.nvml.NvmlCollector;
import io.kilowatch.collector.opcua.OpcUaCollector;
import io.kilowatch.collector.snmp.SnmpCollector;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Source;
import io.kilowatch.testkit.TestSites;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class CollectorsTest {
  private final Profile.Modbus modbusMap =
      new Profile.Modbus("meter", Profile.AddressBase.ZERO, List.of());
  private final Profile.OpcUa nodeMap = new Profile.OpcUa("cdu", List.of());

  private final Device meter =
      TestSites.device(
          "m1", DeviceKind.METER, Location.FACILITY, "meter", new Source.Modbus("h", 502, 1));
  private final Device cdu =
      TestSites.device(
          "cdu1",
          DeviceKind.CDU,
          Location.FACILITY,
          "cdu",
          new Source.OpcUa(
              URI.create("opc.tcp://h:4840/x"), Source.SecurityPolicy.NONE, null, null));
  private final Device node =
      TestSites.device(
          "n1",
          DeviceKind.GPU_NODE,
          Location.FACILITY,
          null,
          new Source.Dcgm(URI.create("http://h:9400/metrics")));

  @Test
  void picksTheCollectorBySourceTypeWithoutTouchingTheNetwork() {
    var site = TestSites.site(List.of(modbusMap, nodeMap), List.of(meter, cdu, node));

    try (var m = Collectors.create(meter, site);
        var o = Collectors.create(cdu, site);
        var d = Collectors.create(node, site)) {
      assertThat(m).isInstanceOf(ModbusCollector.class);
      assertThat(o).isInstanceOf(OpcUaCollector.class);
      assertThat(d).isInstanceOf(DcgmCollector.class);
      assertThat(m.device()).isSameAs(meter);
    }
  }

  @Test
  void anNvmlDeviceGetsTheNvmlCollectorWithoutLoadingTheLibrary() {
    Device gpuNode =
        TestSites.device(
            "n2", DeviceKind.GPU_NODE, Location.FACILITY, null, new Source.Nvml("/nowhere/lib.so"));

    try (var c = Collectors.create(gpuNode, TestSites.site(List.of(), List.of(gpuNode)))) {
      assertThat(c).isInstanceOf(NvmlCollector.class);
    }
  }

  @Test
  void anSnmpDeviceGetsTheSnmpCollectorWithItsProfile() {
    Device pdu =
        TestSites.device(
            "pdu1",
            DeviceKind.PDU,
            Location.FACILITY,
            "snmp-pdu",
            Source.Snmp.v2c("127.0.0.1", 1161, "community"));
    var site =
        TestSites.site(List.of(new Profile.Snmp("snmp-pdu", List.of(), List.of())), List.of(pdu));
    try (var c = Collectors.create(pdu, site)) {
      assertThat(c).isInstanceOf(SnmpCollector.class);
      assertThat(c.device()).isSameAs(pdu);
    }
    var swapped = TestSites.site(List.of(new Profile.OpcUa("snmp-pdu", List.of())), List.of(pdu));
    assertThatThrownBy(() -> Collectors.create(pdu, swapped))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a snmp profile");
  }

  @Test
  void refusesAMissingOrMismatchedProfile() {
    var noProfiles = TestSites.site(List.of(), List.of(meter));
    assertThatThrownBy(() -> Collectors.create(meter, noProfiles))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown profile meter");

    var swapped = TestSites.site(List.of(new Profile.OpcUa("meter", List.of())), List.of(meter));
    assertThatThrownBy(() -> Collectors.create(meter, swapped))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a modbus profile");
  }
}
