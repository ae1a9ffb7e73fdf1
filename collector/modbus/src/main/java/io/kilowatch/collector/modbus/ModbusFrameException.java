package io.kilowatch.collector.modbus;

import java.io.IOException;

/**
 * An answer that is not a valid Modbus TCP frame for the request: garbage, a short frame, an answer
 * to another request. The connection cannot be trusted after it, so the device counts as down and
 * is reconnected.
 */
public final class ModbusFrameException extends IOException {
  public ModbusFrameException(String message) {
    super(message);
  }
}
