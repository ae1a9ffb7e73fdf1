package io.kilowatch.testkit.modbus;

/**
 * One read request as a {@link ModbusTcpFake} received it.
 *
 * @param device which of the fake's devices (ports) it arrived on, from 0
 * @param n the server-wide request number, from 1
 */
public record ModbusRequest(
    int device, int n, int transaction, int unit, int function, int start, int count) {}
