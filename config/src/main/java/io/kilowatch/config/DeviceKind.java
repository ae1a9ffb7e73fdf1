package io.kilowatch.config;

/** What a device is; also the default measurement its readings land in. */
public enum DeviceKind {
  PDU,
  METER,
  UPS,
  CDU,
  GPU_NODE,
  SENSOR;

  /** The name used in YAML, tags and measurements: lower case with dashes. */
  public String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
