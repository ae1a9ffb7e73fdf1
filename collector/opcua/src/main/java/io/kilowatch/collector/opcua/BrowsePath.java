package io.kilowatch.collector.opcua;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A node named by the browse names leading to it from the root, as an operator reads them in any
 * OPC UA browser: {@code Objects/CDU1/SecondarySupplyTemp}. A segment is {@code Name}, matching
 * that browse name in any namespace (so the path survives namespace renumbering), or {@code
 * 2:Name}, matching only namespace index 2 (to tell apart equal names in two namespaces). A leading
 * {@code /} is allowed; {@code {device}} is replaced by the device id.
 */
public record BrowsePath(String text, List<Segment> segments) {

  /** One browse name; {@code namespaceIndex} is {@code null} when any namespace matches. */
  public record Segment(Integer namespaceIndex, String name) {
    @Override
    public String toString() {
      return namespaceIndex == null ? name : namespaceIndex + ":" + name;
    }
  }

  public BrowsePath {
    Objects.requireNonNull(text, "text");
    segments = List.copyOf(segments);
  }

  /**
   * @throws IllegalArgumentException when a segment is empty
   */
  public static BrowsePath of(String template, String deviceId) {
    if (template == null || template.isBlank()) {
      throw new IllegalArgumentException("empty browse path");
    }
    String text = template.replace(NodeIdTemplate.DEVICE_PLACEHOLDER, deviceId).strip();
    String body = text.startsWith("/") ? text.substring(1) : text;
    var segments = new ArrayList<Segment>();
    for (String part : body.split("/", -1)) {
      if (part.isBlank()) {
        throw new IllegalArgumentException("empty segment in browse path " + text);
      }
      int colon = part.indexOf(':');
      if (colon > 0 && part.substring(0, colon).chars().allMatch(Character::isDigit)) {
        segments.add(
            new Segment(Integer.parseInt(part.substring(0, colon)), part.substring(colon + 1)));
      } else {
        segments.add(new Segment(null, part));
      }
    }
    return new BrowsePath(text, segments);
  }

  @Override
  public String toString() {
    return text;
  }
}
