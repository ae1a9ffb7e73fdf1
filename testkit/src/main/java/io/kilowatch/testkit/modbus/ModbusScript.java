package io.kilowatch.testkit.modbus;

/**
 * Decides each answer of a {@link ModbusTcpFake}. Runs on the fake's one selector thread, so it
 * must not block: delay with {@link ModbusAnswer.Late} instead of sleeping.
 */
@FunctionalInterface
public interface ModbusScript {
  ModbusAnswer answer(ModbusRequest request);
}
