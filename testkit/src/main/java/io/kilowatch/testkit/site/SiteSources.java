package io.kilowatch.testkit.site;

import java.util.Map;

/** A device's {@code source:} section for each protocol, as a config tree. */
public final class SiteSources {
  private SiteSources() {}

  public static Map<String, Object> modbus(String host, int port, int unitId) {
    return YamlMaps.of("type", "modbus", "host", host, "port", port, "unitId", unitId);
  }

  /** {@code more}: further keys and values, e.g. "securityPolicy", "none", "mode", "poll". */
  public static Map<String, Object> opcua(String endpoint, Object... more) {
    Map<String, Object> source = YamlMaps.of("type", "opcua", "endpoint", endpoint);
    source.putAll(YamlMaps.of(more));
    return source;
  }

  /**
   * SNMP v2c; {@code community} as written in the file, so a {@code ${VARIABLE}} reference (the
   * config takes communities only from the environment).
   */
  public static Map<String, Object> snmpV2c(String host, int port, String community) {
    return YamlMaps.of(
        "type", "snmp", "host", host, "port", port, "version", "v2c", "community", community);
  }

  public static Map<String, Object> dcgm(String url) {
    return YamlMaps.of("type", "dcgm", "url", url);
  }
}
