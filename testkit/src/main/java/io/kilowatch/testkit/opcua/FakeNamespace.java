package io.kilowatch.testkit.opcua;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.core.ValueRanks;
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
import org.eclipse.milo.opcua.stack.core.encoding.EncodingContext;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.ExtensionObject;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.EnumValueType;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;

/**
 * The variables of one namespace of an {@link OpcUaFakeServer}, with folders made from their ids.
 * Each variable whose value a Read service call returns good is reported to {@code goodRead}, once
 * per call that includes it, so a test can tell exactly how many answers went out.
 */
final class FakeNamespace extends ManagedNamespaceWithLifecycle {
  /** One Read call's instant, so every computed value of one call carries the same timestamp. */
  private static final ThreadLocal<DateTime> READ_TIME = new ThreadLocal<>();

  private final SubscriptionModel subscriptions;
  private final Map<String, UaVariableNode> nodes = new ConcurrentHashMap<>();
  private final Map<NodeId, String> ids = new ConcurrentHashMap<>();
  private final Consumer<String> goodRead;

  FakeNamespace(
      OpcUaServer server,
      String uri,
      List<FakeVariable> variables,
      Map<String, DataValue> current,
      Consumer<String> goodRead) {
    super(server, uri);
    this.goodRead = goodRead;
    subscriptions = new SubscriptionModel(server, this);
    getLifecycleManager().addLifecycle(subscriptions);
    List<FakeVariable> initial = List.copyOf(variables);
    getLifecycleManager().addStartupTask(() -> initial.forEach(v -> add(v, current.get(v.id()))));
  }

  private void add(FakeVariable variable, DataValue current) {
    String id = variable.id();
    int slash = id.lastIndexOf('/');
    String name = slash < 0 ? id : id.substring(slash + 1);
    NodeId parent = slash < 0 ? NodeIds.ObjectsFolder : folder(id.substring(0, slash));
    var node =
        new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
            .setNodeId(newNodeId(id))
            .setAccessLevel(AccessLevel.READ_ONLY)
            .setUserAccessLevel(AccessLevel.READ_ONLY)
            .setBrowseName(newQualifiedName(name))
            .setDisplayName(LocalizedText.english(name))
            .setDataType(variable.dataType())
            .setTypeDefinition(variable.properties().typeDefinition())
            .build();
    if (variable.isComputed()) {
      node.setValue(new DataValue(Variant.NULL_VALUE));
      node.getFilterChain().addLast(AttributeFilters.getValue(ctx -> computedValue(variable)));
    } else {
      node.setValue(current != null ? current : variable.initial());
    }
    getNodeManager().addNode(node);
    node.addReference(new Reference(node.getNodeId(), NodeIds.Organizes, parent.expanded(), false));
    addProperties(node, variable);
    nodes.put(id, node);
    ids.put(node.getNodeId(), id);
  }

  /** The Part 8 properties the variable declares, each a Property node under it. */
  private void addProperties(UaVariableNode node, FakeVariable variable) {
    FakeProperties p = variable.properties();
    EncodingContext encoding = getServer().getStaticEncodingContext();
    if (p.engineeringUnits() != null) {
      property(
          node,
          "EngineeringUnits",
          NodeIds.EUInformation,
          ExtensionObject.encode(encoding, p.engineeringUnits()));
    }
    if (p.euRange() != null) {
      property(node, "EURange", NodeIds.Range, ExtensionObject.encode(encoding, p.euRange()));
    }
    if (p.trueState() != null) {
      property(node, "TrueState", NodeIds.LocalizedText, p.trueState());
    }
    if (p.falseState() != null) {
      property(node, "FalseState", NodeIds.LocalizedText, p.falseState());
    }
    if (!p.enumStrings().isEmpty()) {
      property(
          node,
          "EnumStrings",
          NodeIds.LocalizedText,
          p.enumStrings().toArray(LocalizedText[]::new));
    }
    if (!p.enumValues().isEmpty()) {
      property(
          node,
          "EnumValues",
          NodeIds.EnumValueType,
          ExtensionObject.encodeArray(encoding, p.enumValues().toArray(EnumValueType[]::new)));
    }
  }

  private void property(UaVariableNode owner, String name, NodeId dataType, Object value) {
    boolean array = value.getClass().isArray();
    var property =
        new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
            .setNodeId(newNodeId(owner.getNodeId().getIdentifier() + "." + name))
            .setAccessLevel(AccessLevel.READ_ONLY)
            .setUserAccessLevel(AccessLevel.READ_ONLY)
            // Standard properties are named in namespace 0, whatever the owner's namespace.
            .setBrowseName(new QualifiedName(0, name))
            .setDisplayName(LocalizedText.english(name))
            .setDataType(dataType)
            .setValueRank(array ? ValueRanks.OneDimension : ValueRanks.Scalar)
            .setTypeDefinition(NodeIds.PropertyType)
            .build();
    property.setValue(new DataValue(new Variant(value)));
    getNodeManager().addNode(property);
    owner.addReference(
        new Reference(
            owner.getNodeId(), NodeIds.HasProperty, property.getNodeId().expanded(), true));
  }

  private static DataValue computedValue(FakeVariable variable) {
    DateTime t = READ_TIME.get();
    DateTime time = t != null ? t : DateTime.now();
    return new DataValue(new Variant(variable.computed().get()), StatusCode.GOOD, time, time);
  }

  /** The folder for a path like {@code a/b}, made on first use under Objects. */
  private NodeId folder(String path) {
    NodeId id = newNodeId(path);
    if (getNodeManager().containsNode(id)) {
      return id;
    }
    int slash = path.lastIndexOf('/');
    String name = slash < 0 ? path : path.substring(slash + 1);
    NodeId parent = slash < 0 ? NodeIds.ObjectsFolder : folder(path.substring(0, slash));
    var folder =
        new UaFolderNode(getNodeContext(), id, newQualifiedName(name), LocalizedText.english(name));
    getNodeManager().addNode(folder);
    folder.addReference(new Reference(id, NodeIds.Organizes, parent.expanded(), false));
    return id;
  }

  void set(String id, DataValue value) {
    UaVariableNode node = nodes.get(id);
    if (node != null) {
      node.setValue(value);
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
        ReadValueId read = readValueIds.get(i);
        String id = ids.get(read.getNodeId());
        StatusCode status = values.get(i).getStatusCode();
        if (id != null
            && AttributeId.Value.uid().equals(read.getAttributeId())
            && (status == null || status.isGood())) {
          goodRead.accept(id);
        }
      }
      return values;
    } finally {
      READ_TIME.remove();
    }
  }

  @Override
  public void onDataItemsCreated(List<DataItem> items) {
    subscriptions.onDataItemsCreated(items);
  }

  @Override
  public void onDataItemsModified(List<DataItem> items) {
    subscriptions.onDataItemsModified(items);
  }

  @Override
  public void onDataItemsDeleted(List<DataItem> items) {
    subscriptions.onDataItemsDeleted(items);
  }

  @Override
  public void onMonitoringModeChanged(List<MonitoredItem> items) {
    subscriptions.onMonitoringModeChanged(items);
  }
}
