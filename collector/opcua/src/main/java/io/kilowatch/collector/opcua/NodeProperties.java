package io.kilowatch.collector.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import io.kilowatch.config.units.Units;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.stack.core.NamespaceTable;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.ByteString;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.ExtensionObject;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseDirection;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseResultMask;
import org.eclipse.milo.opcua.stack.core.types.enumerated.NodeClass;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseResult;
import org.eclipse.milo.opcua.stack.core.types.structured.EUInformation;
import org.eclipse.milo.opcua.stack.core.types.structured.EnumValueType;
import org.eclipse.milo.opcua.stack.core.types.structured.Range;
import org.eclipse.milo.opcua.stack.core.types.structured.ReferenceDescription;

/**
 * Reads the standard properties of variables on one session: one Browse of their HasProperty
 * references and one Read of the properties found (each split by the server's operation limits),
 * however many points there are. A property a node lacks, or that the server will not read, is
 * simply not declared.
 */
final class NodeProperties {
  static final String ENGINEERING_UNITS = "EngineeringUnits";
  static final String EU_RANGE = "EURange";
  static final String TRUE_STATE = "TrueState";
  static final String FALSE_STATE = "FalseState";
  static final String ENUM_STRINGS = "EnumStrings";
  static final String ENUM_VALUES = "EnumValues";

  private static final Set<String> WANTED =
      Set.of(ENGINEERING_UNITS, EU_RANGE, TRUE_STATE, FALSE_STATE, ENUM_STRINGS, ENUM_VALUES);

  /** Guards against a server that hands out continuation points forever. */
  private static final int MAX_BROWSE_NEXT = 20;

  private final OpcUaClient client;
  private final NamespaceTable namespaces;
  private final long timeoutMs;
  private final int maxNodesPerBrowse;
  private final int maxNodesPerRead;

  /**
   * @param maxNodesPerBrowse the server's limit per Browse, 0 for none
   * @param maxNodesPerRead the server's limit per Read, 0 for none
   */
  NodeProperties(
      OpcUaClient client,
      NamespaceTable namespaces,
      long timeoutMs,
      int maxNodesPerBrowse,
      int maxNodesPerRead) {
    this.client = client;
    this.namespaces = namespaces;
    this.timeoutMs = timeoutMs;
    this.maxNodesPerBrowse = maxNodesPerBrowse;
    this.maxNodesPerRead = maxNodesPerRead;
  }

  /**
   * What each node declares; a node that declares nothing maps to {@link ServerDeclaration#NONE}.
   *
   * @throws IOException when the server does not answer
   */
  Map<NodeId, ServerDeclaration> read(List<NodeId> nodes) throws IOException, InterruptedException {
    Map<NodeId, Map<String, NodeId>> found = browse(nodes);
    var refs = new ArrayList<NodeId>();
    var owners = new ArrayList<NodeId>();
    var names = new ArrayList<String>();
    found.forEach(
        (node, properties) ->
            properties.forEach(
                (name, id) -> {
                  owners.add(node);
                  names.add(name);
                  refs.add(id);
                }));
    Map<NodeId, Map<String, Object>> values = new HashMap<>();
    int batch = maxNodesPerRead > 0 ? maxNodesPerRead : Math.max(1, refs.size());
    for (int from = 0; from < refs.size(); from += batch) {
      int to = Math.min(refs.size(), from + batch);
      List<DataValue> read =
          await(
              client.readValuesAsync(0.0, TimestampsToReturn.Neither, refs.subList(from, to)),
              "reading the properties");
      for (int i = 0; i < read.size() && from + i < to; i++) {
        DataValue dv = read.get(i);
        Object v = dv.getValue() != null ? dv.getValue().getValue() : null;
        if (v != null && (dv.getStatusCode() == null || dv.getStatusCode().isGood())) {
          values
              .computeIfAbsent(owners.get(from + i), k -> new HashMap<>())
              .put(names.get(from + i), v);
        }
      }
    }
    var out = new LinkedHashMap<NodeId, ServerDeclaration>();
    for (NodeId node : nodes) {
      out.put(node, declaration(values.getOrDefault(node, Map.of())));
    }
    return out;
  }

  /** The wanted properties of each node, by name. */
  private Map<NodeId, Map<String, NodeId>> browse(List<NodeId> nodes)
      throws IOException, InterruptedException {
    var out = new LinkedHashMap<NodeId, Map<String, NodeId>>();
    var distinct = List.copyOf(new java.util.LinkedHashSet<>(nodes));
    int batch = maxNodesPerBrowse > 0 ? maxNodesPerBrowse : Math.max(1, distinct.size());
    for (int from = 0; from < distinct.size(); from += batch) {
      List<NodeId> chunk = distinct.subList(from, Math.min(distinct.size(), from + batch));
      List<BrowseDescription> descriptions =
          chunk.stream()
              .map(
                  n ->
                      new BrowseDescription(
                          n,
                          BrowseDirection.Forward,
                          NodeIds.HasProperty,
                          true,
                          uint(NodeClass.Variable.getValue()),
                          uint(BrowseResultMask.BrowseName.getValue())))
              .toList();
      List<BrowseResult> results = await(client.browseAsync(descriptions), "browsing properties");
      for (int i = 0; i < chunk.size() && i < results.size(); i++) {
        var properties = new HashMap<String, NodeId>();
        collect(results.get(i), properties);
        out.put(chunk.get(i), properties);
      }
      followContinuations(chunk, results, out);
    }
    return out;
  }

