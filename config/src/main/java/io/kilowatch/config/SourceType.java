package io.kilowatch.config;

/** The {@code type} of a device's source; also which sources need a profile. */
enum SourceType {
  MODBUS,
  OPCUA,
  DCGM,
  NVML,
  PUSH;

  /**
   * Modbus registers and OPC UA nodes say nothing about what they mean; dcgm and NVML name their
   * metrics, and pushed lines carry their own fields.
   */
  boolean needsProfile() {
    return this == MODBUS || this == OPCUA;
  }

  static SourceType of(Source source) {
    return switch (source) {
      case Source.Modbus m -> MODBUS;
      case Source.OpcUa o -> OPCUA;
      case Source.Dcgm d -> DCGM;
      case Source.Nvml n -> NVML;
      case Source.Push p -> PUSH;
    };
  }

  static SourceType of(Profile profile) {
    return switch (profile) {
      case Profile.Modbus m -> MODBUS;
      case Profile.OpcUa o -> OPCUA;
    };
  }
}
