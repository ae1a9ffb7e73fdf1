package io.kilowatch.bench;

import io.kilowatch.testkit.opcua.FakeVariable;
import io.kilowatch.testkit.opcua.OpcUaFakeServer;
import io.kilowatch.testkit.opcua.OpcUaFakeSetup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.eclipse.milo.opcua.stack.core.NodeIds;

/**
 * Every CDU of the scale site on one test-kit OPC UA server, in namespace {@value #URI}: a folder
 * per CDU under Objects (browse names as the demo's CDUs and the shipped {@code cdu-generic}
 * profile use) holding read-only Double variables {@code <cdu-id>/<Name>} whose values {@link
 * CduPhysics} computes when read. Unlike the demo, which publishes snapshots of a ticking model,
 * nothing is stored between reads: the value is a function of the clock, and each Read call that
 * returns a good {@value #COUNTED} is counted for its CDU, which is what the soak compares with the
 * store. One server on one port: a session per CDU is what a real site costs kilowatch (it opens
 * one per device either way), and one server keeps the simulator's share of the two cores small.
 */
final class CduVariables {
  static final String URI = "urn:kilowatch:bench";

  /** The variable whose good reads are counted, once per Read request that includes it. */
  static final String COUNTED = "HeatRemoved";

  /** A variable: its browse name and which reading it shows. */
  record Point(String name, ToDoubleFunction<CduPhysics.Reading> value) {}

  static final List<Point> POINTS =
      List.of(
          new Point("SecondarySupplyTemp", CduPhysics.Reading::supplyC),
          new Point("SecondaryReturnTemp", CduPhysics.Reading::returnC),
          new Point("SecondaryFlow", CduPhysics.Reading::flowLpm),
          new Point("PumpSpeed", CduPhysics.Reading::pumpSpeedPct),
          new Point(COUNTED, CduPhysics.Reading::heatRemovedKw),
          new Point("Power", CduPhysics.Reading::powerW));

  private CduVariables() {}

  static String cduId(int cdu) {
    return "cdu-" + cdu;
  }

  /**
   * A server on a free loopback port. The counts go to {@code answered}, outside the server, so
   * that an answer counts once it was served, whichever start of the server served it.
   */
  static OpcUaFakeServer serve(CduPhysics physics, AnswerLog answered) throws IOException {
    List<FakeVariable> variables = new ArrayList<>();
    Map<String, Integer> counted = new HashMap<>();
    for (int c = 0; c < physics.cdus(); c++) {
      int cdu = c;
      for (Point point : POINTS) {
        String id = cduId(cdu) + "/" + point.name();
        variables.add(
            FakeVariable.computed(
                id, NodeIds.Double, () -> point.value().applyAsDouble(physics.read(cdu))));
        if (point.name().equals(COUNTED)) {
          counted.put(id, cdu);
        }
      }
    }
    return new OpcUaFakeServer(
        OpcUaFakeSetup.of(variables)
            .withNamespace(URI, "kilowatch bench CDUs")
            .withGoodReadListener(
                id -> {
                  Integer cdu = counted.get(id);
                  if (cdu != null) {
                    answered.answered(cdu);
                  }
                }));
  }
}
