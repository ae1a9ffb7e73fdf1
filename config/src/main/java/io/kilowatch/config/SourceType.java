package io.kilowatch.config;

/** The {@code type} of a device's source; also which sources need a profile. */
enum SourceType {
  MODBUS,
  OPCUA,
  SNMP,
  DCGM,
  NVML,
  PUSH;

  /**
   * Modbus registers, OPC UA nodes and SNMP OIDs say nothing about what they mean; dcgm and NVML
   * name their metrics, and pushed lines carry their own fields.
   */
  boolean needsProfile() {
    return this == MODBUS || this == OPCUA || this == SNMP;
  }

  static SourceType of(Source source) {
    return switch (source) {
      case Source.Modbus m -> MODBUS;
      case Source.OpcUa o -> OPCUA;
      case Source.Snmp s -> SNMP;
      case Source.Dcgm d -> DCGM;
      case Source.Nvml n -> NVML;
      case Source.Push p -> PUSH;
    };
  }

  static SourceType of(Profile profile) {
    return switch (profile) {
      case Profile.Modbus m -> MODBUS;
      case Profile.OpcUa o -> OPCUA;
      case Profile.Snmp s -> SNMP;
    };
  }
}
