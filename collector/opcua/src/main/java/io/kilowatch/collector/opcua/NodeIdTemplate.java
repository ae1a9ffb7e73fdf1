package io.kilowatch.collector.opcua;

import java.util.Optional;
import org.eclipse.milo.opcua.stack.core.NamespaceTable;
import org.eclipse.milo.opcua.stack.core.UaRuntimeException;
import org.eclipse.milo.opcua.stack.core.types.builtin.ExpandedNodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;

/**
 * A profile's node id with the device filled in: {@code {device}} is replaced by the device id, so
 * one profile serves many devices on one server. Accepts {@code ns=2;s=...}, {@code i=...} and
 * {@code nsu=<uri>;s=...}; the last names its namespace by URI, which stays right when the server
 * renumbers its namespaces, and is resolved against the server's namespace table on connect.
 */
public final class NodeIdTemplate {
  public static final String DEVICE_PLACEHOLDER = "{device}";

  private final String text;
  private final ExpandedNodeId byUri;
  private final NodeId byIndex;

  private NodeIdTemplate(String text, ExpandedNodeId byUri, NodeId byIndex) {
    this.text = text;
    this.byUri = byUri;
    this.byIndex = byIndex;
  }

  /**
   * @throws IllegalArgumentException when the text is not a node id
   */
  public static NodeIdTemplate of(String template, String deviceId) {
    if (template == null || template.isBlank()) {
      throw new IllegalArgumentException("empty node id");
    }
    String text = template.replace(DEVICE_PLACEHOLDER, deviceId).strip();
    try {
      if (text.startsWith("nsu=")) {
        ExpandedNodeId e = ExpandedNodeId.parse(text);
        if (e == null || e.getNamespaceUri() == null) {
          throw new IllegalArgumentException("not a node id: " + text);
        }
        return new NodeIdTemplate(text, e, null);
      }
      NodeId id = NodeId.parse(text);
      return new NodeIdTemplate(text, null, id);
    } catch (UaRuntimeException e) {
      throw new IllegalArgumentException("not a node id: " + text, e);
    }
  }

  /** The namespace URI of an {@code nsu=} id; null for one that names its namespace by index. */
  public String namespaceUri() {
    return byUri == null ? null : byUri.getNamespaceUri();
  }

  /** The node id as written, with the device filled in. */
  public String text() {
    return text;
  }

  /** The node on this server, or empty when its namespace URI is not in the server's table. */
  public Optional<NodeId> resolve(NamespaceTable namespaces) {
    return byIndex != null ? Optional.of(byIndex) : byUri.toNodeId(namespaces);
  }

  @Override
  public String toString() {
    return text;
  }
}