  /** Browses on where the server stopped early, for the rare node with many properties. */
  private void followContinuations(
      List<NodeId> chunk, List<BrowseResult> results, Map<NodeId, Map<String, NodeId>> out)
      throws IOException, InterruptedException {
    var pending = new LinkedHashMap<NodeId, ByteString>();
    for (int i = 0; i < chunk.size() && i < results.size(); i++) {
      ByteString cp = results.get(i).getContinuationPoint();
      if (cp != null && cp.isNotNull()) {
        pending.put(chunk.get(i), cp);
      }
    }
    for (int round = 0; !pending.isEmpty(); round++) {
      boolean release = round >= MAX_BROWSE_NEXT;
      var owners = List.copyOf(pending.keySet());
      var next =
          await(
              client.browseNextAsync(release, List.copyOf(pending.values())),
              "browsing properties");
      pending.clear();
      if (release || next.getResults() == null) {
        return;
      }
      BrowseResult[] more = next.getResults();
      for (int i = 0; i < owners.size() && i < more.length; i++) {
        collect(more[i], out.get(owners.get(i)));
        ByteString cp = more[i].getContinuationPoint();
        if (cp != null && cp.isNotNull()) {
          pending.put(owners.get(i), cp);
        }
      }
    }
  }

  private void collect(BrowseResult result, Map<String, NodeId> into) {
    if (result.getStatusCode() != null && result.getStatusCode().isBad()) {
      return;
    }
    if (result.getReferences() == null) {
      return;
    }
    for (ReferenceDescription r : result.getReferences()) {
      var name = r.getBrowseName();
      // Standard properties live in namespace 0; a vendor's own "EURange" is not the standard one.
      if (name != null
          && name.namespaceIndex().intValue() == 0
          && WANTED.contains(name.name())
          && !into.containsKey(name.name())) {
        r.getNodeId().toNodeId(namespaces).ifPresent(id -> into.put(name.name(), id));
      }
    }
  }

  private ServerDeclaration declaration(Map<String, Object> values) {
    if (values.isEmpty()) {
      return ServerDeclaration.NONE;
    }
    String code = null;
    String name = null;
    Units.Parsed unit = null;
    EUInformation eu = decode(values.get(ENGINEERING_UNITS), EUInformation.class);
    if (eu != null) {
      String ns = eu.getNamespaceUri();
      int id = eu.getUnitId() == null ? -1 : eu.getUnitId();
      // Servers that leave the namespace empty still mean UNECE codes, as the spec's only one.
      boolean unece = ns == null || ns.isBlank() || ns.equals(UneceUnits.CEFACT_URI);
      String common = unece ? UneceUnits.commonCode(id) : null;
      code = common != null ? common : Integer.toString(id);
      name = text(eu.getDisplayName());
      if (name == null) {
        name = text(eu.getDescription());
      }
      unit = UneceUnits.symbol(common).map(Units::parse).orElse(null);
    }
    ServerDeclaration.Range range = null;
    Range r = decode(values.get(EU_RANGE), Range.class);
    if (r != null && r.getLow() != null && r.getHigh() != null) {
      range = new ServerDeclaration.Range(r.getLow(), r.getHigh());
    }
    return new ServerDeclaration(code, name, unit, range, states(values));
  }

  private TreeMap<Long, String> states(Map<String, Object> values) {
    var states = new TreeMap<Long, String>();
    if (values.containsKey(TRUE_STATE) || values.containsKey(FALSE_STATE)) {
      String off = values.get(FALSE_STATE) instanceof LocalizedText t ? text(t) : null;
      String on = values.get(TRUE_STATE) instanceof LocalizedText t ? text(t) : null;
      if (off != null) {
        states.put(0L, off);
      }
      if (on != null) {
        states.put(1L, on);
      }
      return states;
    }
    if (values.get(ENUM_VALUES) instanceof Object[] enumValues) {
      for (Object o : enumValues) {
        EnumValueType v = decode(o, EnumValueType.class);
        String text = v == null ? null : text(v.getDisplayName());
        if (text != null && v.getValue() != null) {
          states.put(v.getValue(), text);
        }
      }
      if (!states.isEmpty()) {
        return states;
      }
    }
    if (values.get(ENUM_STRINGS) instanceof LocalizedText[] strings) {
      for (int i = 0; i < strings.length; i++) {
        String text = text(strings[i]);
        if (text != null) {
          states.put((long) i, text);
        }
      }
    }
    return states;
  }

  /** A structure as the server sent it, or null when it is something else or does not decode. */
  private <T> T decode(Object value, Class<T> type) {
    if (type.isInstance(value)) {
      return type.cast(value);
    }
    if (value instanceof ExtensionObject eo) {
      try {
        Object decoded = eo.decode(client.getStaticEncodingContext());
        return type.isInstance(decoded) ? type.cast(decoded) : null;
      } catch (RuntimeException e) {
        return null;
      }
    }
    return null;
  }

  private static String text(LocalizedText t) {
    return t == null || t.text() == null || t.text().isBlank() ? null : t.text().strip();
  }

  private <T> T await(CompletableFuture<T> f, String what)
      throws IOException, InterruptedException {
    try {
      return f.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      f.cancel(true);
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IOException(what + " failed: " + OpcUaErrors.describe(cause), cause);
    }
  }
}
