package io.kilowatch.collector.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.stack.core.NamespaceTable;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.ByteString;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseDirection;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseResultMask;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseResult;
import org.eclipse.milo.opcua.stack.core.types.structured.ReferenceDescription;

/**
 * Resolves browse paths on one session by browsing hierarchical references level by level. Each
 * node's children are browsed once per resolver, so fifty points under one CDU folder cost one
 * Browse of that folder, not fifty.
 */
final class BrowsePathResolver {
  /** Guards against a server that hands out continuation points forever. */
  private static final int MAX_BROWSE_NEXT = 100;

  private final OpcUaClient client;
  private final NamespaceTable namespaces;
  private final long timeoutMs;
  private final Map<NodeId, List<ReferenceDescription>> children = new HashMap<>();

  BrowsePathResolver(OpcUaClient client, NamespaceTable namespaces, long timeoutMs) {
    this.client = client;
    this.namespaces = namespaces;
    this.timeoutMs = timeoutMs;
  }

  /** Outcome for one path: the node, or why there is none. */
  sealed interface Result {
    record Found(NodeId nodeId) implements Result {}

    record NotFound(String why) implements Result {}
  }

  /**
   * @throws IOException when the server does not answer (the session is unusable)
   */
  Result resolve(BrowsePath path) throws IOException, InterruptedException {
    NodeId current = NodeIds.RootFolder;
    StringBuilder walked = new StringBuilder();
    for (BrowsePath.Segment segment : path.segments()) {
      List<ReferenceDescription> matches = new ArrayList<>();
      for (ReferenceDescription r : childrenOf(current)) {
        var name = r.getBrowseName();
        if (name != null
            && segment.name().equals(name.name())
            && (segment.namespaceIndex() == null
                || segment.namespaceIndex() == name.namespaceIndex().intValue())) {
          matches.add(r);
        }
      }
      String where = walked.isEmpty() ? "the root" : walked.toString();
      if (matches.isEmpty()) {
        return new Result.NotFound(
            "Bad_NoMatch: no " + segment + " under " + where + " (browse path " + path + ")");
      }
      if (matches.size() > 1) {
        var found = matches.stream().map(r -> r.getBrowseName().toParseableString()).toList();
        return new Result.NotFound(
            "Bad_BrowseNameDuplicated: browse path "
                + path
                + ": "
                + segment
                + " is ambiguous under "
                + where
                + " "
                + found
                + "; write it as <namespaceIndex>:"
                + segment.name());
      }
      var next = matches.getFirst().getNodeId().toNodeId(namespaces);
      if (next.isEmpty()) {
        return new Result.NotFound(
            "Bad_NoMatch: browse path " + path + ": " + segment + " lies on another server");
      }
      current = next.get();
      if (!walked.isEmpty()) {
        walked.append('/');
      }
      walked.append(segment);
    }
    return new Result.Found(current);
  }

  private List<ReferenceDescription> childrenOf(NodeId node)
      throws IOException, InterruptedException {
    List<ReferenceDescription> known = children.get(node);
    if (known != null) {
      return known;
    }
    var all = new ArrayList<ReferenceDescription>();
    BrowseResult result =
        await(
            client.browseAsync(
                new BrowseDescription(
                    node,
                    BrowseDirection.Forward,
                    NodeIds.HierarchicalReferences,
                    true,
                    uint(0),
                    uint(BrowseResultMask.All.getValue()))));
    int rounds = 0;
    while (true) {
      if (result.getStatusCode() != null && result.getStatusCode().isBad()) {
        break;
      }
      if (result.getReferences() != null) {
        all.addAll(List.of(result.getReferences()));
      }
      ByteString cp = result.getContinuationPoint();
      if (cp == null || cp.isNull() || ++rounds > MAX_BROWSE_NEXT) {
        break;
      }
      var next = await(client.browseNextAsync(false, List.of(cp)));
      if (next.getResults() == null || next.getResults().length == 0) {
        break;
      }
      result = next.getResults()[0];
    }
    children.put(node, all);
    return all;
  }

  private <T> T await(java.util.concurrent.CompletableFuture<T> f)
      throws IOException, InterruptedException {
    try {
      return f.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      f.cancel(true);
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IOException("browse failed: " + OpcUaErrors.describe(cause), e);
    }
  }
}
