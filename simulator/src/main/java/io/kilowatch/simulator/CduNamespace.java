package io.kilowatch.simulator;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;

/**
 * Namespace {@value #URI}: a folder per CDU under Objects, holding read-only variables with string
 * node ids {@code <cdu-id>/<Name>}.
 */
final class CduNamespace extends ManagedNamespaceWithLifecycle {
  static final String URI = "urn:kilowatch:demo";

  /** The loop's fill pressure at the pump inlet; the pump adds the differential on top. */
  static final double RETURN_PRESSURE_KPA = 120;

  /**
   * One published CDU variable: its browse name, OPC UA data type and where its value comes from.
   */
  record Point(String name, NodeId dataType, Function<CduReading, Object> value) {}

  static final List<Point> POINTS =
      List.of(
          new Point("PrimarySupplyTemp", NodeIds.Double, CduReading::primarySupplyC),
          new Point("PrimaryReturnTemp", NodeIds.Double, CduReading::primaryReturnC),
          new Point("SecondarySupplyTemp", NodeIds.Double, CduReading::secondarySupplyC),
          new Point("SecondaryReturnTemp", NodeIds.Double, CduReading::secondaryReturnC),
          new Point("DeltaT", NodeIds.Double, c -> c.secondaryReturnC() - c.secondarySupplyC()),
          new Point("SecondaryFlow", NodeIds.Double, CduReading::secondaryFlowLpm),
          new Point(
              "SupplyPressure", NodeIds.Double, c -> RETURN_PRESSURE_KPA + c.diffPressureKpa()),
          new Point("ReturnPressure", NodeIds.Double, c -> RETURN_PRESSURE_KPA),
          new Point("DiffPressure", NodeIds.Double, CduReading::diffPressureKpa),
          new Point("PumpSpeed", NodeIds.Double, CduReading::pumpSpeedPct),
          new Point("HeatRemoved", NodeIds.Double, CduReading::heatRemovedKw),
          new Point("ReservoirLevel", NodeIds.Double, CduReading::reservoirLevelPct),
          new Point("LeakState", NodeIds.Int32, CduReading::leakState),
          new Point("Power", NodeIds.Double, CduReading::powerW),
          new Point("Energy", NodeIds.Double, CduReading::energyKwh));

  private final SubscriptionModel subscriptionModel;
  private final Map<String, UaVariableNode> variables = new ConcurrentHashMap<>();

  CduNamespace(OpcUaServer server, List<String> cduIds, SiteSnapshot first) {
    super(server, URI);
    subscriptionModel = new SubscriptionModel(server, this);
    getLifecycleManager().addLifecycle(subscriptionModel);
    getLifecycleManager().addStartupTask(() -> cduIds.forEach(id -> addCdu(first.cdu(id))));
  }

  private void addCdu(CduReading cdu) {
    UaFolderNode folder =
        new UaFolderNode(
            getNodeContext(),
            newNodeId(cdu.id()),
            newQualifiedName(cdu.id()),
            LocalizedText.english(cdu.id()));
    getNodeManager().addNode(folder);
    folder.addReference(
        new Reference(
            folder.getNodeId(), NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
    for (Point point : POINTS) {
      UaVariableNode node =
          new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
              .setNodeId(newNodeId(cdu.id() + "/" + point.name()))
              .setBrowseName(newQualifiedName(point.name()))
              .setDisplayName(LocalizedText.english(point.name()))
              .setDataType(point.dataType())
              .setTypeDefinition(NodeIds.BaseDataVariableType)
              .setAccessLevel(AccessLevel.READ_ONLY)
              .setUserAccessLevel(AccessLevel.READ_ONLY)
              .setValue(value(point, cdu, DateTime.now()))
              .build();
      getNodeManager().addNode(node);
      folder.addOrganizes(node);
      variables.put(cdu.id() + "/" + point.name(), node);
    }
  }

  void publish(SiteSnapshot snapshot) {
    DateTime now = DateTime.now();
    for (CduReading cdu : snapshot.cdus()) {
      for (Point point : POINTS) {
        UaVariableNode node = variables.get(cdu.id() + "/" + point.name());
        if (node != null) {
          node.setValue(value(point, cdu, now));
        }
      }
    }
  }

  private static DataValue value(Point point, CduReading cdu, DateTime time) {
    return new DataValue(new Variant(point.value().apply(cdu)), StatusCode.GOOD, time, time);
  }

  @Override
  public void onDataItemsCreated(List<DataItem> dataItems) {
    subscriptionModel.onDataItemsCreated(dataItems);
  }

  @Override
  public void onDataItemsModified(List<DataItem> dataItems) {
    subscriptionModel.onDataItemsModified(dataItems);
  }

  @Override
  public void onDataItemsDeleted(List<DataItem> dataItems) {
    subscriptionModel.onDataItemsDeleted(dataItems);
  }

  @Override
  public void onMonitoringModeChanged(List<MonitoredItem> monitoredItems) {
    subscriptionModel.onMonitoringModeChanged(monitoredItems);
  }
}
