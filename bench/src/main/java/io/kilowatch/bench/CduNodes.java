package io.kilowatch.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.nodes.filters.AttributeFilters;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;

/**
 * Namespace {@value #URI}: a folder per CDU under Objects (browse names as the demo's CDUs and the
 * shipped {@code cdu-generic} profile use), holding read-only Double variables {@code
 * <cdu-id>/<Name>} whose values are computed by {@link CduPhysics} when read. Unlike the demo's
 * namespace, which publishes snapshots of a ticking model, nothing is stored between reads: the
 * value is a function of the clock, and each Read service call that returns a good {@value
 * #COUNTED} is counted for its CDU, which is what the soak compares with the store.
 */
final class CduNodes extends ManagedNamespaceWithLifecycle {
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

  /** One Read request's instant, so every value of one request carries the same timestamp. */
  private static final ThreadLocal<DateTime> READ_TIME = new ThreadLocal<>();

  private final SubscriptionModel subscriptionModel;
  private final CduPhysics physics;
  private final AnswerLog answered;
  private final Map<NodeId, Integer> countedNodes = new ConcurrentHashMap<>();

  CduNodes(OpcUaServer server, CduPhysics physics, AnswerLog answered) {
    super(server, URI);
    this.physics = physics;
    this.answered = answered;
    subscriptionModel = new SubscriptionModel(server, this);
    getLifecycleManager().addLifecycle(subscriptionModel);
    getLifecycleManager()
        .addStartupTask(
            () -> {
              for (int c = 0; c < physics.cdus(); c++) {
                addCdu(c);
              }
            });
  }

  static String cduId(int cdu) {
    return "cdu-" + cdu;
  }

  private void addCdu(int cdu) {
    String id = cduId(cdu);
    UaFolderNode folder =
        new UaFolderNode(
            getNodeContext(), newNodeId(id), newQualifiedName(id), LocalizedText.english(id));
    getNodeManager().addNode(folder);
    folder.addReference(
        new Reference(
            folder.getNodeId(), NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
    for (Point point : POINTS) {
      UaVariableNode node =
          new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
              .setNodeId(newNodeId(id + "/" + point.name()))
              .setBrowseName(newQualifiedName(point.name()))
              .setDisplayName(LocalizedText.english(point.name()))
              .setDataType(NodeIds.Double)
              .setTypeDefinition(NodeIds.BaseDataVariableType)
              .setAccessLevel(AccessLevel.READ_ONLY)
              .setUserAccessLevel(AccessLevel.READ_ONLY)
              .setValue(new DataValue(new Variant(0.0)))
              .build();
      node.getFilterChain()
          .addLast(
              AttributeFilters.getValue(
                  ctx -> {
                    DateTime t = READ_TIME.get();
                    DateTime time = t != null ? t : DateTime.now();
                    double v = point.value().applyAsDouble(physics.read(cdu));
                    return new DataValue(new Variant(v), StatusCode.GOOD, time, time);
                  }));
      getNodeManager().addNode(node);
      folder.addOrganizes(node);
      if (point.name().equals(COUNTED)) {
        countedNodes.put(node.getNodeId(), cdu);
      }
    }
  }

  @Override
  public List<DataValue> read(
      ReadContext context,
      Double maxAge,
      TimestampsToReturn timestamps,
      List<ReadValueId> readValueIds) {
    READ_TIME.set(DateTime.now());
    try {
      List<DataValue> values = super.read(context, maxAge, timestamps, readValueIds);
      for (int i = 0; i < readValueIds.size() && i < values.size(); i++) {
        ReadValueId id = readValueIds.get(i);
        Integer cdu = countedNodes.get(id.getNodeId());
        StatusCode status = values.get(i).getStatusCode();
        if (cdu != null
            && AttributeId.Value.uid().equals(id.getAttributeId())
            && (status == null || status.isGood())) {
          answered.answered(cdu);
        }
      }
      return values;
    } finally {
      READ_TIME.remove();
    }
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
