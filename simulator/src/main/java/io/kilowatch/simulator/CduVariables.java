package io.kilowatch.simulator;

import io.kilowatch.testkit.opcua.FakeVariable;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.opcua.OpcUaFakeSetup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;

/**
 * The demo's CDUs on the test kit's OPC UA server, in namespace {@value #URI}: a folder per CDU
 * under Objects holding read-only variables {@code <cdu-id>/<Name>}, set from each snapshot of the
 * ticking model. One server for all CDUs: real CDU controllers each have their own, but one is
 * enough to exercise the protocol and keeps the demo light.
 */
final class CduVariables {
  static final String URI = "urn:kilowatch:demo";

  /** The loop's fill pressure at the pump inlet; the pump adds the differential on top. */
  static final double RETURN_PRESSURE_KPA = 120;

  /** One published CDU variable: its browse name and where its value comes from. */
  record Point(String name, Function<CduReading, Object> value) {}

  static final List<Point> POINTS =
      List.of(
          new Point("PrimarySupplyTemp", CduReading::primarySupplyC),
          new Point("PrimaryReturnTemp", CduReading::primaryReturnC),
          new Point("SecondarySupplyTemp", CduReading::secondarySupplyC),
          new Point("SecondaryReturnTemp", CduReading::secondaryReturnC),
          new Point("DeltaT", c -> c.secondaryReturnC() - c.secondarySupplyC()),
          new Point("SecondaryFlow", CduReading::secondaryFlowLpm),
          new Point("SupplyPressure", c -> RETURN_PRESSURE_KPA + c.diffPressureKpa()),
          new Point("ReturnPressure", c -> RETURN_PRESSURE_KPA),
          new Point("DiffPressure", CduReading::diffPressureKpa),
          new Point("PumpSpeed", CduReading::pumpSpeedPct),
          new Point("HeatRemoved", CduReading::heatRemovedKw),
          new Point("ReservoirLevel", CduReading::reservoirLevelPct),
          // An int, so the variable is an Int32 as a controller's enumeration would be.
          new Point("LeakState", CduReading::leakState),
          new Point("Power", CduReading::powerW),
          new Point("Energy", CduReading::energyKwh));

  private CduVariables() {}

  /** A server on a free loopback port with every CDU's variables at their first values. */
  static OpcUaFakeServer serve(List<String> cduIds, SiteSnapshot first) throws IOException {
    DateTime now = DateTime.now();
    List<FakeVariable> variables = new ArrayList<>();
    for (String id : cduIds) {
      CduReading cdu = first.cdu(id);
      for (Point point : POINTS) {
        variables.add(FakeVariable.stored(nodeId(id, point), value(point, cdu, now)));
      }
    }
    return new OpcUaFakeServer(
        OpcUaFakeSetup.of(variables).withNamespace(URI, "kilowatch demo CDUs"));
  }

  static void publish(OpcUaFakeServer server, SiteSnapshot snapshot) {
    DateTime now = DateTime.now();
    for (CduReading cdu : snapshot.cdus()) {
      for (Point point : POINTS) {
        server.set(nodeId(cdu.id(), point), value(point, cdu, now));
      }
    }
  }

  private static String nodeId(String cduId, Point point) {
    return cduId + "/" + point.name();
  }

  private static DataValue value(Point point, CduReading cdu, DateTime time) {
    return new DataValue(new Variant(point.value().apply(cdu)), StatusCode.GOOD, time, time);
  }
}
